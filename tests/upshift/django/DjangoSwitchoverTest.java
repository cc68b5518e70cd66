package upshift.django;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

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
 * Switchover and the way back with a real Django application (Debian's Django 3.2 and psycopg2): the shop project
 * in {@code tests/resources/django}, its {@code old/} state migrated on origin, its {@code new/} state (integer ids
 * and foreign keys made bigint, a text column made varchar(200), a {@code BooleanField(default=False)} removed)
 * migrated on a reference database, then the runbook's steps in-process as an operator runs them, while the
 * application writes through its ORM: the old one on origin, the new one on destination after switchover, the old
 * one on origin again after switchback.
 *
 * <p>Proves, for 13 -> 16 (every selected provider) and 13 -> 17 (embedded): the committed migrations match the
 * models and make exactly the schema changes named above; dump-schema/restore-schema bring the new model and its
 * django_migrations rows (the new app sees nothing to migrate on destination); preflight blocks on the dropped NOT
 * NULL column without database default and names add-missing-columns --default; switchover refuses (exit 3) for the
 * same reason before freezing anything (the old app still writes on origin), then passes once destination's column
 * has a default; after switchover the hard freeze rejects the old app's ORM writes on origin with upshift's
 * message, the new app writes on destination with ids above origin's (sequences synced), and rollback replication
 * brings those rows to origin (same rows on both sides, verify --checksum equal, the dropped column false); after
 * switchback the new app is rejected on destination, the old app writes on origin again with no duplicate key and
 * ids above every id the new app took (sequences synced back), the rollback subscription and slot are gone, and
 * origin holds every acknowledged ORM write of every phase exactly once.
 */
class DjangoSwitchoverTest {

    private static final String APP_ROLE = "upshift_django_shop";
    private static final String APP_PASSWORD = "django-shop-app-secret";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The shop's tables, each with a serial id the application's inserts take from a sequence. */
    private static final List<String> SHOP_TABLES = List.of("shop_customer", "shop_product", "shop_order",
            "shop_orderline");
    /** What create-publication picks: every table the application role migrated, except django_migrations. */
    private static final int REPLICATED_TABLES = 11;
    /** The new model dropped this NOT NULL column (no database default: Django's default lives in Python). */
    private static final String DROPPED = "shop_customer.newsletter";

    /** 13 -> 16 on every selected provider; 13 -> 17 on the embedded provider (it has every version). */
    static Stream<Arguments> pairs() {
        List<Arguments> cases = new ArrayList<>();
        for (PgProvider provider : Providers.selected()) {
            cases.add(Arguments.of(provider, 13, 16));
        }
        cases.add(Arguments.of(Providers.provider("embedded"), 13, 17));
        return cases.stream();
    }

    @ParameterizedTest(name = "Django shop: switchover and back {1} -> {2} [{0}]")
    @MethodSource("pairs")
    void switchoverAndBack(PgProvider provider, int from, int to) throws Exception {
        DjangoProject.requireDjango();
        long started = System.nanoTime();
        Case c = Case.create(provider, from, to);
        Path schemaDir = Files.createTempDirectory("upshift-django-schema");
        try {
            switchoverAndBack(c, schemaDir.resolve("schema"));
        } finally {
            deleteTree(schemaDir);
            System.out.printf(Locale.ROOT, "[django] switchover and back %d -> %d [%s]: %.1f s wall time%n", from,
                    to, provider.name(), (System.nanoTime() - started) / 1e9);
            c.timings.forEach(t -> System.out.println("[django]   " + t));
        }
    }

    private void switchoverAndBack(Case c, Path schemaDir) throws Exception {
        DjangoProject oldApp = DjangoProject.oldModel();
        DjangoProject newApp = DjangoProject.newModel();

        // --- the old application, deployed on origin --------------------------------------------------------------
        c.django(oldApp, c.origin(), "makemigrations", "--check", "--dry-run");
        c.django(oldApp, c.origin(), "migrate", "--no-input");
        Written seed = c.write(oldApp, c.origin(), "seed", 40, 3);
        assertEquals("integer", c.columnType(c.origin, c.database, "shop_customer", "id"));
        assertEquals("boolean", c.columnType(c.origin, c.database, "shop_customer", "newsletter"));
        assertEquals("true", c.notNullWithoutDefault(c.origin, c.database, "shop_customer", "newsletter"),
                "Django's BooleanField(default=False): NOT NULL, the default only in Python");

        // --- the new model, migrated on a reference database that starts from the old schema ----------------------
        c.django(oldApp, c.reference(), "migrate", "--no-input");
        c.django(newApp, c.reference(), "makemigrations", "--check", "--dry-run");
        Run migrated = c.django(newApp, c.reference(), "migrate", "--no-input");
        assertTrue(migrated.stdout().contains("Applying shop.0002_auto_20261201_2208... OK"), migrated.stdout());
        assertEquals("bigint", c.columnType(c.origin, c.referenceDatabase, "shop_customer", "id"));
        assertEquals("bigint", c.columnType(c.origin, c.referenceDatabase, "shop_order", "customer_id"));
        assertEquals("bigint", c.columnType(c.origin, c.referenceDatabase, "shop_orderline", "product_id"));
        assertEquals("character varying(200)", c.columnType(c.origin, c.referenceDatabase, "shop_customer", "name"));
        assertEquals("absent", c.columnType(c.origin, c.referenceDatabase, "shop_customer", "newsletter"));

        // --- the schema onto destination --------------------------------------------------------------------------
        c.ok("DumpSchema", "--dir", schemaDir.toString());
        c.ok("RestoreSchema", "--dir", schemaDir.toString());
        c.grantApplication(c.destination, c.database); // the new deployment's grants on the new database
        // django_migrations came with the schema: nothing to apply. Only --plan: a migrate (in Django 3.2 even
        // migrate --check) with nothing to apply still runs post_migrate, which inserts content types and
        // permissions on destination, and the initial copy of those tables then fails on duplicate keys.
        Run plan = c.django(newApp, c.destination(), "migrate", "--plan");
        assertTrue(plan.stdout().contains("No planned migration operations."), plan.stdout());
        assertEquals("bigint", c.columnType(c.destination, c.database, "shop_orderline", "order_id"));

        // --- preflight names the dropped NOT NULL column; add-missing-columns re-adds it --------------------------
        Run preflight = c.run("Preflight", preflightArgs(c));
        assertPreflightBlocksOnDroppedColumn(preflight);
        c.ok("AddMissingColumns", "--owner", APP_ROLE);
        assertEquals("boolean", c.columnType(c.destination, c.database, "shop_customer", "newsletter"));
        assertEquals("false", c.notNullWithoutDefault(c.destination, c.database, "shop_customer", "newsletter"),
                "re-added nullable");

        // --- replication, while the old application keeps writing on origin --------------------------------------
        c.ok("CreatePublication", "--owner", APP_ROLE);
        c.ok("CreateSubscription", "--origin-conninfo", c.origin.peerConninfo(c.database));
        c.ok("EnableSubscription");
        Written streaming = c.write(oldApp, c.origin(), "streaming", 20, 0);
        JsonNode ready = c.json("Monitor", "--until", "ready", "--timeout", "5m", "--interval", "1s", "--json");
        assertReplicating(ready, "forward");

        // --- switchover refuses while the way back would break on the dropped column, before freezing anything ----
        Run refused = c.run("Switchover", switchoverArgs(c));
        assertEquals(ExitCode.CHECK_FAILED, refused.exitCode(), refused.stderr() + "\n" + refused.stdout());
        assertTrue(refused.stderr().contains(DROPPED)
                && refused.stderr().contains("add-missing-columns --default public." + DROPPED + "=false"),
                "names the column and the fix:\n" + refused.stderr());
        Written stillOpen = c.write(oldApp, c.origin(), "after-refusal", 5, 0); // origin was not frozen
        // the fix the refusal names: a database default on the column add-missing-columns re-added (a re-run with
        // --default sets it on the existing column)
        c.ok("AddMissingColumns", "--owner", APP_ROLE, "--default", DROPPED + "=false");
        assertEquals("false", c.column(c.destination, c.database, "shop_customer", "newsletter",
                "pg_get_expr(d.adbin, d.adrelid)"), "destination's newsletter has the database default false");
        assertPreflightPasses(c.run("Preflight", preflightArgs(c)));

        JsonNode caughtUp = c.json("Monitor", "--until", "caught-up", "--timeout", "5m", "--interval", "1s",
                "--json");
        assertReplicating(caughtUp, "forward");
        assertTrue(caughtUp.get("caughtUp").asBoolean(), caughtUp.toPrettyString());

        // --- switchover -------------------------------------------------------------------------------------------
        JsonNode switchover = c.json("Switchover", switchoverArgs(c));
        assertEquals("switched over", switchover.get("outcome").asText(), switchover.toPrettyString());
        assertTrue(switchover.get("destinationReady").asBoolean(), switchover.toPrettyString());
        assertTrue(switchover.get("reverseStreaming").asBoolean(), switchover.toPrettyString());
        Map<String, Long> originMaxAtSwitch = c.maxIds(c.origin);

        Written frozen = c.writeRefused(oldApp, c.origin(), "frozen-origin");
        assertFrozen(frozen, "origin");

        // --- the new application writes on destination; rollback replication brings it to origin -----------------
        Written onDestination = c.write(newApp, c.destination(), "new-model", 30, 2);
        assertTrue(onDestination.min("customers") > originMaxAtSwitch.get("shop_customer"),
                "destination's customer ids continue above origin's: " + onDestination + " vs " + originMaxAtSwitch);
        assertTrue(onDestination.min("orderlines") > originMaxAtSwitch.get("shop_orderline"),
                "destination's order line ids continue above origin's");
        JsonNode rollback = c.json("Monitor", "--rollback", "--until", "caught-up", "--timeout", "5m", "--interval",
                "1s", "--json");
        assertReplicating(rollback, "rollback");
        Wait.until(Duration.ofSeconds(60), "origin applied the new application's writes",
                () -> c.digests(c.origin).equals(c.digests(c.destination)));
        assertEquals(c.digests(c.destination), c.digests(c.origin), "the shop's rows are the same on both sides");
        assertPresent(c, onDestination, "written by the new application on destination");
        assertEquals(onDestination.customers.size(), c.originLong("SELECT count(*) FROM shop_customer"
                + " WHERE id = ANY (?) AND newsletter = false", onDestination.customers),
                "the new application's customers arrive on origin with destination's default for the dropped column");
        JsonNode verify = c.json("Verify", "--owner", APP_ROLE, "--checksum", "--json");
        assertTrue(verify.get("equal").asBoolean(), verify.toPrettyString());

        // --- switchback: destination frozen, origin takes the old application again --------------------------------
        JsonNode switchback = c.json("Switchback", "--yes", "--json");
        assertEquals("switched back", switchback.get("outcome").asText(), switchback.toPrettyString());
        assertTrue(switchback.get("originReady").asBoolean(), switchback.toPrettyString());
        MigrationNames names = new MigrationNames(c.database);
        assertEquals(0, c.count(c.origin, "SELECT count(*) FROM pg_subscription WHERE subname = ?",
                names.rollbackSubscription()), "the rollback subscription is dropped from origin");
        assertEquals(0, c.count(c.destination, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?",
                names.rollbackSlot()), "the rollback slot is dropped from destination");
        // (the rollback publication stays: it names the tables destination's freeze triggers guard and holds the
        // cutover record; cleanup --rollback drops it)

        Written refusedOnDestination = c.writeRefused(newApp, c.destination(), "frozen-destination");
        assertFrozen(refusedOnDestination, "destination");
        Written back = c.write(oldApp, c.origin(), "back-on-origin", 25, 1);
        assertTrue(back.min("customers") > onDestination.max("customers"),
                "origin's sequences continue above destination's ids (synced back): " + back);
        assertTrue(back.min("orders") > onDestination.max("orders"), "shop_order_id_seq synced back");
        assertTrue(back.min("orderlines") > onDestination.max("orderlines"), "shop_orderline_id_seq synced back");
        assertTrue(back.min("products") > onDestination.max("products"), "shop_product_id_seq synced back");

        for (Written w : List.of(seed, streaming, stillOpen, onDestination, back)) {
            assertPresent(c, w, "acknowledged write of phase " + w.tag);
        }
        assertEquals(seed.customers.size() + streaming.customers.size() + stillOpen.customers.size()
                + onDestination.customers.size() + back.customers.size(),
                c.originLong("SELECT count(*) FROM shop_customer"),
                "origin holds exactly the acknowledged customers of every phase, none twice, none refused");
    }

    private static String[] preflightArgs(Case c) {
        return new String[] {"--owner", APP_ROLE, "--destination-conninfo", c.destination.peerConninfo(c.database),
            "--json"};
    }

    private static String[] switchoverArgs(Case c) {
        return new String[] {"--yes", "--destination-conninfo", c.destination.peerConninfo(c.database), "--verify",
            "checksum", "--json"};
    }

    // ---- assertions ------------------------------------------------------------------------------------------

    /**
     * Preflight, after restore-schema, blocks (exit 3) on the NOT NULL column without database default that the new
     * model dropped, naming the fix. Other blocking findings are allowed only for capacity other tests use on the
     * shared servers; destination must be empty for the copy.
     */
    private static void assertPreflightBlocksOnDroppedColumn(Run run) throws IOException {
        JsonNode report = JSON.readTree(run.stdout());
        JsonNode dropped = null;
        for (JsonNode n : report.get("findings")) {
            if (n.get("check").asText().equals("destination-rows")) {
                fail("preflight: destination is not empty before the copy: " + n + "\n" + run.stdout());
            }
            if (!n.get("severity").asText().equals("blocking")) {
                continue;
            }
            if (n.get("check").asText().equals("rollback") && n.get("subject").asText().endsWith(DROPPED)) {
                dropped = n;
            } else if (!sharedCapacity(n)) {
                fail("preflight: unexpected blocking finding " + n + "\n" + run.stdout());
            }
        }
        assertTrue(dropped != null, "preflight blocks on " + DROPPED + ":\n" + run.stdout());
        assertTrue(dropped.get("fix").asText().contains("add-missing-columns --default public." + DROPPED + "=false"),
                dropped.toPrettyString());
        assertEquals(ExitCode.CHECK_FAILED, run.exitCode(), run.stderr());
    }

    /** Preflight finds nothing blocking (but capacity that other tests use on the shared servers). */
    private static void assertPreflightPasses(Run run) throws IOException {
        JsonNode report = JSON.readTree(run.stdout());
        boolean capacity = false;
        for (JsonNode n : report.get("findings")) {
            if (n.get("severity").asText().equals("blocking")) {
                assertTrue(sharedCapacity(n), "preflight: blocking finding " + n + "\n" + run.stdout());
                capacity = true;
            }
        }
        assertEquals(capacity ? ExitCode.CHECK_FAILED : ExitCode.OK, run.exitCode(), run.stderr());
    }

    /** A capacity finding caused by the replication objects of other tests on the shared servers. */
    private static boolean sharedCapacity(JsonNode finding) {
        String problem = finding.get("problem").asText();
        return finding.get("check").asText().equals("capacity")
                && (problem.contains(" in use leaves ") || problem.contains("other enabled subscription"));
    }

    private static void assertReplicating(JsonNode snapshot, String direction) {
        String doc = snapshot.toPrettyString();
        assertEquals(direction, snapshot.get("direction").asText(), doc);
        assertTrue(snapshot.get("ready").asBoolean(), doc);
        assertEquals(REPLICATED_TABLES, snapshot.get("tables").size(), doc);
        snapshot.get("tables").forEach(t -> assertEquals("r", t.get("state").asText(), doc));
    }

    /** The application's write on a frozen side failed, with nothing acknowledged. */
    private static void assertFrozen(Written refused, String side) {
        assertTrue(refused.customers.isEmpty(), "nothing acknowledged on the frozen " + side + ": " + refused);
        assertTrue(refused.error.contains("writes are frozen (read-only) by upshift"),
                "refused by upshift's freeze trigger on " + side + ": " + refused.error);
    }

    /** Every id the application acknowledged is on origin. */
    private static void assertPresent(Case c, Written w, String what) throws SQLException {
        for (Map.Entry<String, List<Long>> e : w.byTable().entrySet()) {
            assertEquals(e.getValue().size(), c.originLong("SELECT count(*) FROM " + Sql.ident(e.getKey())
                    + " WHERE id = ANY (?)", e.getValue()), what + ": " + e.getKey() + " " + e.getValue());
        }
    }

    // ---- what one shop_write run acknowledged ----------------------------------------------------------------

    /** The ids one {@code manage.py shop_write} run printed (committed rows), and its error if it failed. */
    record Written(String tag, List<Long> customers, List<Long> orders, List<Long> orderlines, List<Long> products,
            String error) {

        static Written parse(String tag, Run run) {
            String json = run.stdout().strip();
            try {
                JsonNode doc = JSON.readTree(json.substring(json.lastIndexOf('\n') + 1));
                return new Written(tag, ids(doc, "customers"), ids(doc, "orders"), ids(doc, "lines"),
                        ids(doc, "products"), doc.get("error").isNull() ? null : doc.get("error").asText());
            } catch (IOException | RuntimeException e) {
                throw new AssertionError("shop_write printed no JSON document:\n" + run.stdout() + "\n"
                        + run.stderr(), e);
            }
        }

        private static List<Long> ids(JsonNode doc, String field) {
            List<Long> ids = new ArrayList<>();
            doc.get(field).forEach(n -> ids.add(n.asLong()));
            return ids;
        }

        Map<String, List<Long>> byTable() {
            Map<String, List<Long>> m = new LinkedHashMap<>();
            m.put("shop_customer", customers);
            m.put("shop_order", orders);
            m.put("shop_orderline", orderlines);
            m.put("shop_product", products);
            return m;
        }

        private List<Long> of(String what) {
            return switch (what) {
                case "customers" -> customers;
                case "orders" -> orders;
                case "orderlines" -> orderlines;
                case "products" -> products;
                default -> throw new IllegalArgumentException(what);
            };
        }

        long min(String what) {
            return of(what).stream().mapToLong(Long::longValue).min().orElseThrow();
        }

        long max(String what) {
            return of(what).stream().mapToLong(Long::longValue).max().orElseThrow();
        }
    }

    // ---- the servers, databases and steps of one case ----------------------------------------------------------

    /**
     * One case: a fresh database on the {@code from} server (origin) and one of the same name on the {@code to}
     * server (destination), and the reference database on the provider's shared 13 server, which the local pg_dump
     * 15 can dump. The application role owns origin's and the reference's tables, as Django's migrate made them;
     * the database name is the migration name.
     */
    private static final class Case {
        final PgServer origin;
        final PgServer destination;
        final PgServer reference;
        final String database;
        final String referenceDatabase;
        final List<String> timings = new ArrayList<>();

        private Case(PgServer origin, PgServer destination, PgServer reference, String database) {
            this.origin = origin;
            this.destination = destination;
            this.reference = reference;
            this.database = database;
            this.referenceDatabase = database + "_ref";
        }

        static Case create(PgProvider provider, int from, int to) throws SQLException {
            Case c = new Case(Providers.shared(provider, from), Providers.shared(provider, to),
                    Providers.shared(provider, 13), "django_" + from + "_" + to);
            c.origin.createDatabase(c.database);
            c.destination.createDatabase(c.database);
            c.reference.createDatabase(c.referenceDatabase);
            for (PgServer server : List.of(c.origin, c.destination, c.reference)) {
                try (Connection conn = connect(server, "postgres"); Statement st = conn.createStatement()) {
                    st.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = "
                            + Sql.literal(APP_ROLE) + ") THEN CREATE ROLE " + Sql.ident(APP_ROLE)
                            + " LOGIN; END IF; END $$");
                    st.execute("ALTER ROLE " + Sql.ident(APP_ROLE) + " PASSWORD " + Sql.literal(APP_PASSWORD));
                }
            }
            for (String db : List.of(c.database, c.referenceDatabase)) {
                try (Connection conn = connect(c.origin, db); Statement st = conn.createStatement()) {
                    st.execute("GRANT CREATE, USAGE ON SCHEMA public TO " + Sql.ident(APP_ROLE));
                }
            }
            return c;
        }

        DjangoProject.Database origin() {
            return new DjangoProject.Database(origin, database, APP_ROLE, APP_PASSWORD);
        }

        DjangoProject.Database destination() {
            return new DjangoProject.Database(destination, database, APP_ROLE, APP_PASSWORD);
        }

        DjangoProject.Database reference() {
            return new DjangoProject.Database(reference, referenceDatabase, APP_ROLE, APP_PASSWORD);
        }

        /** The grants the application's deployment gives on a database whose tables another role created. */
        void grantApplication(PgServer server, String db) throws SQLException {
            try (Connection conn = connect(server, db); Statement st = conn.createStatement()) {
                String role = Sql.ident(APP_ROLE);
                st.execute("GRANT USAGE ON SCHEMA public TO " + role);
                st.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + role);
                st.execute("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO " + role);
            }
        }

        // ---- Django ---------------------------------------------------------------------------------------------

        /** {@code manage.py ARGS}, which must exit 0. */
        Run django(DjangoProject project, DjangoProject.Database db, String... args) {
            Run run = timed(project + " manage.py " + String.join(" ", args) + " on " + where(db),
                    () -> project.manage(db, args));
            assertEquals(0, run.exitCode(), project + " manage.py " + String.join(" ", args) + " on " + where(db)
                    + ":\n" + run.stderr() + "\n" + run.stdout());
            assertNoSecret(run, "manage.py");
            return run;
        }

        /** {@code manage.py shop_write}: every write acknowledged, none refused. */
        Written write(DjangoProject project, DjangoProject.Database db, String tag, int customers, int products) {
            Run run = django(project, db, "shop_write", "--tag", tag, "--customers", String.valueOf(customers),
                    "--products", String.valueOf(products));
            Written w = Written.parse(tag, run);
            assertNull(w.error, run.stderr());
            assertEquals(customers, w.customers.size(), run.stdout());
            assertEquals(2 * customers, w.orderlines.size(), run.stdout());
            return w;
        }

        /** {@code manage.py shop_write} of one customer where the write must be refused (exit 1). */
        Written writeRefused(DjangoProject project, DjangoProject.Database db, String tag) {
            Run run = timed(project + " manage.py shop_write (refused) on " + where(db),
                    () -> project.manage(db, "shop_write", "--tag", tag, "--customers", "1"));
            assertEquals(1, run.exitCode(), "the write must be refused:\n" + run.stdout() + "\n" + run.stderr());
            Written w = Written.parse(tag, run);
            assertTrue(w.error != null, run.stdout());
            return w;
        }

        private String where(DjangoProject.Database db) {
            return db.name() + "@" + db.server().major();
        }

        // ---- runbook steps, in-process --------------------------------------------------------------------------

        /** PGURL_ORIGIN, PGURL_DESTINATION and PGURL_REFERENCE, as an operator exports them. */
        Map<String, String> env() {
            return Map.of("PGURL_ORIGIN", origin.uri(database), "PGURL_DESTINATION", destination.uri(database),
                    "PGURL_REFERENCE", reference.uri(referenceDatabase));
        }

        /** Runs a step with {@code --name DATABASE}; no password in its output, no stack trace. */
        Run run(String script, String... args) {
            List<String> command = new ArrayList<>(List.of(args));
            command.addAll(List.of("--name", database));
            Run run = timed(script + " " + shorten(String.join(" ", args)),
                    () -> Run.script(script, env(), command.toArray(String[]::new)));
            assertNoSecret(run, script);
            assertFalse(run.stderr().contains("\tat "), script + " printed a stack trace:\n" + run.stderr());
            return run;
        }

        Run ok(String script, String... args) {
            Run run = run(script, args);
            assertEquals(ExitCode.OK, run.exitCode(), script + " " + shorten(String.join(" ", args)) + ":\n"
                    + run.stderr() + "\n" + run.stdout());
            return run;
        }

        JsonNode json(String script, String... args) throws IOException {
            Run run = ok(script, args);
            try {
                return JSON.readTree(run.stdout());
            } catch (IOException e) {
                throw new AssertionError(script + " --json printed no JSON document:\n" + run.stdout(), e);
            }
        }

        private String shorten(String command) {
            return command.replace(origin.peerConninfo(database), "<origin conninfo>")
                    .replace(destination.peerConninfo(database), "<destination conninfo>")
                    .replaceAll("/\\S*/upshift-django-schema\\S*", "<schema dir>");
        }

        private void assertNoSecret(Run run, String what) {
            for (String secret : List.of(origin.password(), destination.password(), reference.password(),
                    APP_PASSWORD)) {
                assertFalse(run.stdout().contains(secret) || run.stderr().contains(secret),
                        "password printed by " + what);
            }
        }

        private Run timed(String what, java.util.function.Supplier<Run> step) {
            long t = System.nanoTime();
            Run run = step.get();
            timings.add(String.format(Locale.ROOT, "%-96s %6.2f s  exit %d",
                    what.length() > 96 ? what.substring(0, 93) + "..." : what, (System.nanoTime() - t) / 1e9,
                    run.exitCode()));
            return run;
        }

        // ---- SQL ------------------------------------------------------------------------------------------------

        /** The column's type as format_type prints it, or "absent". */
        String columnType(PgServer server, String db, String table, String column) throws SQLException {
            return column(server, db, table, column, "format_type(a.atttypid, a.atttypmod)");
        }

        /** Whether the column is NOT NULL without a database default ("true"/"false"), or "absent". */
        String notNullWithoutDefault(PgServer server, String db, String table, String column) throws SQLException {
            return column(server, db, table, column, "(a.attnotnull AND NOT a.atthasdef)::text");
        }

        /** An expression over the column's pg_attribute row (a) and its pg_attrdef row (d), or "absent". */
        String column(PgServer server, String db, String table, String column, String expression)
                throws SQLException {
            try (Connection conn = connect(server, db); PreparedStatement st = conn.prepareStatement("SELECT "
                    + expression + " FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid"
                    + " AND d.adnum = a.attnum WHERE a.attrelid = to_regclass(?) AND a.attname = ?"
                    + " AND a.attnum > 0 AND NOT a.attisdropped")) {
                st.setString(1, Sql.ident(table));
                st.setString(2, column);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() ? rs.getString(1) : "absent";
                }
            }
        }

        /** Per shop table: the row count and an md5 of the ids with the application's columns, in id order. */
        Map<String, String> digests(PgServer server) throws SQLException {
            Map<String, String> digests = new LinkedHashMap<>();
            Map<String, String> columns = Map.of(
                    "shop_customer", "id || '|' || email || '|' || name || '|' || created_at",
                    "shop_product", "id || '|' || sku || '|' || title || '|' || price",
                    "shop_order", "id || '|' || customer_id || '|' || placed_at || '|' || note",
                    "shop_orderline", "id || '|' || order_id || '|' || product_id || '|' || quantity");
            try (Connection conn = connect(server, database); Statement st = conn.createStatement()) {
                st.execute("SET TIME ZONE 'UTC'");
                for (String table : SHOP_TABLES) {
                    try (ResultSet rs = st.executeQuery("SELECT count(*) || ':' || coalesce(md5(string_agg("
                            + columns.get(table) + ", ',' ORDER BY id)), '') FROM " + Sql.ident(table))) {
                        rs.next();
                        digests.put(table, rs.getString(1));
                    }
                }
            }
            return digests;
        }

        Map<String, Long> maxIds(PgServer server) throws SQLException {
            Map<String, Long> max = new LinkedHashMap<>();
            try (Connection conn = connect(server, database)) {
                for (String table : SHOP_TABLES) {
                    max.put(table, queryLong(conn, "SELECT coalesce(max(id), 0) FROM " + Sql.ident(table)));
                }
            }
            return max;
        }

        long originLong(String sql, Object... params) throws SQLException {
            return count(origin, sql, params);
        }

        long count(PgServer server, String sql, Object... params) throws SQLException {
            try (Connection conn = connect(server, database)) {
                return queryLong(conn, sql, params);
            }
        }

        private static long queryLong(Connection conn, String sql, Object... params) throws SQLException {
            try (PreparedStatement st = conn.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    if (params[i] instanceof List<?> list) {
                        st.setArray(i + 1, conn.createArrayOf("bigint", list.toArray()));
                    } else {
                        st.setObject(i + 1, params[i]);
                    }
                }
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        throw new SQLException("no row from: " + sql);
                    }
                    return rs.getLong(1);
                }
            }
        }

        private static Connection connect(PgServer server, String db) throws SQLException {
            return DriverManager.getConnection(server.jdbcUrl(db), server.superuser(), server.password());
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
