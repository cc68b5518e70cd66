package upshift.preflight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static upshift.preflight.IdentityChecksTest.blocking;
import static upshift.preflight.IdentityChecksTest.findings;

import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.testing.Run;
import upshift.testing.Wait;

/** Constraints only the new model has, checked against origin's data, on real 13 -> 16 servers. */
class ConstraintChecksTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String ORIGIN = """
            CREATE TABLE tag (id int PRIMARY KEY, name text, score int, note text, kind text);
            INSERT INTO tag VALUES (1, 'red', 5, 'a', 'x'), (2, 'red', -1, NULL, 'x'), (3, 'blue', 20, 'n', 'x'),
                                   (4, 'green', 30, 'n', 'x'), (5, NULL, 1, 'b', 'x'), (6, NULL, 2, 'c', 'x');
            CREATE TABLE tagging (id int PRIMARY KEY, tag_id int, label text);
            INSERT INTO tagging VALUES (1, 1, 'ok'), (2, 99, 'orphan'), (3, 98, 'orphan'), (4, NULL, 'none');
            """;

    private static final String DESTINATION = """
            CREATE TABLE tag (id bigint PRIMARY KEY, name text CONSTRAINT tag_name_key UNIQUE,
                              score int CONSTRAINT tag_score_check CHECK (score >= 0), note text NOT NULL,
                              kind text, flavour text DEFAULT 'plain',
                              CONSTRAINT tag_flavour_check CHECK (flavour <> 'sour'));
            CREATE UNIQUE INDEX tag_note_big ON tag (note) WHERE score > 10;
            CREATE TABLE tagging (id bigint PRIMARY KEY,
                                  tag_id bigint CONSTRAINT tagging_tag_fk REFERENCES tag (id), label text);
            """;

    @ParameterizedTest(name = "destination-only FK, CHECK, UNIQUE, NOT NULL each blocks with a count 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void destinationOnlyConstraintsBlock(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "preflight_constraints", 10);
        f.onOrigin(ORIGIN);
        f.onDestination(DESTINATION);

        Run run = preflight(f);
        assertEquals(ExitCode.CHECK_FAILED, run.exitCode(), run.stderr());
        JsonNode report = JSON.readTree(run.stdout());

        JsonNode fk = blocking(report, "foreign-key", "public.tagging.tagging_tag_fk");
        assertEquals("origin", fk.get("side").asText());
        String problem = fk.get("problem").asText();
        assertTrue(problem.startsWith("2 row(s) of public.tagging"), fk.toString());
        assertTrue(problem.contains("e.g. (id)=(2)"), fk.toString());
        assertTrue(problem.contains("VALID yet violated"), fk.toString());
        assertTrue(fk.get("fix").asText().contains("NOT VALID") && fk.get("fix").asText()
                .contains("VALIDATE CONSTRAINT \"tagging_tag_fk\""), fk.toString());

        JsonNode check = blocking(report, "check-constraint", "public.tag.tag_score_check");
        assertTrue(check.get("problem").asText().startsWith("1 row(s) on origin"), check.toString());
        assertTrue(check.get("problem").asText().contains("(id)=(2)"), check.toString());
        // a CHECK on a column origin lacks cannot be evaluated there: said so, with the query to run by hand
        JsonNode flavour = findings(report, "check-constraint").stream()
                .filter(n -> n.get("subject").asText().equals("public.tag.tag_flavour_check")).findFirst()
                .orElseThrow(() -> new AssertionError(run.stdout()));
        assertEquals("warning", flavour.get("severity").asText(), flavour.toString());
        assertTrue(flavour.get("problem").asText().contains("cannot be evaluated on origin"), flavour.toString());
        assertTrue(flavour.get("fix").asText().contains("flavour"), flavour.toString());

        JsonNode unique = blocking(report, "unique", "public.tag.tag_name_key");
        assertTrue(unique.get("problem").asText().startsWith("1 value(s) of (name)"), unique.toString());
        assertTrue(unique.get("problem").asText().contains("(red)"), unique.toString());
        // the partial unique index counts only rows its predicate selects: notes 'n' with score > 10
        JsonNode partial = blocking(report, "unique", "public.tag.tag_note_big");
        assertTrue(partial.get("problem").asText().contains("(n)"), partial.toString());

        JsonNode notNull = blocking(report, "not-null", "public.tag.note");
        assertTrue(notNull.get("problem").asText().startsWith("1 row(s) on origin have NULL"), notNull.toString());
        // the primary key on a column origin has, enforced there already, is no finding
        assertTrue(findings(report, "unique").stream().noneMatch(n -> n.get("subject").asText()
                .equals("public.tag.tag_pkey")), run.stdout());

        // --skip-data-checks: each becomes a "not checked" warning with the query
        JsonNode skipped = JSON.readTree(preflight(f, "--skip-data-checks").stdout());
        for (String[] c : new String[][] {{"foreign-key", "public.tagging.tagging_tag_fk"},
            {"check-constraint", "public.tag.tag_score_check"}, {"unique", "public.tag.tag_name_key"},
            {"not-null", "public.tag.note"}}) {
            JsonNode n = findings(skipped, c[0]).stream().filter(x -> x.get("subject").asText().equals(c[1]))
                    .findFirst().orElseThrow(() -> new AssertionError(c[1] + " in " + skipped.toPrettyString()));
            assertEquals("warning", n.get("severity").asText(), n.toString());
            assertTrue(n.get("problem").asText().startsWith("not checked (--skip-data-checks)"), n.toString());
            assertTrue(n.get("fix").asText().startsWith("run on origin: SELECT count(*)"), n.toString());
        }

        // the data fixed on origin: none of them is left
        f.onOrigin("DELETE FROM tagging WHERE tag_id > 10; UPDATE tag SET score = 0 WHERE score < 0;"
                + " UPDATE tag SET note = 'filled' WHERE note IS NULL; UPDATE tag SET name = 'red2', note = 'n2'"
                + " WHERE id = 2; UPDATE tag SET note = 'n3' WHERE id = 4");
        JsonNode fixed = JSON.readTree(preflight(f).stdout());
        for (String c : new String[] {"foreign-key", "unique", "not-null"}) {
            assertTrue(findings(fixed, c).stream().noneMatch(n -> n.get("severity").asText().equals("blocking")),
                    c + ": " + fixed.toPrettyString());
        }
        assertTrue(findings(fixed, "check-constraint").stream().noneMatch(n -> n.get("severity").asText()
                .equals("blocking")), fixed.toPrettyString());
    }

    @ParameterizedTest(name = "an FK only destination has: origin's orphans arrive and the FK stays VALID 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void foreignKeyEndsValidYetViolated(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "preflight_orphans", 10);
        f.onOrigin("CREATE TABLE parent (id int PRIMARY KEY); INSERT INTO parent VALUES (1);"
                + " CREATE TABLE child (id int PRIMARY KEY, parent_id int); INSERT INTO child VALUES (1, 1), (2, 7)");
        f.onDestination("CREATE TABLE parent (id int PRIMARY KEY); CREATE TABLE child (id int PRIMARY KEY,"
                + " parent_id int CONSTRAINT child_parent_fk REFERENCES parent (id))");
        JsonNode report = JSON.readTree(preflight(f).stdout());
        assertTrue(blocking(report, "foreign-key", "public.child.child_parent_fk").get("problem").asText()
                .startsWith("1 row(s) of public.child"), report.toPrettyString());

        String name = f.database();
        f.onOrigin("CREATE PUBLICATION " + name + " FOR TABLE parent, child");
        f.onDestination("CREATE SUBSCRIPTION " + name + " CONNECTION '" + f.originConninfo().replace("'", "''")
                + "' PUBLICATION " + name);
        try {
            Wait.until(Duration.ofSeconds(60), "the copy", () -> f.destinationLong("SELECT count(*) FROM"
                    + " pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid WHERE s.subname = '" + name
                    + "' AND r.srsubstate = 'r'") == 2);
            f.onOrigin("INSERT INTO child VALUES (3, 8)"); // and a live one, through the apply worker
            Wait.until(Duration.ofSeconds(60), "the live orphan arrives",
                    () -> f.destinationLong("SELECT count(*) FROM child WHERE id = 3") == 1);
            assertEquals(2, f.destinationLong("SELECT count(*) FROM child c WHERE NOT EXISTS"
                    + " (SELECT 1 FROM parent p WHERE p.id = c.parent_id)"));
            assertEquals(1, f.destinationLong("SELECT count(*) FROM pg_constraint WHERE conname = 'child_parent_fk'"
                    + " AND convalidated"), "the foreign key is VALID on destination");
        } finally {
            f.onDestination("DROP SUBSCRIPTION " + name);
            f.onOrigin("DROP PUBLICATION " + name);
        }
    }

    private static Run preflight(ShopFixture f, String... args) {
        String[] all = new String[args.length + 3];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--json";
        all[args.length + 1] = "--destination-conninfo";
        all[args.length + 2] = f.destinationConninfo();
        return f.run("Preflight", all);
    }
}
