package upshift.sequences;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.connect.Cluster;
import upshift.connect.ConnectSettings;
import upshift.connect.Endpoint;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.report.Output;
import upshift.sql.StatementRunner;
import upshift.testing.Psql;
import upshift.testing.Run;

class SyncSequencesTest {

    /** The sequences both sides have (origin: serial int and identity; destination: bigserial and identity). */
    private static final List<String> SHARED = List.of("public.auth_user_id_seq", "public.shop_product_id_seq",
            "public.shop_order_id_seq", "public.shop_orderline_id_seq", "Billing.Invoice_Id_seq",
            "public.django_migrations_id_seq", "Billing.Odd Seq", "public.never_called", "public.restarted");

    /**
     * Beyond the shop: a mixed-case free-standing sequence used 42 times on origin, a sequence never called on either
     * side, one restarted on origin (not called, last_value 500: pg_sequence_last_value says NULL), optionally one
     * on origin only, and an AWS DMS artefact on origin (excluded by default).
     */
    private static ShopFixture shop(PgProvider provider, String database, boolean originOnly) throws SQLException {
        ShopFixture f = ShopFixture.create(provider, database, 50);
        String both = "CREATE SEQUENCE \"Billing\".\"Odd Seq\"; CREATE SEQUENCE public.never_called START 100;"
                + " CREATE SEQUENCE public.restarted;";
        f.onOrigin(both + " SELECT nextval('\"Billing\".\"Odd Seq\"') FROM generate_series(1, 42);"
                + " SELECT nextval('public.restarted') FROM generate_series(1, 7);"
                + " ALTER SEQUENCE public.restarted RESTART WITH 500;"
                + " CREATE SEQUENCE public.awsdms_ddl_audit_c_key_seq; SELECT nextval('public.awsdms_ddl_audit_c_key_seq');"
                + (originOnly ? " CREATE SEQUENCE public.origin_only; SELECT nextval('public.origin_only');" : ""));
        f.onDestination(both);
        return f;
    }

    @ParameterizedTest(name = "sets every destination sequence from origin, reports the rest, idempotent 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void syncsEverySequence(PgProvider provider) throws Exception {
        ShopFixture f = shop(provider, "seq_sync", true);
        Map<String, Long> originNext = nextValues(f, true);

        Run before = f.run("SyncSequences", "--check");
        assertEquals(ExitCode.CHECK_FAILED, before.exitCode(), before.stderr());
        assertTrue(before.stdout().contains("public.auth_user_id_seq"), before.stdout());

        Run run = f.run("SyncSequences", "--json");
        assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
        Map<String, JsonNode> items = items(run.stdout());
        assertEquals("set", items.get("public.auth_user_id_seq").get("action").asText());
        assertEquals(50, items.get("public.auth_user_id_seq").get("originLastValue").asLong());
        assertEquals(1, items.get("public.auth_user_id_seq").get("destinationBeforeLastValue").asLong());
        assertFalse(items.get("public.auth_user_id_seq").get("destinationBeforeIsCalled").asBoolean());
        assertEquals(50, items.get("public.auth_user_id_seq").get("destinationAfterLastValue").asLong());
        assertEquals("integer", items.get("public.auth_user_id_seq").get("originType").asText());
        assertEquals("bigint", items.get("public.auth_user_id_seq").get("destinationType").asText());
        assertEquals("set", items.get("Billing.Odd Seq").get("action").asText());
        assertEquals("set", items.get("Billing.Invoice_Id_seq").get("action").asText());
        assertEquals("set", items.get("public.restarted").get("action").asText());
        assertEquals("already-ahead", items.get("public.django_migrations_id_seq").get("action").asText(),
                "destination's django_migrations has more rows than origin's");
        assertEquals("already-ahead", items.get("public.never_called").get("action").asText());
        assertEquals("missing-on-destination", items.get("public.origin_only").get("action").asText());
        assertEquals("excluded", items.get("public.awsdms_ddl_audit_c_key_seq").get("action").asText());
        assertTrue(run.stderr().contains("warning: sequence public.origin_only exists on origin only"), run.stderr());
        JsonNode timing = new ObjectMapper().readTree(run.stdout()).get("timing");
        assertEquals(1, timing.get("originRoundTrips").asInt(), "one query however many sequences");
        assertEquals(1, timing.get("destinationRoundTrips").asInt());
        assertEquals(1, timing.get("writeStatements").asInt(), "one statement for every change");

        Map<String, Long> destinationNext = nextValues(f, false);
        for (String seq : SHARED) {
            assertTrue(destinationNext.get(seq) >= originNext.get(seq), seq + ": destination's next value "
                    + destinationNext.get(seq) + " is below origin's " + originNext.get(seq));
        }
        assertEquals(51, destinationNext.get("public.auth_user_id_seq"));
        assertEquals(43, destinationNext.get("Billing.Odd Seq"));
        assertEquals(100, destinationNext.get("public.never_called"), "never called: nextval still returns START");
        assertEquals(500, destinationNext.get("public.restarted"), "restarted on origin: nextval returns 500, not 501");
        assertEquals(6 + 1, destinationNext.get("public.django_migrations_id_seq"), "not moved backwards");
        assertEquals(0, f.destinationLong("SELECT count(*) FROM pg_class WHERE relname IN ('origin_only',"
                + " 'awsdms_ddl_audit_c_key_seq')"), "nothing created");

        Run again = f.run("SyncSequences");
        assertEquals(ExitCode.OK, again.exitCode(), again.stderr());
        assertTrue(again.stderr().contains("Nothing to set: 9 already at or ahead of origin, 1 excluded,"
                + " 1 missing on destination."), again.stderr());
        assertEquals(destinationNext, nextValues(f, false), "a re-run changes nothing");

        Run strict = f.run("SyncSequences", "--strict");
        assertEquals(ExitCode.CHECK_FAILED, strict.exitCode(), strict.stderr());
        Run check = f.run("SyncSequences", "--check", "--exclude", "origin_only", "--exclude", "awsdms_ddl_%");
        assertEquals(ExitCode.OK, check.exitCode(), check.stderr());
        assertTrue(check.stdout().startsWith("In sync"), check.stdout());
        Run checkMissing = f.run("SyncSequences", "--check");
        assertEquals(ExitCode.CHECK_FAILED, checkMissing.exitCode(), "origin_only is missing on destination");

        // what the sync is for: the application's next rows on destination do not collide with origin's
        try (Connection d = f.destination(); Statement st = d.createStatement()) {
            st.execute("INSERT INTO auth_user (username, email) VALUES ('after-switchover', 'a@example.com')");
            st.execute("INSERT INTO \"Billing\".\"Invoice\" (\"OrderId\", \"Amount\") VALUES (1, 1)");
        }
        assertEquals(51, f.destinationLong("SELECT max(id) FROM auth_user"));
        assertEquals(51, f.destinationLong("SELECT max(\"Id\") FROM \"Billing\".\"Invoice\""));
    }

    @ParameterizedTest(name = "--margin is added, and a later run without it moves nothing back 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void marginIsHonoured(PgProvider provider) throws Exception {
        ShopFixture f = shop(provider, "seq_margin", false);
        Run run = f.run("SyncSequences", "--margin", "1000", "--json");
        assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
        Map<String, Long> next = nextValues(f, false);
        assertEquals(50 + 1000 + 1, next.get("public.auth_user_id_seq"));
        assertEquals(42 + 1000 + 1, next.get("Billing.Odd Seq"));
        assertEquals(500 + 1000, next.get("public.restarted"), "not called: keeps is_called false");
        assertEquals(100 + 1000, next.get("public.never_called"), "the margin applies to an uncalled sequence too");
        assertEquals(3 + 1000 + 1, next.get("public.django_migrations_id_seq"));

        Run without = f.run("SyncSequences");
        assertEquals(ExitCode.OK, without.exitCode(), without.stderr());
        assertTrue(without.stderr().contains("Nothing to set: 9 already at or ahead of origin"), without.stderr());
        assertEquals(next, nextValues(f, false), "never moved backwards");
    }

    @ParameterizedTest(name = "--dry-run --style setval and alter print scripts psql runs with the same effect 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void dryRunScriptsRunInPsql(PgProvider provider) throws Exception {
        for (String style : List.of("setval", "alter")) {
            ShopFixture f = shop(provider, "seq_dry_" + style, false);
            Map<String, Long> destinationBefore = nextValues(f, false);

            Run dry = f.run("SyncSequences", "--dry-run", "--style", style, "--margin", "10");
            assertEquals(ExitCode.OK, dry.exitCode(), dry.stderr());
            assertTrue(dry.stdout().startsWith("-- on destination: "), dry.stdout());
            if (style.equals("setval")) {
                assertTrue(dry.stdout().contains("SELECT pg_catalog.setval('\"public\".\"auth_user_id_seq\"', 60, true);"),
                        dry.stdout());
                assertTrue(dry.stdout().contains("SELECT pg_catalog.setval('\"Billing\".\"Odd Seq\"', 52, true);"),
                        dry.stdout());
                assertTrue(dry.stdout().contains("SELECT pg_catalog.setval('\"public\".\"restarted\"', 510, false);"),
                        dry.stdout());
            } else {
                assertTrue(dry.stdout().contains("ALTER SEQUENCE \"public\".\"auth_user_id_seq\" RESTART WITH 61;"),
                        dry.stdout());
                assertTrue(dry.stdout().contains("ALTER SEQUENCE \"public\".\"restarted\" RESTART WITH 510;"),
                        dry.stdout());
            }
            assertFalse(dry.stdout().contains("awsdms"), dry.stdout());
            assertTrue(dry.stderr().contains("Would set 9 sequence(s); 0 already at or ahead of origin + 10, 1 excluded."),
                    dry.stderr());
            assertEquals(destinationBefore, nextValues(f, false), "--dry-run changed nothing");

            Run psql = Psql.run(f.destinationServer(), f.database(), dry.stdout(), Map.of());
            assertEquals(0, psql.exitCode(), psql.stdout());
            Map<String, Long> after = nextValues(f, false);
            assertEquals(50 + 10 + 1, after.get("public.auth_user_id_seq"), style);
            assertEquals(42 + 10 + 1, after.get("Billing.Odd Seq"), style);
            assertEquals(510, after.get("public.restarted"), style);
            assertEquals(110, after.get("public.never_called"), style);
            Run check = f.run("SyncSequences", "--check", "--margin", "10");
            assertEquals(ExitCode.OK, check.exitCode(), style + ": " + check.stdout() + check.stderr());
        }
    }

    @ParameterizedTest(name = "exclusions, a narrowed sequence, a renamed one and a descending one 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void exclusionsAndErrors(PgProvider provider) throws Exception {
        ShopFixture f = shop(provider, "seq_edges", true);
        f.onOrigin("CREATE SEQUENCE public.narrowed AS bigint; SELECT setval('public.narrowed', 40000);"
                + " CREATE SEQUENCE public.countdown INCREMENT -1 START -1; SELECT nextval('public.countdown')"
                + " FROM generate_series(1, 5)");
        f.onDestination("CREATE SEQUENCE public.narrowed AS smallint;"
                + " CREATE SEQUENCE public.countdown INCREMENT -1 START -1;"
                + " ALTER SEQUENCE public.shop_product_id_seq RENAME TO shop_product_id_seq1");

        Run run = f.run("SyncSequences", "--json", "--exclude", "Billing.%", "--exclude", "origin_only");
        assertEquals(ExitCode.FAILED, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("error: 1 sequence(s) could not be synced: public.narrowed (out-of-range)"),
                run.stderr());
        Map<String, JsonNode> items = items(run.stdout());
        assertEquals("excluded", items.get("Billing.Odd Seq").get("action").asText());
        assertEquals("excluded", items.get("Billing.Invoice_Id_seq").get("action").asText());
        assertEquals("excluded", items.get("public.origin_only").get("action").asText());
        assertEquals("missing-on-destination", items.get("public.awsdms_ddl_audit_c_key_seq").get("action").asText(),
                "giving --exclude replaces the default");
        assertEquals("out-of-range", items.get("public.narrowed").get("action").asText());
        assertTrue(items.get("public.narrowed").get("problem").asText().contains("32767"), run.stdout());
        assertEquals("set", items.get("public.shop_product_id_seq").get("action").asText(), "matched by column");
        assertEquals("{\"schema\":\"public\",\"name\":\"shop_product_id_seq1\"}",
                items.get("public.shop_product_id_seq").get("destinationSequence").toString());
        assertEquals("set", items.get("public.countdown").get("action").asText());

        Map<String, Long> next = nextValues(f, false);
        assertEquals(11, f.destinationLong("SELECT nextval('public.shop_product_id_seq1')"));
        assertEquals(-6, f.destinationLong("SELECT nextval('public.countdown')"));
        assertEquals(51, next.get("public.auth_user_id_seq"), "the others are set despite the error");
        assertEquals(1, next.get("Billing.Odd Seq"), "excluded: untouched");

        Run check = f.run("SyncSequences", "--check", "--exclude", "Billing.%", "--exclude", "origin_only",
                "--exclude", "awsdms%");
        assertEquals(ExitCode.CHECK_FAILED, check.exitCode(), check.stdout());
        assertTrue(check.stderr().contains("warning: sequence public.narrowed: out-of-range"), check.stderr());
    }

    @ParameterizedTest(name = "the library call switchover uses: plan, then apply in one round trip 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void libraryApi(PgProvider provider) throws Exception {
        ShopFixture f = shop(provider, "seq_api", true);
        try (Connection o = f.origin(); Connection d = f.destination()) {
            try (Statement st = o.createStatement()) {
                st.execute("SET default_transaction_read_only = on"); // as switchover's freeze leaves origin
            }
            SequencePlan plan = SequenceSync.plan(o, d, null, 0);
            assertEquals(List.of("public.origin_only"), plan.missingOnDestination().stream().map(Object::toString).toList());
            assertEquals(7, plan.behind().size());
            assertTrue(plan.errors().isEmpty());
            assertFalse(plan.inSync());
            assertNull(plan.entries().stream().filter(e -> e.name().name().equals("never_called")).findFirst()
                    .orElseThrow().target());

            try (Cluster destination = new Cluster("destination", Endpoint.resolve(f.destinationUrl()),
                    ConnectSettings.defaults("upshift test"))) {
                ByteArrayOutputStream log = new ByteArrayOutputStream();
                PrintStream stream = new PrintStream(log, true, StandardCharsets.UTF_8);
                SequencePlan.Applied applied = plan.apply(new StatementRunner(new Output(stream, stream, false, true),
                        false), destination);
                assertEquals(7, applied.sequencesSet());
                assertEquals(1, applied.statements());
                assertTrue(log.toString(StandardCharsets.UTF_8).contains("-- 7 change(s)"), log.toString());
            }
            SequencePlan after = SequenceSync.plan(o, d, List.of("origin_only", "awsdms%"), 0);
            assertTrue(after.inSync(), after.entries().toString());
        }

        // a role that may not read some sequences: those are errors, the rest is planned
        f.onOrigin("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'seq_api_reader') THEN"
                + " CREATE ROLE seq_api_reader LOGIN PASSWORD 'reader-pw'; END IF; END $$;"
                + " GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO seq_api_reader;"
                + " GRANT SELECT ON ALL SEQUENCES IN SCHEMA \"Billing\" TO seq_api_reader;"
                + " REVOKE SELECT ON public.shop_order_id_seq FROM seq_api_reader");
        try (Connection o = DriverManager.getConnection(f.originServer().jdbcUrl(f.database()), "seq_api_reader",
                "reader-pw"); Connection d = f.destination()) {
            SequencePlan plan = SequenceSync.plan(o, d, null, 0);
            Map<String, SequenceAction> actions = new HashMap<>();
            plan.entries().forEach(e -> actions.put(e.name().toString(), e.action()));
            assertEquals(SequenceAction.NO_PRIVILEGE, actions.get("public.shop_order_id_seq"));
            assertEquals(SequenceAction.NO_PRIVILEGE, actions.get("Billing.Odd Seq"), "no USAGE on schema Billing");
            assertEquals(SequenceAction.ALREADY_AHEAD, actions.get("public.auth_user_id_seq"));
            assertEquals(2 + 1, plan.errors().size(), plan.errors().toString()); // + Billing.Invoice_Id_seq
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static Map<String, JsonNode> items(String json) throws Exception {
        Map<String, JsonNode> items = new HashMap<>();
        new ObjectMapper().readTree(json).get("sequences").forEach(i -> items.put(
                i.at("/sequence/schema").asText() + "." + i.at("/sequence/name").asText(), i));
        return items;
    }

    /** What the next nextval returns for each sequence of that side (read from the relation; nothing consumed). */
    private static Map<String, Long> nextValues(ShopFixture f, boolean origin) throws SQLException {
        Map<String, Long> next = new HashMap<>();
        try (Connection c = origin ? f.origin() : f.destination(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT schemaname || '.' || sequencename, increment_by,"
                     + " quote_ident(schemaname) || '.' || quote_ident(sequencename) FROM pg_sequences")) {
            List<String[]> seqs = new java.util.ArrayList<>();
            while (rs.next()) {
                seqs.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
            }
            for (String[] s : seqs) {
                try (Statement q = c.createStatement();
                     ResultSet v = q.executeQuery("SELECT last_value, is_called FROM " + s[2])) {
                    v.next();
                    next.put(s[0], v.getBoolean(2) ? v.getLong(1) + Long.parseLong(s[1]) : v.getLong(1));
                }
            }
        }
        return next;
    }
}
