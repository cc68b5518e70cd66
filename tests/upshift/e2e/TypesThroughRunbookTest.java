package upshift.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.migration.MigrationNames;
import upshift.sql.Sql;
import upshift.testing.Run;
import upshift.testing.Wait;

/**
 * The types PostgreSQL's own logical-replication test carries ({@code src/test/subscription/t/002_types.pl}:
 * arrays of many element types, composites nested and in arrays, enums and enum arrays, ranges and arrays of
 * ranges, domains, hstore), plus multi-dimensional arrays, arrays with other lower bounds, empty arrays, NULL
 * elements and domains over arrays and composites, through the whole runbook in-process: the fixture in
 * {@code tests/resources/types} on origin; dump-schema and restore-schema; preflight (READY); create-publication,
 * create- and enable-subscription; monitor until ready; the second batch of UPDATEs, DELETEs and INSERTs on origin
 * while streaming; verify --checksum equal on every table; a negative control (values changed on destination
 * directly must make verify name exactly those tables); switchover with its defaults; writes on destination carried
 * back to origin by rollback replication and verified again; cleanup.
 *
 * <p>Each comparison verify makes is also made independently: every row's text (in one fixed set of output
 * settings) sorted and compared between the sides, so that a verify that says "equal" for different data fails here.
 */
class TypesThroughRunbookTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path FIXTURE = Run.checkout().resolve("tests/resources/types");

    /** Every table of the fixture, in schema.sql's order. */
    static final List<String> TABLES = List.of("int_lists", "mixed_arrays", "shaped_arrays", "one_weather",
            "weathers", "one_reading", "readings", "one_forecast", "forecasts", "one_outlook", "outlooks",
            "station_logs", "int_spans", "time_spans", "key_values", "guarded", "journal", "big_arrays");

    /** The tables the negative control changes on destination. */
    static final List<String> TAMPERED = List.of("public.int_lists", "public.one_reading", "public.shaped_arrays");

    /** Each database's own defaults for how values are written out: different on the two sides. */
    static final Map<String, String> ORIGIN_SETTINGS = Map.of("TimeZone", "Asia/Kolkata", "DateStyle", "SQL, DMY",
            "IntervalStyle", "sql_standard", "extra_float_digits", "0", "bytea_output", "escape");
    static final Map<String, String> DESTINATION_SETTINGS = Map.of("TimeZone", "America/St_Johns", "DateStyle",
            "German", "IntervalStyle", "iso_8601", "extra_float_digits", "-3", "bytea_output", "hex");

    private static final List<String> SWITCHOVER_PHASES = List.of("check", "pre-verify", "freeze", "drain", "sequences", "verify",
            "prepare-rollback", "drop-forward", "rollback");

    /** 13 -> 16 and 15 -> 17 on every selected provider. */
    static Stream<Arguments> pairs() {
        List<Arguments> cases = new ArrayList<>();
        for (PgProvider provider : Providers.selected()) {
            cases.add(Arguments.of(provider, 13, 16));
            cases.add(Arguments.of(provider, 15, 17));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "the types of PostgreSQL 002_types.pl through the runbook {1} -> {2} [{0}]")
    @MethodSource("pairs")
    void typesThroughRunbook(PgProvider provider, int from, int to) throws Exception {
        Case c = new Case(Providers.shared(provider, from), Providers.shared(provider, to), "types_" + from + "_" + to);
        requireHstore(c);
        c.origin.createDatabase(c.database);
        c.destination.createDatabase(c.database);
        // the two databases render values differently by default, as an old and a new cluster set up years apart
        // may: replication and verify must not depend on sessions' defaults
        c.runSql(c.origin, alterDatabase(c.database, ORIGIN_SETTINGS));
        c.runSql(c.destination, alterDatabase(c.database, DESTINATION_SETTINGS));
        c.runFile(c.origin, "schema.sql");
        c.runFile(c.origin, "data.sql");
        assertEquals(TABLES.size(), c.count(c.origin, "SELECT count(*) FROM pg_catalog.pg_tables"
                + " WHERE schemaname = 'public'"), "the fixture's tables on origin");

        Path dir = Files.createTempDirectory("upshift-types-schema");
        try {
            // --- the new model: origin's own schema, dumped and restored as an operator does it ---------------------
            Run dump = c.ok("DumpSchema", "--reference", c.origin.uri(c.database), "--dir", dir.toString(),
                    "--django-migrations-table", "none", "--json");
            assertEquals(TABLES.size(), JSON.readTree(dump.stdout()).at("/manifest/tableCount").asInt(),
                    dump.stdout());
            Run restore = c.ok("RestoreSchema", "--dir", dir.toString(), "--json");
            assertEquals(TABLES.size(), JSON.readTree(restore.stdout()).get("tableCount").asInt(), restore.stdout());
        } finally {
            deleteTree(dir);
        }

        // --- preflight: READY -------------------------------------------------------------------------------------
        // the way back is probed from origin's server: it reaches destination by its peer address (containers)
        assertReady(c.run("Preflight", "--json", "--destination-conninfo", c.destination.peerConninfo(c.database)));

        // --- replication ------------------------------------------------------------------------------------------
        c.ok("CreatePublication");
        c.ok("CreateSubscription", "--origin-conninfo", c.origin.peerConninfo(c.database));
        c.ok("EnableSubscription");
        JsonNode ready = JSON.readTree(c.ok("Monitor", "--until", "ready", "--timeout", "5m", "--interval", "1s",
                "--json").stdout());
        assertEquals(TABLES.size(), ready.get("tables").size(), ready.toPrettyString());
        ready.get("tables").forEach(t -> assertEquals("r", t.get("state").asText(), ready.toPrettyString()));
        c.waitForForward();
        assertSameRows(c, "after the initial copy");
        assertVerifyEqual(c, "after the initial copy");

        // --- the second batch, streamed -----------------------------------------------------------------------------
        Map<String, String> beforeChanges = c.rows(c.origin);
        c.runFile(c.origin, "changes.sql");
        assertEquals(TABLES.size(), differingTables(beforeChanges, c.rows(c.origin)).size(),
                "the second batch changes every table on origin");
        c.ok("Monitor", "--until", "caught-up", "--timeout", "5m", "--interval", "1s", "--json");
        c.waitForForward();
        assertEquals(2, c.count(c.destination, "SELECT count(*) FROM public.journal"),
                "the domain CHECK that reads its table ran in the apply worker and let the second entry in");
        assertSameRows(c, "after the streamed UPDATEs, DELETEs and INSERTs");
        assertVerifyEqual(c, "after the streamed UPDATEs, DELETEs and INSERTs");

        // --- negative control: values changed on destination only ----------------------------------------------------
        negativeControl(c);

        // --- switchover with its defaults, then the way back carries destination's writes -----------------------------
        Run switchover = c.run("Switchover", "--yes", "--destination-conninfo",
                c.destination.peerConninfo(c.database), "--json");
        assertEquals(ExitCode.OK, switchover.exitCode(), "switchover\nstdout:\n" + switchover.stdout()
                + "\nstderr:\n" + switchover.stderr());
        JsonNode switched = JSON.readTree(switchover.stdout());
        switched.get("phases").forEach(p -> System.out.println("[types] " + c.database + " switchover "
                + p.get("phase").asText() + ": " + p.path("detail").asText()));
        assertSwitchedOver(switched);

        c.runSql(c.destination, "UPDATE public.int_lists SET vals[1] = -7 WHERE id = 1;"
                + " UPDATE public.one_reading SET r.unit = 'after switchover' WHERE id = 1;"
                + " UPDATE public.station_logs SET logs = '{}' WHERE (log).sky = 'snow';"
                + " UPDATE public.key_values SET attrs = attrs || '\"back\"=>\"home\"'::public.hstore WHERE id = 2;"
                + " UPDATE public.shaped_arrays SET shifted = '[3:4]={3, 4}' WHERE id = 3;"
                + " DELETE FROM public.time_spans WHERE id = 2;"
                + " INSERT INTO public.outlooks (o, os) VALUES (ROW(0.125, '{snow}', 1), '{}');"
                + " INSERT INTO public.journal (entry, memo) VALUES (12, 'written on destination');");
        c.waitForRollback();
        assertEquals(3, c.count(c.origin, "SELECT count(*) FROM public.journal"),
                "destination's journal entry reached origin through rollback replication");
        assertSameRows(c, "after destination's writes came back to origin");
        assertVerifyEqual(c, "after destination's writes came back to origin");

        c.ok("Cleanup", "--rollback", "--yes");
        c.ok("Cleanup", "--yes");
        for (PgServer server : List.of(c.origin, c.destination)) {
            assertEquals(0, c.count(server, "SELECT count(*) FROM pg_catalog.pg_replication_slots WHERE slot_name"
                    + " LIKE " + Sql.literal(c.database + "\\_%")), "slots left on " + server.major());
        }
    }

    /**
     * Changes one array element, one composite field and one array's lower bound on destination only: verify must
     * name exactly those tables (exit 3), as must the independent comparison. Then puts the values back.
     */
    private static void negativeControl(Case c) throws Exception {
        String shifted = c.text(c.destination, "SELECT shifted::text FROM public.shaped_arrays WHERE id = 1");
        assertEquals("[0:2]={7,80,9}", shifted, "the fixture's shifted array on destination");
        c.runSql(c.destination, "UPDATE public.int_lists SET vals[2] = vals[2] + 1 WHERE id = 2;"
                + " UPDATE public.one_reading SET r.unit = 'mm' WHERE id = 1;"
                + " UPDATE public.shaped_arrays SET shifted = '{7, 80, 9}' WHERE id = 1;");
        assertEquals(TAMPERED, differingTables(c.rows(c.origin), c.rows(c.destination)),
                "the independent comparison sees the changed values");

        Run verify = c.run("Verify", "--checksum", "--json");
        JsonNode report = JSON.readTree(verify.stdout());
        String doc = "verify after changing one array element (int_lists.vals[2]), one composite field"
                + " (one_reading.r.unit) and one array's lower bound (shaped_arrays.shifted) on destination:\n"
                + report.toPrettyString();
        assertEquals(ExitCode.CHECK_FAILED, verify.exitCode(), doc + "\nstderr:\n" + verify.stderr());
        assertFalse(report.get("equal").asBoolean(), doc);
        List<String> differing = new ArrayList<>();
        report.get("differing").forEach(n -> differing.add(n.get("schema").asText() + "." + n.get("name").asText()));
        assertEquals(TAMPERED, differing.stream().sorted().toList(), doc);
        for (JsonNode t : report.get("tables")) {
            if (TAMPERED.contains(tableName(t))) {
                assertEquals("checksum-differs", t.get("status").asText(), doc);
            }
        }

        c.runSql(c.destination, "UPDATE public.int_lists SET vals[2] = vals[2] - 1 WHERE id = 2;"
                + " UPDATE public.one_reading SET r.unit = 'MM' WHERE id = 1;"
                + " UPDATE public.shaped_arrays SET shifted = " + Sql.literal(shifted) + " WHERE id = 1;");
        assertSameRows(c, "after the negative control put the values back");
        assertVerifyEqual(c, "after the negative control put the values back");
    }

    // ---- assertions ---------------------------------------------------------------------------------------------

    /** No BLOCKING finding other than capacity taken by other tests' replication objects on the shared servers. */
    private static void assertReady(Run run) throws IOException {
        JsonNode report = JSON.readTree(run.stdout());
        boolean sharedCapacity = false;
        List<String> blocking = new ArrayList<>();
        for (JsonNode n : report.get("findings")) {
            if (!n.get("severity").asText().equals("BLOCKING")) {
                continue;
            }
            String problem = n.get("problem").asText();
            if (n.get("check").asText().equals("capacity")
                    && (problem.contains(" in use leaves ") || problem.contains("other enabled subscription"))) {
                sharedCapacity = true;
            } else {
                blocking.add(n.toString());
            }
        }
        if (!blocking.isEmpty()) {
            fail("preflight blocks types that logical replication carries:\n  " + String.join("\n  ", blocking)
                    + "\nfull report:\n" + report.toPrettyString());
        }
        assertEquals(sharedCapacity ? ExitCode.CHECK_FAILED : ExitCode.OK, run.exitCode(), run.stderr());
    }

    private static void assertVerifyEqual(Case c, String when) throws IOException {
        Run verify = c.run("Verify", "--checksum", "--json");
        JsonNode report = JSON.readTree(verify.stdout());
        String doc = "verify --checksum " + when + ":\n" + report.toPrettyString() + "\nstderr:\n" + verify.stderr();
        assertEquals(ExitCode.OK, verify.exitCode(), doc);
        System.out.println("[types] " + c.database + " verify " + when + ": " + report.get("summary").asText());
        assertTrue(report.get("checksum").asBoolean(), doc);
        assertTrue(report.get("equal").asBoolean(), doc);
        assertEquals(TABLES.size(), report.get("tables").size(), doc);
        for (JsonNode t : report.get("tables")) {
            assertEquals("equal", t.get("status").asText(), doc);
            assertTrue(t.get("checksumMatch").asBoolean(), doc);
            assertEquals(0, t.get("originOnlyColumns").size(), doc);
            assertEquals(0, t.get("destinationOnlyColumns").size(), doc);
            assertTrue(t.get("compared").size() > 0, doc);
        }
    }

    private static void assertSwitchedOver(JsonNode report) {
        String doc = report.toPrettyString();
        assertEquals("switched over", report.get("outcome").asText(), doc);
        assertTrue(report.get("destinationReady").asBoolean(), doc);
        assertTrue(report.get("reverseStreaming").asBoolean(), doc);
        List<String> names = new ArrayList<>();
        report.get("phases").forEach(p -> {
            names.add(p.get("phase").asText());
            assertEquals("done", p.get("status").asText(), doc);
        });
        assertEquals(SWITCHOVER_PHASES, names, doc);
    }

    /** Every table's rows, as text, are the same on both sides. */
    private static void assertSameRows(Case c, String when) throws SQLException {
        Map<String, String> origin = c.rows(c.origin);
        Map<String, String> destination = c.rows(c.destination);
        List<String> differing = differingTables(origin, destination);
        if (!differing.isEmpty()) {
            StringBuilder sb = new StringBuilder("rows differ " + when + " in " + differing + ":");
            for (String table : differing) {
                sb.append("\n").append(table).append(" on origin:\n").append(origin.get(table))
                        .append("\n").append(table).append(" on destination:\n").append(destination.get(table));
            }
            fail(sb.toString());
        }
    }

    private static String alterDatabase(String database, Map<String, String> settings) {
        StringBuilder sb = new StringBuilder();
        settings.forEach((name, value) -> sb.append("ALTER DATABASE ").append(Sql.ident(database)).append(" SET ")
                .append(Sql.ident(name)).append(" = ").append(Sql.literal(value)).append(";"));
        return sb.toString();
    }

    private static List<String> differingTables(Map<String, String> a, Map<String, String> b) {
        TreeSet<String> tables = new TreeSet<>(a.keySet());
        tables.addAll(b.keySet());
        return tables.stream().filter(t -> !String.valueOf(a.get(t)).equals(String.valueOf(b.get(t)))).toList();
    }

    private static String tableName(JsonNode t) {
        JsonNode table = t.get("table");
        if (table.isTextual()) {
            return table.asText();
        }
        return table.path("schema").asText() + "." + table.path("name").asText();
    }

    /**
     * hstore is a contrib extension: both servers must offer it. Missing, it is a failure under CI (CI's servers
     * come with contrib) and a loud abort elsewhere, never a silent pass.
     */
    private static void requireHstore(Case c) throws SQLException {
        List<String> missing = new ArrayList<>();
        for (PgServer server : List.of(c.origin, c.destination)) {
            try (Connection conn = DriverManager.getConnection(server.jdbcUrl("postgres"), server.superuser(),
                    server.password()); Statement st = conn.createStatement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_catalog.pg_available_extensions"
                            + " WHERE name = 'hstore'")) {
                rs.next();
                if (rs.getLong(1) == 0) {
                    missing.add(server.provider() + " PostgreSQL " + server.major());
                }
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        String message = "the replicated-types test needs the hstore extension (contrib), which "
                + String.join(" and ", missing) + " lack(s)";
        if (System.getenv("CI") != null) {
            throw new AssertionError(message + "; CI is set, so this is a failure, not a skip");
        }
        System.err.println("[upshift types] SKIPPED: " + message);
        Assumptions.abort(message);
    }

    // ---- one case: two servers, one database name, the migration named after it --------------------------------

    private static final class Case {
        final PgServer origin;
        final PgServer destination;
        final String database;

        Case(PgServer origin, PgServer destination, String database) {
            this.origin = origin;
            this.destination = destination;
            this.database = database;
        }

        MigrationNames names() {
            return new MigrationNames(database);
        }

        /** Runs a script in-process with PGURL_ORIGIN/PGURL_DESTINATION and --name set, as an operator would. */
        Run run(String script, String... args) {
            List<String> all = new ArrayList<>(List.of(args));
            all.addAll(List.of("--name", database));
            Map<String, String> env = Map.of("PGURL_ORIGIN", origin.uri(database),
                    "PGURL_DESTINATION", destination.uri(database));
            Run run = Run.script(script, env, all.toArray(String[]::new));
            for (String secret : List.of(origin.password(), destination.password())) {
                assertFalse(run.stdout().contains(secret) || run.stderr().contains(secret),
                        "password printed by " + script);
            }
            return run;
        }

        Run ok(String script, String... args) {
            Run run = run(script, args);
            assertEquals(ExitCode.OK, run.exitCode(), script + " " + String.join(" ", args) + "\nstdout:\n"
                    + run.stdout() + "\nstderr:\n" + run.stderr());
            return run;
        }

        Connection connect(PgServer server) throws SQLException {
            return DriverManager.getConnection(server.jdbcUrl(database), server.superuser(), server.password());
        }

        void runFile(PgServer server, String file) throws IOException, SQLException {
            runSql(server, Files.readString(FIXTURE.resolve(file)));
        }

        void runSql(PgServer server, String sql) throws SQLException {
            try (Connection conn = connect(server); Statement st = conn.createStatement()) {
                st.execute(sql);
            }
        }

        long count(PgServer server, String sql) throws SQLException {
            try (Connection conn = connect(server); Statement st = conn.createStatement();
                    ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        }

        String text(PgServer server, String sql) throws SQLException {
            try (Connection conn = connect(server); Statement st = conn.createStatement();
                    ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                return rs.getString(1);
            }
        }

        /**
         * Every table's rows on one side: each row's text, sorted, with the output settings fixed (UTC, ISO dates,
         * postgres intervals, exact floats), so that the two servers' defaults do not matter. Independent of verify.
         */
        Map<String, String> rows(PgServer server) throws SQLException {
            Map<String, String> result = new LinkedHashMap<>();
            try (Connection conn = connect(server); Statement st = conn.createStatement()) {
                st.execute("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres';"
                        + " SET extra_float_digits = 3; SET bytea_output = 'hex'");
                for (String table : TABLES) {
                    String qualified = Sql.qualified("public", table);
                    try (ResultSet rs = st.executeQuery("SELECT count(*) || E' rows\\n' || coalesce(string_agg(t::text,"
                            + " E'\\n' ORDER BY t::text COLLATE \"C\"), '') FROM " + qualified + " AS t")) {
                        rs.next();
                        result.put("public." + table, rs.getString(1));
                    }
                }
            }
            return result;
        }

        /** Waits until destination has applied (and flushed) everything origin wrote so far. */
        void waitForForward() throws SQLException {
            waitForSlot(origin, names().slot(), "destination applied all of origin's writes");
        }

        /** Waits until origin has applied everything destination wrote so far (rollback replication). */
        void waitForRollback() throws SQLException {
            waitForSlot(destination, names().rollbackSlot(), "origin applied all of destination's writes");
        }

        private void waitForSlot(PgServer publisher, String slot, String what) throws SQLException {
            String lsn = text(publisher, "SELECT pg_catalog.pg_current_wal_lsn()::text");
            Wait.until(Duration.ofSeconds(120), what + " (slot " + slot + " confirmed up to " + lsn + ")", () -> {
                try (Connection conn = connect(publisher); PreparedStatement ps = conn.prepareStatement(
                        "SELECT confirmed_flush_lsn >= ?::pg_lsn FROM pg_catalog.pg_replication_slots"
                                + " WHERE slot_name = ?")) {
                    ps.setString(1, lsn);
                    ps.setString(2, slot);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() && rs.getBoolean(1);
                    }
                }
            });
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
