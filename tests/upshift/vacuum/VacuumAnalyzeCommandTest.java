package upshift.vacuum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.migration.MigrationNames;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;
import upshift.subscription.AutovacuumPause;
import upshift.testing.Run;

/** vacuum-analyze on a real 16 destination fed by a 13 origin. */
class VacuumAnalyzeCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<QualifiedName> TABLES = List.of(new QualifiedName("Billing", "Invoice"),
            new QualifiedName("public", "auth_user"), new QualifiedName("public", "shop_order"),
            new QualifiedName("public", "shop_orderline"), new QualifiedName("public", "shop_product"));
    private static final String PAUSED_COUNT = "SELECT count(*) FROM pg_class WHERE 'autovacuum_enabled=false'"
            + " = ANY (reloptions)";

    @ParameterizedTest(name = "vacuum-analyze 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void vacuumsEveryReplicatedTableAndResumesAutovacuum(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "vacuum_app", 200);
        MigrationNames names = new MigrationNames("vac");
        f.onDestination("ALTER TABLE auth_user ADD COLUMN legacy_flags text");
        f.onDestination("ALTER TABLE shop_product ADD COLUMN legacy_code text DEFAULT 'none'");
        f.onDestination("ALTER TABLE shop_product ADD COLUMN is_legacy boolean DEFAULT false");
        f.onOrigin("CREATE PUBLICATION " + Sql.ident(names.publication()) + " FOR TABLE auth_user, shop_product,"
                + " shop_order, shop_orderline, \"Billing\".\"Invoice\"");
        f.onDestination("CREATE SUBSCRIPTION " + Sql.ident(names.subscription()) + " CONNECTION "
                + Sql.literal(f.originConninfo()) + " PUBLICATION " + Sql.ident(names.publication())
                + " WITH (slot_name = " + Sql.literal(names.slot()) + ", disable_on_error = true)");
        try {
            // as create-subscription does: autovacuum paused on the tables, recorded on the subscription
            try (Connection d = f.destination(); Statement st = d.createStatement()) {
                for (String sql : AutovacuumPause.pauseStatements(d, names, TABLES)) {
                    st.execute(sql);
                }
            }
            assertEquals(5, f.destinationLong(PAUSED_COUNT));
            Run ready = f.run("Monitor", "--name", "vac", "--until", "ready", "--timeout", "2m", "--interval", "1s");
            assertEquals(ExitCode.OK, ready.exitCode(), ready.stdout() + ready.stderr());

            Run dry = f.run("VacuumAnalyze", "--name", "vac", "--dry-run");
            assertEquals(ExitCode.OK, dry.exitCode(), dry.stderr());
            assertTrue(dry.stdout().contains("SET statement_timeout = 0;"), dry.stdout());
            assertTrue(dry.stdout().contains("VACUUM (ANALYZE) \"Billing\".\"Invoice\";"), dry.stdout());
            assertTrue(dry.stdout().contains("VACUUM (ANALYZE) \"public\".\"shop_orderline\";"), dry.stdout());
            assertTrue(dry.stdout().contains("ALTER TABLE \"public\".\"shop_order\" RESET (autovacuum_enabled);"),
                    dry.stdout());
            assertEquals(5, f.destinationLong(PAUSED_COUNT), "--dry-run changed something");
            // the script runs unchanged in psql on destination, and does what the step does
            Run psql = upshift.testing.Psql.run(f.destinationServer(), f.database(), dry.stdout(), Map.of());
            assertEquals(0, psql.exitCode(), psql.stdout() + "\n--- script:\n" + dry.stdout());
            assertEquals(0, f.destinationLong(PAUSED_COUNT), "the dry-run script resumed autovacuum");
            try (Connection d = f.destination(); Statement st = d.createStatement()) {
                for (String sql : AutovacuumPause.pauseStatements(d, names, TABLES)) {
                    st.execute(sql);
                }
            }
            assertEquals(5, f.destinationLong(PAUSED_COUNT));

            Run run = f.run("VacuumAnalyze", "--name", "vac", "--json");
            assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
            JsonNode report = JSON.readTree(run.stdout());
            assertEquals("subscription", report.get("source").asText());
            assertEquals(5, report.get("tables").size());
            for (JsonNode t : report.get("tables")) {
                assertEquals("vacuumed", t.get("status").asText(), t.toString());
                assertTrue(t.get("seconds").isNumber(), t.toString());
            }
            assertEquals(0, report.get("failed").asInt());
            assertEquals(5, report.get("autovacuumResumed").size());
            assertTrue(run.stderr().contains("[3/5] public.shop_order ("), run.stderr());
            assertEquals(0, f.destinationLong(PAUSED_COUNT));
            try (Connection d = f.destination()) {
                assertTrue(AutovacuumPause.paused(d, names).isEmpty());
            }
            assertEquals(0, f.destinationLong("SELECT count(*) FROM pg_stat_user_tables WHERE relname IN"
                    + " ('auth_user', 'shop_product', 'shop_order', 'shop_orderline', 'Invoice')"
                    + " AND (last_vacuum IS NULL OR last_analyze IS NULL)"));

            Run again = f.run("VacuumAnalyze", "--name", "vac");
            assertEquals(ExitCode.OK, again.exitCode(), again.stderr());
            assertTrue(again.stdout().contains("autovacuum: nothing to switch back on"), again.stdout());
        } finally {
            f.onDestination("DROP SUBSCRIPTION IF EXISTS " + Sql.ident(names.subscription()));
        }
        assertEquals(0, f.originLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'vac_slot'"));

        // no subscription any more: the tables come from origin's publication; one the destination lacks fails
        // the step, after the others were vacuumed
        f.onOrigin("CREATE TABLE extra_audit (id int PRIMARY KEY)");
        f.onOrigin("ALTER PUBLICATION " + Sql.ident(names.publication()) + " ADD TABLE extra_audit");
        Run fallback = f.run("VacuumAnalyze", "--name", "vac", "--json");
        assertEquals(ExitCode.FAILED, fallback.exitCode(), fallback.stderr());
        JsonNode report = JSON.readTree(fallback.stdout());
        assertEquals("publication", report.get("source").asText());
        assertEquals(6, report.get("tables").size());
        assertEquals(1, report.get("failed").asInt());
        for (JsonNode t : report.get("tables")) {
            String expected = t.at("/table/name").asText().equals("extra_audit") ? "failed" : "vacuumed";
            assertEquals(expected, t.get("status").asText(), t.toString());
        }
        assertTrue(fallback.stderr().contains("public.extra_audit: FAILED: does not exist on destination"),
                fallback.stderr());
        assertTrue(fallback.stderr().contains("error: 1 of 6 tables were not vacuumed: public.extra_audit"),
                fallback.stderr());

        Run noSource = f.run("VacuumAnalyze", "--name", "vac", "--tables-from", "subscription");
        assertEquals(ExitCode.FAILED, noSource.exitCode());
        assertTrue(noSource.stderr().contains("pass --tables-from publication"), noSource.stderr());
    }
}
