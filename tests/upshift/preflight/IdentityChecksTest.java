package upshift.preflight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.testing.Run;
import upshift.testing.Wait;

/**
 * Replica identities that stop replication, or silently skip changes, in either direction, on real 13 -> 16
 * servers: each shape is first shown to break replication as preflight says, then preflight blocks and names it.
 */
class IdentityChecksTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** No key on origin (preflight's own fix: FULL); the new model gains an id primary key. */
    private static final String GAINS_ID_ORIGIN = "CREATE TABLE t_gains_id (a int NOT NULL, b text);"
            + " ALTER TABLE t_gains_id REPLICA IDENTITY FULL;"
            + " INSERT INTO t_gains_id SELECT g, 'v' || g FROM generate_series(1, 5) g";
    private static final String GAINS_ID_DESTINATION = "CREATE TABLE t_gains_id (id bigserial PRIMARY KEY,"
            + " a int NOT NULL, b text)";
    /** FULL on both sides without a key, with types that have no equality. */
    private static final String NO_EQUALITY = "CREATE TABLE t_json (a int, j json, p point);"
            + " ALTER TABLE t_json REPLICA IDENTITY FULL";
    private static final String NO_EQUALITY_ROWS = "INSERT INTO t_json VALUES (1, '{\"k\": 1}', '(1,2)'),"
            + " (2, NULL, NULL)";
    /** FULL on origin, no key on destination, which has a column origin does not send. */
    private static final String EXTRA_ORIGIN = "CREATE TABLE t_extra (a int, b text);"
            + " ALTER TABLE t_extra REPLICA IDENTITY FULL; INSERT INTO t_extra VALUES (1, 'x'), (2, 'y')";
    private static final String EXTRA_DESTINATION = "CREATE TABLE t_extra (a int, b text, added text DEFAULT 'd')";

    @ParameterizedTest(name = "each identity shape breaks replication, and preflight blocks it 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void identityShapesBreakReplicationAndBlock(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "preflight_identity", 10);
        f.onOrigin(GAINS_ID_ORIGIN + "; " + NO_EQUALITY + "; " + NO_EQUALITY_ROWS + "; " + EXTRA_ORIGIN);
        f.onDestination(GAINS_ID_DESTINATION + "; " + NO_EQUALITY + "; " + EXTRA_DESTINATION);

        // the real servers first: each shape, replicated alone with disable_on_error
        stopsReplication(f, "t_gains_id", "DELETE FROM t_gains_id WHERE a = 1",
                "SELECT count(*) FROM t_gains_id WHERE a = 1");
        stopsReplication(f, "t_json", "UPDATE t_json SET a = 10 WHERE a = 1",
                "SELECT count(*) FROM t_json WHERE a = 1");
        // a row whose json is NULL is found: the comparison only fails on a value
        skipsSilently(f, "t_extra", "UPDATE t_extra SET b = 'changed' WHERE a = 1; DELETE FROM t_extra WHERE a = 2",
                "SELECT count(*) FROM t_extra WHERE b = 'changed'", 0,
                "SELECT count(*) FROM t_extra WHERE a = 2", 1);
        // the way back: the rollback publication lists the columns origin has, leaving out destination's key
        try (Connection d = f.destination(); Statement st = d.createStatement()) {
            st.execute("CREATE PUBLICATION identity_back FOR TABLE t_gains_id (a, b)");
            st.execute("INSERT INTO t_gains_id (a, b) VALUES (100, 'new')");
            SQLException e = assertThrows(SQLException.class, () -> st.execute("DELETE FROM t_gains_id WHERE a = 100"));
            assertTrue(e.getMessage().contains("does not cover the replica identity")
                    || e.getMessage().contains("Column list used by the publication does not cover"), e.getMessage());
            st.execute("DROP PUBLICATION identity_back");
        }

        Run run = f.run("Preflight", "--json", "--destination-conninfo", f.destinationConninfo());
        assertEquals(ExitCode.CHECK_FAILED, run.exitCode(), run.stderr());
        JsonNode report = JSON.readTree(run.stdout());

        JsonNode gains = blocking(report, "replica-identity", "public.t_gains_id");
        assertEquals("destination", gains.get("side").asText());
        assertTrue(gains.get("problem").asText().contains("[id]"), gains.toString());
        assertTrue(gains.get("problem").asText().contains("publisher did not send replica identity column"),
                gains.toString());
        JsonNode json = blocking(report, "replica-identity", "public.t_json");
        assertTrue(json.get("problem").asText().contains("[j, p] have a type without equality"), json.toString());
        JsonNode extra = blocking(report, "replica-identity", "public.t_extra");
        assertTrue(extra.get("problem").asText().contains("does not send [added]"), extra.toString());
        assertTrue(extra.get("problem").asText().contains("skipped without an error"), extra.toString());

        // the way back, with the rollback publication's column list (a, b): DELETE on destination fails, and
        // origin (no key) cannot find rows by the id that destination sends
        List<String> back = new ArrayList<>();
        findings(report, "rollback").stream().filter(n -> n.get("subject").asText().equals("public.t_gains_id")
                && n.get("severity").asText().equals("blocking")).forEach(n -> back.add(n.get("side").asText()
                        + ": " + n.get("problem").asText()));
        assertTrue(back.stream().anyMatch(p -> p.startsWith("destination: ") && p.contains("[id]")
                && p.contains("does not cover the replica identity")), back + "\n" + run.stdout());
        assertTrue(back.stream().anyMatch(p -> p.startsWith("origin: ")
                && p.contains("neither a primary key nor a replica identity index")), back + "\n" + run.stdout());
        // and json both ways: origin, FULL and without key, would compare whole rows too
        assertTrue(findings(report, "rollback").stream().anyMatch(n -> n.get("subject").asText()
                .equals("public.t_json") && n.get("problem").asText().contains("without equality")), run.stdout());

        // fixed as preflight says: the same primary key on origin, a key on destination: no identity finding left
        f.onOrigin("DROP TABLE t_json; DROP TABLE t_extra; ALTER TABLE t_gains_id ADD COLUMN id bigserial PRIMARY KEY;"
                + " ALTER TABLE t_gains_id REPLICA IDENTITY DEFAULT");
        f.onDestination("DROP TABLE t_json; DROP TABLE t_extra");
        Run fixed = f.run("Preflight", "--json", "--destination-conninfo", f.destinationConninfo());
        JsonNode after = JSON.readTree(fixed.stdout());
        assertTrue(findings(after, "replica-identity").isEmpty(), fixed.stdout());
        assertTrue(findings(after, "rollback").stream().noneMatch(n -> n.get("subject").asText()
                .equals("public.t_gains_id")), fixed.stdout());
    }

    /** Replicates the table alone, makes the change on origin, and waits until the apply error disables it. */
    private static void stopsReplication(ShopFixture f, String table, String change, String stillThere)
            throws Exception {
        String name = f.database() + "_" + table;
        subscribe(f, table, name);
        try {
            f.onOrigin(change);
            Wait.until(Duration.ofSeconds(60), "the apply error disables " + name,
                    () -> f.destinationLong("SELECT count(*) FROM pg_subscription WHERE subname = '" + name
                            + "' AND NOT subenabled") == 1);
            assertEquals(1, f.destinationLong(stillThere), "the change was applied after all: " + change);
        } finally {
            unsubscribe(f, name);
        }
    }

    /** Replicates the table alone, makes the change on origin; the apply goes on, and the change is not there. */
    private static void skipsSilently(ShopFixture f, String table, String change, String changed, long expected,
            String deleted, long expectedDeleted) throws Exception {
        String name = f.database() + "_" + table;
        subscribe(f, table, name);
        try {
            f.onOrigin(change + "; INSERT INTO " + table + " (a, b) VALUES (99, 'marker')");
            Wait.until(Duration.ofSeconds(60), "the marker row after the change arrives",
                    () -> f.destinationLong("SELECT count(*) FROM " + table + " WHERE a = 99") == 1);
            assertEquals(1, f.destinationLong("SELECT count(*) FROM pg_subscription WHERE subname = '" + name
                    + "' AND subenabled"), "the subscription stopped instead");
            assertEquals(expected, f.destinationLong(changed), "the update arrived");
            assertEquals(expectedDeleted, f.destinationLong(deleted), "the delete arrived");
        } finally {
            unsubscribe(f, name);
        }
    }

    private static void subscribe(ShopFixture f, String table, String name) throws Exception {
        f.onOrigin("CREATE PUBLICATION " + name + " FOR TABLE " + table);
        f.onDestination("CREATE SUBSCRIPTION " + name + " CONNECTION '" + f.originConninfo().replace("'", "''")
                + "' PUBLICATION " + name + " WITH (disable_on_error = true)");
        Wait.until(Duration.ofSeconds(60), "the copy of " + table,
                () -> f.destinationLong("SELECT count(*) FROM pg_subscription_rel r JOIN pg_subscription s"
                        + " ON s.oid = r.srsubid WHERE s.subname = '" + name + "' AND r.srsubstate = 'r'") == 1);
    }

    private static void unsubscribe(ShopFixture f, String name) throws Exception {
        f.onDestination("ALTER SUBSCRIPTION " + name + " DISABLE");
        f.onDestination("DROP SUBSCRIPTION " + name);
        f.onOrigin("DROP PUBLICATION " + name);
        f.onDestination("TRUNCATE t_gains_id, t_json, t_extra");
    }

    static List<JsonNode> findings(JsonNode report, String check) {
        List<JsonNode> found = new ArrayList<>();
        report.get("findings").forEach(n -> {
            if (n.get("check").asText().equals(check)) {
                found.add(n);
            }
        });
        return found;
    }

    static JsonNode blocking(JsonNode report, String check, String subject) {
        JsonNode n = findings(report, check).stream().filter(x -> x.get("subject").asText().equals(subject))
                .findFirst().orElseThrow(() -> new AssertionError("no " + check + " finding for " + subject
                        + " in:\n" + report.toPrettyString()));
        assertEquals("blocking", n.get("severity").asText(), n.toString());
        return n;
    }
}
