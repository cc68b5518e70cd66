package upshift.preflight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.sample.SampleApp;
import upshift.testing.Run;

/** The preflight script against real 13 origin and 16 destination servers, in-process. */
class PreflightCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String LEGACY_COLUMNS_ON_DESTINATION = "ALTER TABLE auth_user ADD COLUMN legacy_flags text;"
            + " ALTER TABLE shop_product ADD COLUMN legacy_code text DEFAULT 'none';"
            + " ALTER TABLE shop_product ADD COLUMN is_legacy boolean DEFAULT false";

    @ParameterizedTest(name = "good fixture with the legacy columns: ready, exit 0 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void goodFixtureIsReady(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "preflight_good", 200);
        f.onDestination(LEGACY_COLUMNS_ON_DESTINATION);
        waitForStatistics(f, "django_migrations");

        Run run = preflight(f, "--json");
        JsonNode report = JSON.readTree(run.stdout());
        assertNoBlockingBeyondSharedCapacity(report, run);
        assertTrue(findings(report, "columns-missing").isEmpty(), run.stdout());
        // text -> varchar(n) columns whose data fits are warnings, with the longest value
        JsonNode username = finding(report, "value-length", "public.auth_user.username");
        assertEquals("warning", username.get("severity").asText());
        assertTrue(username.get("problem").asText().contains("every existing value fits"), username.toString());
        // int -> bigint is an info line per table
        assertTrue(findings(report, "type-change").stream().anyMatch(n -> n.get("subject").asText()
                .equals("public.shop_order") && n.get("problem").asText().contains("user_id integer → bigint")),
                run.stdout());
        // Billing.Invoice (mixed case) is compared like the others
        assertTrue(findings(report, "type-change").stream()
                .anyMatch(n -> n.get("subject").asText().equals("Billing.Invoice")), run.stdout());
        // django_migrations is excluded and written: expected, info only
        assertEquals("info", finding(report, "unpublished-writes", "public.django_migrations")
                .get("severity").asText());
        // origin 13 cannot send binary: the verdict says why
        assertFalse(report.at("/summary/binarySafe").asBoolean());
        assertTrue(finding(report, "binary", "subscription option binary").get("problem").asText()
                .contains("origin (PostgreSQL 13) cannot send binary"), run.stdout());
        assertTrue(finding(report, "sequences", null).get("problem").asText().contains("sequence"));
        assertEquals(5, report.get("tables").size(), report.get("tables").toString());
        assertCountsMatch(report);

        Run human = preflight(f);
        assertEquals(run.exitCode(), human.exitCode(), human.stderr());
        assertTrue(human.stdout().contains("upshift preflight"), human.stdout());
        assertTrue(human.stdout().contains("| severity |"), human.stdout());
        assertFalse(human.stdout().contains(f.originServer().password()), "password printed");
        if (run.exitCode() == ExitCode.OK) {
            assertTrue(human.stdout().contains("READY"), human.stdout());
        }
    }

    @ParameterizedTest(name = "good fixture without the legacy columns: missing-column warnings, exit 0 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void missingColumnsAreWarnings(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "preflight_missing", 50);

        Run run = preflight(f, "--json");
        JsonNode report = JSON.readTree(run.stdout());
        // the way back: is_legacy is NOT NULL without a database default on origin and the new model dropped it;
        // every row the new application inserts would stop rollback replication until it gets a default
        JsonNode legacy = finding(report, "rollback", "public.shop_product.is_legacy");
        assertEquals("blocking", legacy.get("severity").asText(), legacy.toString());
        assertTrue(legacy.get("fix").asText().contains("add-missing-columns --default public.shop_product.is_legacy="),
                legacy.toString());
        Run withoutRollback = preflight(f, "--json", "--no-rollback");
        assertNoBlockingBeyondSharedCapacity(JSON.readTree(withoutRollback.stdout()), withoutRollback);
        JsonNode user = finding(report, "columns-missing", "public.auth_user");
        assertEquals("warning", user.get("severity").asText());
        assertEquals("destination", user.get("side").asText());
        assertTrue(user.get("problem").asText().contains("legacy_flags"), user.toString());
        assertTrue(user.get("problem").asText().contains("add-missing-columns"), user.toString());
        // the fix is what add-missing-columns runs, statement for statement (one code for both)
        Run addDry = f.run("AddMissingColumns", "--dry-run");
        assertEquals(ExitCode.OK, addDry.exitCode(), addDry.stderr());
        for (JsonNode finding : List.of(user, finding(report, "columns-missing", "public.shop_product"))) {
            String fix = finding.get("fix").asText();
            String runs = "which runs on destination:\n";
            assertTrue(fix.contains(runs), fix);
            List<String> statements = fix.substring(fix.indexOf(runs) + runs.length()).lines().toList();
            assertFalse(statements.isEmpty(), fix);
            for (String statement : statements) {
                assertTrue(addDry.stdout().lines().anyMatch(statement::equals),
                        statement + " is not in add-missing-columns --dry-run:\n" + addDry.stdout());
            }
        }
        assertTrue(user.get("fix").asText().contains("ALTER TABLE \"public\".\"auth_user\" ADD COLUMN IF NOT EXISTS"
                + " \"legacy_flags\" text;"), user.toString());
        JsonNode product = finding(report, "columns-missing", "public.shop_product");
        assertTrue(product.get("problem").asText().contains("legacy_code"), product.toString());

        // --skip-data-checks: the length checks become "not checked" warnings with the query to run by hand
        Run skipped = preflight(f, "--json", "--skip-data-checks");
        JsonNode skippedReport = JSON.readTree(skipped.stdout());
        JsonNode username = finding(skippedReport, "value-length", "public.auth_user.username");
        assertEquals("warning", username.get("severity").asText());
        assertTrue(username.get("problem").asText().contains("not checked (--skip-data-checks)"), username.toString());
        assertTrue(username.get("fix").asText().contains("char_length(pg_catalog.rtrim((\"username\")"), username.toString());
    }

    @ParameterizedTest(name = "planted problems are each BLOCKING, exit 3 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void plantedProblemsBlock(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "preflight_bad", 50);
        f.onDestination(LEGACY_COLUMNS_ON_DESTINATION);
        // a table without primary key (on both sides, so only its identity is wrong)
        String auditLog = "CREATE TABLE audit_log (at timestamptz NOT NULL DEFAULT now(), what text)";
        f.onOrigin(auditLog + "; INSERT INTO audit_log (what) VALUES ('login')");
        f.onDestination(auditLog);
        // a username longer than the new model's varchar(150)
        f.onOrigin("INSERT INTO auth_user (username, email) VALUES (repeat('x', 151), 'long@example.com')");
        // a destination-only NOT NULL column without default
        f.onDestination("ALTER TABLE shop_order ADD COLUMN channel varchar(20) NOT NULL");
        // a large object, an unlogged table, and a table the app writes that another role owns
        f.onOrigin("SELECT lo_create(0)");
        f.onOrigin("CREATE UNLOGGED TABLE cache_entry (k text PRIMARY KEY, v text)");
        f.onOrigin("CREATE TABLE app_log (id serial PRIMARY KEY, msg text); INSERT INTO app_log (msg) VALUES ('x');"
                + " ALTER TABLE app_log OWNER TO " + SampleApp.FOREIGN_OWNER);
        waitForStatistics(f, "app_log");

        Run run = preflight(f, "--json");
        assertEquals(ExitCode.CHECK_FAILED, run.exitCode(), run.stderr());
        JsonNode report = JSON.readTree(run.stdout());
        assertFalse(report.at("/summary/ready").asBoolean());

        JsonNode identity = blocking(report, "replica-identity", "public.audit_log");
        assertEquals("origin", identity.get("side").asText());
        assertTrue(identity.get("problem").asText().contains("UPDATE/DELETE on the production origin fail"),
                identity.toString());
        assertTrue(identity.get("fix").asText().contains("ALTER TABLE \"public\".\"audit_log\" REPLICA IDENTITY FULL;"),
                identity.toString());

        JsonNode length = blocking(report, "value-length", "public.auth_user.username");
        assertTrue(length.get("problem").asText().contains("1 of 51 row(s)"), length.toString());
        assertTrue(length.get("problem").asText().contains("longest 151"), length.toString());
        assertTrue(length.get("fix").asText().contains("ALTER TABLE \"public\".\"auth_user\" ALTER COLUMN \"username\""
                + " TYPE character varying(151);"), length.toString());

        JsonNode notNull = blocking(report, "not-null-without-default", "public.shop_order.channel");
        assertEquals("destination", notNull.get("side").asText());
        assertTrue(notNull.get("fix").asText().contains(
                "ALTER TABLE \"public\".\"shop_order\" ALTER COLUMN \"channel\" DROP NOT NULL;"), notNull.toString());

        blocking(report, "large-objects", "pg_largeobject");
        assertEquals("warning", finding(report, "unlogged-table", "public.cache_entry").get("severity").asText());
        JsonNode writes = findings(report, "unpublished-writes").stream()
                .filter(n -> n.get("severity").asText().equals("warning")).findFirst()
                .orElseThrow(() -> new AssertionError("no unpublished-writes warning:\n" + run.stdout()));
        assertTrue(writes.get("problem").asText().contains("public.app_log (owned by " + SampleApp.FOREIGN_OWNER),
                writes.toString());
        assertCountsMatch(report);

        Run human = preflight(f);
        assertEquals(ExitCode.CHECK_FAILED, human.exitCode(), human.stderr());
        assertTrue(human.stdout().contains("NOT READY"), human.stdout());
        assertTrue(human.stdout().contains("ALTER TABLE \"public\".\"audit_log\" REPLICA IDENTITY FULL;"),
                human.stdout());
    }

    @ParameterizedTest(name = "origin with wal_level=replica and too few slots blocks, exit 3 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void originWithoutLogicalDecodingBlocks(PgProvider provider) throws Exception {
        String db = "preflight_replica";
        PgServer origin = provider.start(13, Map.of("wal_level", "replica", "max_replication_slots", "2"));
        try {
            origin.createDatabase(db);
            try (Connection c = DriverManager.getConnection(origin.jdbcUrl(db), origin.superuser(),
                    origin.password())) {
                SampleApp.createOldModel(c);
                SampleApp.loadData(c, 10);
            }
            PgServer destination = Providers.shared(provider, 16);
            destination.createDatabase(db);
            try (Connection c = DriverManager.getConnection(destination.jdbcUrl(db), destination.superuser(),
                    destination.password())) {
                SampleApp.createNewModel(c);
                c.createStatement().execute(LEGACY_COLUMNS_ON_DESTINATION);
            }

            Run run = Run.script("Preflight", "--json", "--name", db, "--origin", origin.uri(db),
                    "--destination", destination.uri(db), "--destination-conninfo", destination.peerConninfo(db));
            assertEquals(ExitCode.CHECK_FAILED, run.exitCode(), run.stderr());
            JsonNode report = JSON.readTree(run.stdout());
            JsonNode wal = blocking(report, "logical-replication", "wal_level");
            assertEquals("origin", wal.get("side").asText());
            assertTrue(wal.get("problem").asText().contains("wal_level = replica"), wal.toString());
            assertTrue(wal.get("fix").asText().contains("ALTER SYSTEM SET wal_level = 'logical';"), wal.toString());
            JsonNode slots = blocking(report, "capacity", "max_replication_slots");
            assertTrue(slots.get("problem").asText().contains("max_replication_slots = 2 with 0 in use leaves 2 free;"
                    + " the migration needs 3"), slots.toString());
            assertTrue(slots.get("fix").asText().contains("ALTER SYSTEM SET max_replication_slots = '3';"),
                    slots.toString());
        } finally {
            origin.close();
        }
    }

    @ParameterizedTest(name = "a role without rights is blocked, and the suggested grants are enough [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void missingRightsBlockAndTheFixesWork(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "preflight_rights", 20);
        f.onDestination(LEGACY_COLUMNS_ON_DESTINATION);
        String role = "preflight_app";
        String password = "app-" + Long.toHexString(System.nanoTime());
        String createRole = "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + role + "') THEN"
                + " CREATE ROLE " + role + " LOGIN; END IF; END $$; ALTER ROLE " + role + " PASSWORD '" + password
                + "'";
        f.onOrigin(createRole);
        f.onDestination(createRole);
        String owner = f.originServer().superuser();
        String[] args = {"--json", "--owner", owner,
            "--origin", url(f.originServer(), role, password, f.database()),
            "--destination", url(f.destinationServer(), role, password, f.database())};

        Run run = preflight(f, args);
        assertEquals(ExitCode.CHECK_FAILED, run.exitCode(), run.stderr());
        JsonNode report = JSON.readTree(run.stdout());
        List<JsonNode> rights = findings(report, "rights");
        List<String> problems = rights.stream().map(n -> n.get("side").asText() + ": " + n.get("problem").asText())
                .toList();
        assertEquals(5, rights.size(), String.join("\n", problems));
        assertTrue(rights.stream().allMatch(n -> n.get("severity").asText().equals("blocking")), run.stdout());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("origin: ") && p.contains("nor allowed to replicate")),
                String.join("\n", problems));
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("origin: ") && p.contains("does not own the tables")),
                String.join("\n", problems));
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("destination: ")
                && p.contains("pg_create_subscription")), String.join("\n", problems));
        // the role cannot read the tables: the data checks say so instead of failing
        assertTrue(finding(report, "value-length", "public.auth_user.username").get("problem").asText()
                .contains("not checked (permission denied)"), run.stdout());

        // run exactly the suggested fixes, each on its side: then the rights findings are gone
        for (JsonNode n : rights) {
            if (n.get("side").asText().equals("origin")) {
                f.onOrigin(n.get("fix").asText());
            } else {
                f.onDestination(n.get("fix").asText());
            }
        }
        Run again = preflight(f, args);
        JsonNode fixed = JSON.readTree(again.stdout());
        assertTrue(findings(fixed, "rights").isEmpty(), again.stdout());
        // on 13 only a superuser may create the rollback subscription on origin: the way back is blocked ...
        assertTrue(findings(fixed, "rollback").stream().anyMatch(n -> n.get("severity").asText().equals("blocking")
                && n.get("side").asText().equals("origin")
                && n.get("problem").asText().contains("only superusers (PostgreSQL 13) may run CREATE SUBSCRIPTION")),
                again.stdout());
        // ... and that is all that stands between this role and a switchover without one
        List<String> noRollback = new java.util.ArrayList<>(List.of(args));
        noRollback.add("--no-rollback");
        Run without = preflight(f, noRollback.toArray(String[]::new));
        fixed = JSON.readTree(without.stdout());
        assertNoBlockingBeyondSharedCapacity(fixed, without);
        assertEquals("warning", finding(fixed, "value-length", "public.auth_user.username").get("severity").asText());
        assertTrue(finding(fixed, "value-length", "public.auth_user.username").get("problem").asText()
                .contains("every existing value fits"), again.stdout());
    }

    /**
     * preflight as the fixture's operator runs it: --destination-conninfo says how origin's server reaches destination
     * for the way back's probe (containers reach each other by network alias, not by the host's mapped port).
     */
    private static Run preflight(ShopFixture f, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--destination-conninfo", f.destinationConninfo()));
        return f.run("Preflight", all.toArray(String[]::new));
    }

    private static String url(PgServer server, String user, String password, String database) {
        return "postgresql://" + user + ":" + password + "@" + server.host() + ":" + server.port() + "/" + database;
    }

    @ParameterizedTest(name = "re-run once replicating: objects in place, their rows and slot are not problems [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void rerunWhileReplicating(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "preflight_rerun", 20);
        f.onDestination(LEGACY_COLUMNS_ON_DESTINATION);
        String publication = f.names().publication();
        String subscription = f.names().subscription();
        f.onOrigin("CREATE PUBLICATION " + publication + " FOR TABLE auth_user, shop_product, shop_order,"
                + " shop_orderline, \"Billing\".\"Invoice\"");
        f.onDestination("CREATE SUBSCRIPTION " + subscription + " CONNECTION '" + f.originConninfo()
                + "' PUBLICATION " + publication + " WITH (slot_name = '" + f.names().slot() + "')");
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (f.destinationLong("SELECT count(*) FROM auth_user") == 0) {
                if (System.nanoTime() > deadline) {
                    fail("the subscription never copied auth_user");
                }
                Thread.sleep(200);
            }

            Run run = preflight(f, "--json");
            JsonNode report = JSON.readTree(run.stdout());
            assertNoBlockingBeyondSharedCapacity(report, run);
            assertEquals("origin", finding(report, "in-place", "publication " + publication).get("side").asText());
            assertEquals("origin", finding(report, "in-place", "replication slot " + f.names().slot())
                    .get("side").asText());
            assertEquals("destination", finding(report, "in-place", "subscription " + subscription)
                    .get("side").asText());
            assertTrue(findings(report, "destination-rows").isEmpty(), run.stdout());
        } finally {
            f.onDestination("DROP SUBSCRIPTION IF EXISTS " + subscription);
        }
        // without the subscription, the copied rows are a problem for the next initial copy
        Run after = preflight(f, "--json");
        JsonNode leftovers = finding(JSON.readTree(after.stdout()), "destination-rows", "public.auth_user");
        assertEquals("warning", leftovers.get("severity").asText());
        assertTrue(leftovers.get("fix").asText().startsWith("TRUNCATE \"public\".\"auth_user\";"), leftovers.toString());
    }

    @ParameterizedTest(name = "empty destination: restore the schema first, exit 0 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void emptyDestinationAsksForTheSchema(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.createWithEmptyDestination(provider, "preflight_empty", 20);

        Run run = preflight(f, "--json");
        JsonNode report = JSON.readTree(run.stdout());
        assertNoBlockingBeyondSharedCapacity(report, run);
        JsonNode schema = finding(report, "schema-not-restored", "database preflight_empty");
        assertEquals("warning", schema.get("severity").asText());
        assertTrue(schema.get("fix").asText().contains("restore-schema"), schema.toString());
        assertTrue(findings(report, "table-missing").isEmpty(), "per-table checks are skipped:\n" + run.stdout());
        assertTrue(findings(report, "columns-missing").isEmpty(), run.stdout());
    }

    @ParameterizedTest(name = "unknown --schema is a usage error naming it [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void unknownSchemaIsAUsageError(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "preflight_schema", 5);

        Run run = preflight(f, "--schema", "nope");
        assertEquals(ExitCode.USAGE, run.exitCode(), run.stderr());
        assertTrue(run.stderr().startsWith("error: schema \"nope\" does not exist on origin"), run.stderr());
        assertTrue(run.stderr().contains("hint: --schema takes the exact, case-sensitive name; origin has: Billing,"
                + " public"), run.stderr());
        assertEquals("", run.stdout());

        // the right spelling of the mixed-case schema works, and selects only its table
        Run billing = preflight(f, "--json", "--schema", "Billing");
        JsonNode report = JSON.readTree(billing.stdout());
        assertEquals("[{\"schema\":\"Billing\",\"name\":\"Invoice\"}]", report.get("tables").toString(),
                billing.stderr());
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /**
     * No blocking finding, except capacity ones caused by replication objects other tests left on the shared
     * servers (slots, enabled subscriptions); the exit code follows.
     */
    private static void assertNoBlockingBeyondSharedCapacity(JsonNode report, Run run) {
        List<JsonNode> blocking = new ArrayList<>();
        report.get("findings").forEach(n -> {
            if (n.get("severity").asText().equals("blocking")) {
                blocking.add(n);
            }
        });
        boolean sharedCapacity = false;
        for (JsonNode n : blocking) {
            String problem = n.get("problem").asText();
            if (n.get("check").asText().equals("capacity")
                    && (problem.contains(" in use leaves ") || problem.contains("other enabled subscription"))) {
                sharedCapacity = true; // other tests' objects on the shared servers, not this fixture
            } else {
                fail("unexpected blocking finding: " + n + "\n" + run.stdout());
            }
        }
        assertEquals(sharedCapacity ? ExitCode.CHECK_FAILED : ExitCode.OK, run.exitCode(), run.stderr());
    }

    private static void assertCountsMatch(JsonNode report) {
        int blocking = 0;
        int warnings = 0;
        int info = 0;
        for (JsonNode n : report.get("findings")) {
            switch (n.get("severity").asText()) {
                case "blocking" -> blocking++;
                case "warning" -> warnings++;
                default -> info++;
            }
        }
        assertEquals(blocking, report.at("/summary/blocking").asInt());
        assertEquals(warnings, report.at("/summary/warnings").asInt());
        assertEquals(info, report.at("/summary/info").asInt());
        assertEquals(blocking == 0, report.at("/summary/ready").asBoolean());
    }

    private static List<JsonNode> findings(JsonNode report, String check) {
        List<JsonNode> found = new ArrayList<>();
        report.get("findings").forEach(n -> {
            if (n.get("check").asText().equals(check)) {
                found.add(n);
            }
        });
        return found;
    }

    /** The finding of that check about that subject (any subject when null); fails when absent. */
    private static JsonNode finding(JsonNode report, String check, String subject) {
        return findings(report, check).stream()
                .filter(n -> subject == null || n.get("subject").asText().equals(subject))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + check + " finding for " + subject + " in:\n"
                        + report.toPrettyString()));
    }

    private static JsonNode blocking(JsonNode report, String check, String subject) {
        JsonNode n = finding(report, check, subject);
        assertEquals("blocking", n.get("severity").asText(), n.toString());
        return n;
    }

    /** The statistics collector (13) reports writes asynchronously: wait until the table's inserts show. */
    private static void waitForStatistics(ShopFixture f, String table) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        String sql = "SELECT coalesce(sum(n_tup_ins), 0) FROM pg_stat_user_tables WHERE relname = '" + table + "'";
        while (f.originLong(sql) == 0) {
            if (System.nanoTime() > deadline) {
                fail("the statistics never showed the inserts into " + table);
            }
            Thread.sleep(200);
        }
    }
}
