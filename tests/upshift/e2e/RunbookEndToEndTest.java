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
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.sample.SampleApp;
import upshift.sample.Workload;
import upshift.testing.Run;
import upshift.testing.Wait;

/**
 * The whole runbook, rehearsed: every step through the real {@code ./jbang} alias in a subprocess, exactly as an
 * operator types it (PGURL_ORIGIN / PGURL_DESTINATION / PGURL_REFERENCE exported), while the application's
 * workload writes on origin until the freeze and on destination after switchover.
 *
 * <p>Proves for each version pair: every step exits 0; the initial copy and streaming reach every table; the
 * switchover freezes, drains, syncs sequences, verifies and starts rollback replication; nothing acknowledged is
 * lost (the workload's own count equals destination's, then origin's); destination ids continue above origin's
 * (no sequence collision); row checksums are equal in both directions; and the clean-up steps leave no replication
 * object of the migration on either server and the legacy columns backed up and gone from destination.
 */
class RunbookEndToEndTest {

    /** A first run compiles the script (and may resolve JBang and the //DEPS): allow for a cold machine. */
    private static final long STEP_SECONDS = 600;
    private static final String APP_PASSWORD = "e2e-shop-app";
    private static final int USERS = 1000;
    private static final int WRITES_PER_SECOND = 100;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PHASES = List.of("check", "pre-verify", "freeze", "drain", "sequences",
            "verify", "prepare-rollback", "drop-forward", "rollback");

    /** 13 -> 16 on every selected provider; the other pairs on the embedded provider (it has every version). */
    static Stream<Arguments> pairs() {
        List<Arguments> cases = new ArrayList<>();
        for (PgProvider provider : Providers.selected()) {
            cases.add(Arguments.of(provider, 13, 16));
        }
        PgProvider embedded = Providers.provider("embedded");
        cases.add(Arguments.of(embedded, 13, 17));
        cases.add(Arguments.of(embedded, 14, 18));
        cases.add(Arguments.of(embedded, 16, 18));
        return cases.stream();
    }

    @ParameterizedTest(name = "runbook {1} -> {2} [{0}]")
    @MethodSource("pairs")
    void runbook(PgProvider provider, int from, int to) throws Exception {
        long started = System.nanoTime();
        Case c = Case.create(provider, from, to);
        Path schemaDir = Files.createTempDirectory("upshift-e2e-schema");
        List<String> timings = new ArrayList<>();
        try {
            runbook(c, schemaDir.resolve("schema"), timings);
        } finally {
            deleteTree(schemaDir);
            System.out.printf(Locale.ROOT, "[e2e] runbook %d -> %d [%s]: %.1f s wall time%n", from, to,
                    provider.name(), (System.nanoTime() - started) / 1e9);
            timings.forEach(t -> System.out.println("[e2e]   " + t));
        }
    }

    private void runbook(Case c, Path schemaDir, List<String> timings) throws Exception {
        Steps steps = new Steps(c, timings);
        try (Workload workload = new Workload(c.onOrigin(), WRITES_PER_SECOND)) {
            Wait.until(Duration.ofSeconds(30), "the workload writes on origin", () -> workload.inserted() > 10);

            // --- before the copy ---------------------------------------------------------------------------------
            Run preflight = steps.run("preflight", "--json");
            assertPreflight(preflight);
            JsonNode dump = steps.json("dump-schema", "--dir", schemaDir.toString(), "--json");
            assertEquals("written", dump.get("status").asText(), dump.toPrettyString());
            assertTrue(dump.get("serverVersion").asText().startsWith(c.reference.major() + "."),
                    dump.toPrettyString());
            assertTrue(Files.isRegularFile(schemaDir.resolve("schema.sql")), "schema.sql written");
            assertTrue(Files.isRegularFile(schemaDir.resolve("manifest.json")), "manifest.json written");
            assertEquals(0, c.destinationLong("SELECT count(*) FROM pg_catalog.pg_tables"
                    + " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"), "destination starts empty");
            JsonNode restore = steps.json("restore-schema", "--dir", schemaDir.toString(), "--json");
            assertEquals("restored", restore.get("status").asText(), restore.toPrettyString());
            assertTrue(restore.get("serverVersion").asText().startsWith(c.destination.major() + "."),
                    restore.toPrettyString());
            assertEquals(7, restore.get("tableCount").asInt(), restore.toPrettyString());
            assertEquals(6, restore.get("djangoMigrationsRows").asLong(), restore.toPrettyString());
            assertEquals(6, c.destinationLong("SELECT count(*) FROM django_migrations"),
                    "the new model's django_migrations rows came with the schema");
            try (Connection d = c.destinationConnection()) {
                SampleApp.grantApplication(d, APP_PASSWORD); // the application's deploy grants on the new database
            }

            // --- replication ------------------------------------------------------------------------------------
            steps.ok("add-missing-columns", ShopFixture.missingColumnDefaults().toArray(String[]::new));
            steps.ok("create-publication");
            steps.ok("create-subscription", "--origin-conninfo", c.origin.peerConninfo(c.database));
            steps.ok("enable-subscription");
            JsonNode ready = steps.json("monitor", "--until", "ready", "--timeout", "5m", "--interval", "1s",
                    "--json");
            assertReplication(ready, "forward", false);
            steps.ok("vacuum-analyze");
            JsonNode caughtUp = steps.json("monitor", "--until", "caught-up", "--timeout", "5m", "--interval", "1s",
                    "--json");
            assertReplication(caughtUp, "forward", true);
            assertTrue(workload.inserted() > 50, "the workload kept writing during the copy: " + workload.inserted());

            // --- switchover -------------------------------------------------------------------------------------
            JsonNode switchover = steps.json("switchover", "--yes", "--app-role", SampleApp.APP_ROLE,
                    "--destination-conninfo", c.destination.peerConninfo(c.database), "--verify", "checksum",
                    "--json");
            assertSwitchover(switchover);
            long acknowledgedAtFreeze = workload.acknowledged();
            Wait.until(Duration.ofSeconds(15), "the frozen origin rejects the application's writes",
                    () -> String.valueOf(workload.lastError()).contains("read-only"));
            assertEquals(acknowledgedAtFreeze, workload.acknowledged(), "no write acknowledged on a frozen origin");
            long expectedAtFreeze = workload.expectedOrders();
            assertEquals(expectedAtFreeze, c.destinationLong(WORKLOAD_ORDERS),
                    "every write acknowledged before the freeze is on destination");
            long originMax = c.originLong("SELECT max(id) FROM shop_order");
            Timestamp switchedAt = c.destinationTimestamp("SELECT clock_timestamp()");

            workload.retarget(c.onDestination());
            long insertedAtSwitch = workload.inserted();
            long rejectedAtSwitch = workload.rejected();
            Wait.until(Duration.ofSeconds(30), "the workload writes on destination",
                    () -> workload.inserted() > insertedAtSwitch + 200);
            workload.close();
            assertTrue(workload.acknowledged() > acknowledgedAtFreeze, "destination took the writes");
            assertFalse(String.valueOf(workload.lastError()).contains("duplicate key"),
                    "sequence collision: " + workload.lastError());
            assertTrue(workload.rejected() - rejectedAtSwitch <= 1,
                    "destination takes the application's writes: " + workload.lastError());
            assertEquals(workload.expectedOrders(), c.destinationLong(WORKLOAD_ORDERS),
                    "the workload's acknowledged orders are exactly what destination holds");
            long newOrders = c.destinationLong("SELECT count(*) FROM shop_order WHERE created_at >= ?", switchedAt);
            assertTrue(newOrders > 0, "orders written on destination after switchover");
            assertTrue(c.destinationLong("SELECT min(id) FROM shop_order WHERE created_at >= ?", switchedAt)
                    > originMax, "destination ids continue above origin's max " + originMax);

            // --- rollback replication brings destination's writes back to origin --------------------------------
            JsonNode rollback = steps.json("monitor", "--rollback", "--until", "caught-up", "--timeout", "5m",
                    "--interval", "1s", "--json");
            assertReplication(rollback, "rollback", true);
            // "caught up" allows --max-lag (1MB) of WAL in flight: wait (bounded) until the last of the workload's
            // writes on the now idle destination is applied on origin, so that verify compares settled data
            String settled = c.workloadDigest(c.destination);
            Wait.until(Duration.ofSeconds(60), "origin applied destination's last writes",
                    () -> c.workloadDigest(c.origin).equals(settled));
            JsonNode verify = steps.json("verify", "--checksum", "--json");
            assertVerified(verify);
            assertEquals(workload.expectedOrders(), c.originLong(WORKLOAD_ORDERS),
                    "rollback replication: origin holds every order acknowledged on either side");
            assertEquals(workload.expectedProducts(), c.originLong("SELECT count(*) FROM shop_product"
                    + " WHERE name = 'workload' AND NOT is_legacy"), "the new application's products (without"
                    + " is_legacy) reached origin's NOT NULL column through add-missing-columns --default");
            assertEquals(newOrders, c.originLong("SELECT count(*) FROM shop_order WHERE id > " + originMax),
                    "destination's new orders are on origin with the same ids");
        }

        // --- clean-up ---------------------------------------------------------------------------------------------
        steps.ok("cleanup", "--rollback", "--yes");
        steps.ok("drop-added-columns", "--yes");
        steps.ok("cleanup", "--yes");

        for (PgServer server : List.of(c.origin, c.destination)) {
            assertEquals(0, c.count(server, "SELECT count(*) FROM pg_catalog.pg_replication_slots"
                    + " WHERE starts_with(slot_name, ?)"), "slots of this migration left on " + server.major());
            assertEquals(0, c.count(server, "SELECT count(*) FROM pg_catalog.pg_publication"
                    + " WHERE starts_with(pubname, ?)"), "publications left on " + server.major());
            assertEquals(0, c.count(server, "SELECT count(*) FROM pg_catalog.pg_subscription"
                    + " WHERE starts_with(subname, ?)"), "subscriptions left on " + server.major());
        }
        assertEquals(0, c.destinationLong("SELECT count(*) FROM information_schema.columns"
                + " WHERE table_name IN ('auth_user', 'shop_product')"
                + " AND column_name IN ('legacy_flags', 'legacy_code', 'is_legacy')"),
                "the added legacy columns are dropped");
        assertEquals(SampleApp.LEGACY_COLUMNS.size(), c.destinationLong("SELECT count(*)"
                + " FROM information_schema.tables WHERE table_name LIKE '\\_\\_upshift\\_backup\\_\\_%'"),
                "with their backup tables");
        assertEquals(SampleApp.LEGACY_COLUMNS.size(), c.originLong("SELECT count(*) FROM information_schema.columns"
                + " WHERE table_name IN ('auth_user', 'shop_product')"
                + " AND column_name IN ('legacy_flags', 'legacy_code', 'is_legacy')"), "origin keeps its model");
    }

    private static final String WORKLOAD_ORDERS = "SELECT count(*) FROM shop_order WHERE status = 'workload'";

    // ---- assertions on the --json documents -------------------------------------------------------------------

    /**
     * Exit 0, or 3 only when every blocking finding is capacity used by other tests' replication objects on the
     * shared servers. An empty destination is a warning telling to restore the schema, not a blocker.
     */
    private static void assertPreflight(Run run) throws IOException {
        JsonNode report = JSON.readTree(run.stdout());
        boolean sharedCapacity = false;
        for (JsonNode n : report.get("findings")) {
            if (!n.get("severity").asText().equals("BLOCKING")) {
                continue;
            }
            String problem = n.get("problem").asText();
            if (n.get("check").asText().equals("capacity")
                    && (problem.contains(" in use leaves ") || problem.contains("other enabled subscription"))) {
                sharedCapacity = true;
            } else {
                fail("preflight: unexpected blocking finding " + n + "\n" + run.stdout());
            }
        }
        assertEquals(sharedCapacity ? ExitCode.CHECK_FAILED : ExitCode.OK, run.exitCode(), run.stderr());
        boolean schemaNotRestored = false;
        for (JsonNode n : report.get("findings")) {
            schemaNotRestored |= n.get("check").asText().equals("schema-not-restored");
        }
        assertTrue(schemaNotRestored, "preflight says to restore the schema first:\n" + run.stdout());
    }

    private static void assertReplication(JsonNode snapshot, String direction, boolean caughtUp) {
        String doc = snapshot.toPrettyString();
        assertEquals(direction, snapshot.get("direction").asText(), doc);
        assertTrue(snapshot.at("/subscription/enabled").asBoolean(), doc);
        assertTrue(snapshot.get("ready").asBoolean(), doc);
        assertEquals(SampleApp.TABLES.size(), snapshot.get("tables").size(), doc);
        snapshot.get("tables").forEach(t -> assertEquals("r", t.get("state").asText(), doc));
        if (caughtUp) {
            assertTrue(snapshot.get("caughtUp").asBoolean(), doc);
            assertTrue(snapshot.at("/slot/lagBytes").asLong() <= snapshot.get("maxLagBytes").asLong(), doc);
        }
        assertTrue(snapshot.path("diagnosis").isNull() || snapshot.path("diagnosis").isMissingNode(), doc);
    }

    private static void assertSwitchover(JsonNode report) {
        String doc = report.toPrettyString();
        assertEquals("switched over", report.get("outcome").asText(), doc);
        assertTrue(report.get("destinationReady").asBoolean(), doc);
        assertTrue(report.get("freezeWindowSeconds").isNumber(), doc);
        assertTrue(report.get("freezeWindowSeconds").asDouble() > 0, doc);
        List<String> names = new ArrayList<>();
        report.get("phases").forEach(p -> {
            names.add(p.get("phase").asText());
            assertEquals("done", p.get("status").asText(), doc);
        });
        assertEquals(PHASES, names, doc);
    }

    private static void assertVerified(JsonNode report) {
        String doc = report.toPrettyString();
        assertTrue(report.get("checksum").asBoolean(), doc);
        assertTrue(report.get("equal").asBoolean(), doc);
        assertEquals(0, report.get("differing").size(), doc);
        assertEquals(0, report.get("failed").size(), doc);
        assertEquals(SampleApp.TABLES.size(), report.get("tables").size(), doc);
        report.get("tables").forEach(t -> {
            assertEquals("equal", t.get("status").asText(), doc);
            assertEquals(t.get("originRows").asLong(), t.get("destinationRows").asLong(), doc);
            assertTrue(t.get("checksumMatch").asBoolean(), doc);
        });
    }

    // ---- running the steps ------------------------------------------------------------------------------------

    /** The steps of one case, run through ./jbang with this case's environment and migration name. */
    private static final class Steps {
        private final Case c;
        private final List<String> timings;

        Steps(Case c, List<String> timings) {
            this.c = c;
            this.timings = timings;
        }

        /** Runs {@code ./jbang ALIAS ARGS --name DB}; checks stderr for errors, stack traces and secrets. */
        Run run(String alias, String... args) {
            List<String> command = new ArrayList<>();
            command.add(alias);
            command.addAll(List.of(args));
            command.addAll(List.of("--name", c.database));
            long t = System.nanoTime();
            Run run = Run.jbang(c.env(), STEP_SECONDS, command.toArray(String[]::new));
            timings.add(String.format(Locale.ROOT, "%-72s %7.2f s  exit %d", shorten(String.join(" ", command)),
                    (System.nanoTime() - t) / 1e9, run.exitCode()));
            String stderr = ours(run.stderr());
            String where = "./jbang " + shorten(String.join(" ", command)) + "\nstderr:\n" + stderr + "\nstdout:\n"
                    + run.stdout();
            for (String secret : List.of(c.origin.password(), c.destination.password(), c.reference.password(),
                    APP_PASSWORD)) {
                assertFalse(run.stdout().contains(secret) || run.stderr().contains(secret), "password printed: "
                        + where);
            }
            assertFalse(stderr.contains("\tat "), "stack trace: " + where);
            return run;
        }

        private String shorten(String command) {
            return command.replace(c.origin.peerConninfo(c.database), "<origin conninfo>")
                    .replace(c.destination.peerConninfo(c.database), "<destination conninfo>")
                    .replaceAll("/\\S*/upshift-e2e-schema\\S*", "<schema dir>");
        }

        /** Runs the step, which must exit 0 without an error line. */
        Run ok(String alias, String... args) {
            Run run = run(alias, args);
            assertEquals(ExitCode.OK, run.exitCode(), alias + " failed:\n" + ours(run.stderr()) + "\n" + run.stdout());
            assertTrue(ours(run.stderr()).lines().noneMatch(l -> l.startsWith("error:")), alias + ": "
                    + run.stderr());
            return run;
        }

        /** Runs a --json step, which must exit 0, and parses its standard output. */
        JsonNode json(String alias, String... args) throws IOException {
            Run run = ok(alias, args);
            try {
                return JSON.readTree(run.stdout());
            } catch (IOException e) {
                throw new AssertionError(alias + " --json printed no JSON document:\n" + run.stdout(), e);
            }
        }
    }

    /** Standard error without JBang's own "[jbang] ..." lines (first compile, dependency resolution). */
    static String ours(String stderr) {
        return stderr.lines().filter(l -> !l.startsWith("[jbang]") && !l.startsWith("[jbang launcher]"))
                .reduce("", (a, b) -> a + b + "\n");
    }

    // ---- the databases of one case ----------------------------------------------------------------------------

    /**
     * One case: the old model with data in a fresh database on the {@code from} server, an empty database of the
     * same name on the {@code to} server, and the reference (new model) in a fresh database on the provider's
     * shared 13 server, which the local pg_dump can dump. The database name is the migration name.
     */
    private record Case(PgServer origin, PgServer destination, PgServer reference, String database,
            String referenceDatabase) {

        static Case create(PgProvider provider, int from, int to) throws SQLException {
            String database = "e2e_" + from + "_" + to + "_" + provider.name();
            Case c = new Case(Providers.shared(provider, from), Providers.shared(provider, to),
                    Providers.shared(provider, 13), database, database + "_ref");
            c.origin.createDatabase(database);
            c.destination.createDatabase(database);
            c.reference.createDatabase(c.referenceDatabase);
            try (Connection o = connect(c.origin, database);
                    Connection r = connect(c.reference, c.referenceDatabase)) {
                SampleApp.createOldModel(o);
                SampleApp.loadData(o, USERS);
                SampleApp.grantApplication(o, APP_PASSWORD);
                SampleApp.createNewModel(r);
            }
            return c;
        }

        /** PGURL_ORIGIN, PGURL_DESTINATION and PGURL_REFERENCE, as an operator exports them. */
        Map<String, String> env() {
            return Map.of("PGURL_ORIGIN", origin.uri(database), "PGURL_DESTINATION", destination.uri(database),
                    "PGURL_REFERENCE", reference.uri(referenceDatabase));
        }

        Workload.Target onOrigin() {
            return new Workload.Target(origin.jdbcUrl(database), SampleApp.APP_ROLE, APP_PASSWORD);
        }

        Workload.Target onDestination() {
            return new Workload.Target(destination.jdbcUrl(database), SampleApp.APP_ROLE, APP_PASSWORD);
        }

        Connection destinationConnection() throws SQLException {
            return connect(destination, database);
        }

        long originLong(String sql, Object... params) throws SQLException {
            try (Connection conn = connect(origin, database)) {
                return queryLong(conn, sql, params);
            }
        }

        long destinationLong(String sql, Object... params) throws SQLException {
            try (Connection conn = connect(destination, database)) {
                return queryLong(conn, sql, params);
            }
        }

        Timestamp destinationTimestamp(String sql) throws SQLException {
            try (Connection conn = connect(destination, database); Statement st = conn.createStatement();
                    ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                return rs.getTimestamp(1);
            }
        }

        /** A digest of the workload's orders (id and total) and the number of its products on one side. */
        String workloadDigest(PgServer server) throws SQLException {
            try (Connection conn = connect(server, database); Statement st = conn.createStatement();
                    ResultSet rs = st.executeQuery("SELECT count(*) || ':' || coalesce(md5(string_agg(id || '='"
                            + " || total, ',' ORDER BY id)), '') || ':' || (SELECT count(*) FROM shop_product"
                            + " WHERE name = 'workload') FROM shop_order WHERE status = 'workload'")) {
                rs.next();
                return rs.getString(1);
            }
        }

        /** A count over a server's cluster-wide catalogs, with this migration's name as the only parameter. */
        long count(PgServer server, String sql) throws SQLException {
            try (Connection conn = connect(server, database)) {
                return queryLong(conn, sql, database);
            }
        }

        private static Connection connect(PgServer server, String database) throws SQLException {
            return DriverManager.getConnection(server.jdbcUrl(database), server.superuser(), server.password());
        }

        private static long queryLong(Connection conn, String sql, Object... params) throws SQLException {
            try (PreparedStatement st = conn.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    st.setObject(i + 1, params[i]);
                }
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        throw new SQLException("no row from: " + sql);
                    }
                    return rs.getLong(1);
                }
            }
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
