package upshift.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.testing.Run;
import upshift.testing.Wait;

/** Origin and destination on one server: the same database is refused by every step, two databases work. */
class SameServerTest {

    /**
     * Every step that takes both sides, with what it needs beyond them to get past its own option parsing.
     * (create-publication, dump-schema and restore-schema take one side only.)
     */
    private static final List<List<String>> STEPS = List.of(
            List.of("Preflight"), List.of("CreateSubscription"),
            List.of("EnableSubscription"), List.of("Monitor"), List.of("Verify"), List.of("Switchover", "--yes"),
            List.of("Switchback", "--yes"), List.of("SetupRollback"), List.of("Cleanup", "--yes"), List.of("Status"),
            List.of("SyncSequences"), List.of("AddMissingColumns"), List.of("VacuumAnalyze"));

    @ParameterizedTest(name = "origin = destination: every step refuses, exit 2, and nothing is created [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void sameDatabaseIsRefusedByEveryStep(PgProvider provider) throws Exception {
        PgServer server = Providers.shared(provider, 16);
        String db = "same_server_one";
        server.createDatabase(db);
        try (Connection c = connect(server, db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE item (id int PRIMARY KEY, v text); INSERT INTO item VALUES (1, 'a')");
        }
        Map<String, String> env = Map.of("PGURL_ORIGIN", server.uri(db), "PGURL_DESTINATION", server.uri(db));
        for (List<String> step : STEPS) {
            String[] args = step.subList(1, step.size()).toArray(String[]::new);
            String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                    java.util.stream.Stream.of("--name", db)).toArray(String[]::new);
            Run run = Run.script(step.get(0), env, all);
            assertEquals(ExitCode.USAGE, run.exitCode(), step + ": " + run.stdout() + run.stderr());
            assertTrue(run.stderr().contains("are the same database " + db + " on the same server"),
                    step + ": " + run.stderr());
            assertTrue(!run.stderr().contains(server.password()), "password printed");
        }
        try (Connection c = connect(server, db)) {
            assertEquals(0, count(c, "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'same_server%'"));
            assertEquals(0, count(c, "SELECT count(*) FROM pg_publication"));
            assertEquals(0, count(c, "SELECT count(*) FROM pg_subscription WHERE subname LIKE 'same_server%'"));
        }
        // the same database reached another way (the server's address spelled differently) is still refused
        String other = server.uri(db).replace("@" + server.host() + ":", "@localhost:");
        if (!other.equals(server.uri(db))) {
            Run run = Run.script("Preflight", Map.of("PGURL_ORIGIN", server.uri(db), "PGURL_DESTINATION", other));
            assertEquals(ExitCode.USAGE, run.exitCode(), run.stderr());
        }
    }

    @ParameterizedTest(name = "two databases of one server, snapshot copy and native table sync: no hang [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void twoDatabasesOfOneServerReplicate(PgProvider provider) throws Exception {
        for (String copy : List.of("snapshot", "native")) {
            twoDatabasesOfOneServerReplicate(provider, copy);
        }
    }

    /**
     * A logical slot is made only once every transaction running on its server has ended, so upshift must never
     * hold one open on destination (the same server) while it makes the slot: native table sync makes the slot at
     * create-subscription before CREATE SUBSCRIPTION runs; the snapshot copy makes it at enable-subscription.
     */
    private void twoDatabasesOfOneServerReplicate(PgProvider provider, String copy) throws Exception {
        PgServer server = Providers.shared(provider, 16);
        String a = "same_server_" + copy + "_a";
        String b = "same_server_" + copy + "_b";
        server.createDatabase(a);
        server.createDatabase(b);
        try (Connection c = connect(server, a); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE item (id int PRIMARY KEY, v text);"
                    + " INSERT INTO item SELECT g, 'v' || g FROM generate_series(1, 20) g");
        }
        try (Connection c = connect(server, b); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE item (id int PRIMARY KEY, v text)");
        }
        Map<String, String> env = Map.of("PGURL_ORIGIN", server.uri(a), "PGURL_DESTINATION", server.uri(b));
        String slotExists = "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + a + "_slot'";
        try {
            ok(Run.script("CreatePublication", env, "--name", a));
            // the guards only keep a regression from hanging the build
            Run created = assertTimeoutPreemptively(Duration.ofMinutes(3), () -> Run.script("CreateSubscription",
                    env, "--name", a, "--origin-conninfo", server.peerConninfo(a), "--initial-copy", copy));
            ok(created);
            try (Connection c = connect(server, a)) {
                assertEquals(copy.equals("native") ? 1 : 0, count(c, slotExists + " AND NOT active"), copy);
            }
            ok(assertTimeoutPreemptively(Duration.ofMinutes(3), () -> Run.script("EnableSubscription", env,
                    "--name", a)));
            Wait.until(Duration.ofSeconds(60), "the copy into the second database", () -> {
                try (Connection c = connect(server, b)) {
                    return count(c, "SELECT count(*) FROM item") == 20;
                }
            });
            try (Connection c = connect(server, a)) {
                assertEquals(1, count(c, slotExists), copy);
            }
        } finally {
            try (Connection c = connect(server, b); Statement st = c.createStatement()) {
                // before enable-subscription, a snapshot-copy subscription names no slot: the DROP has none to drop
                st.execute("DROP SUBSCRIPTION IF EXISTS " + a + "_sub");
            }
        }
    }

    private static void ok(Run run) {
        assertEquals(ExitCode.OK, run.exitCode(), run.stdout() + run.stderr());
    }

    private static Connection connect(PgServer server, String db) throws java.sql.SQLException {
        return DriverManager.getConnection(server.jdbcUrl(db), server.superuser(), server.password());
    }

    private static long count(Connection c, String sql) throws java.sql.SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
