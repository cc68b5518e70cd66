package upshift.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
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
import upshift.harness.PgServer;
import upshift.sample.SampleApp;
import upshift.sample.Workload;
import upshift.testing.Run;
import upshift.testing.Wait;

/**
 * The way back as one step: switchover under a live workload, the workload moved to destination, switchback, the
 * workload moved back to origin. Nothing acknowledged is lost, no id collides, and the side left behind is frozen.
 */
class SwitchbackTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "switchover, writes on destination, switchback: nothing lost, no collision, 13 -> 16"
            + " and 13 -> 17 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void roundTrip(PgProvider provider) throws Exception {
        for (int destination : List.of(16, 17)) {
            roundTrip(provider, destination);
        }
    }

    private void roundTrip(PgProvider provider, int destinationMajor) throws Exception {
        String database = "sb_round_" + destinationMajor;
        ShopFixture f = SwitchoverTest.streaming(provider, destinationMajor, database, 50);
        long onDestinationBefore;
        long destinationMaxId;
        Workload workload = new Workload(SwitchoverTest.onOrigin(f), 100);
        try (workload) {
            Wait.until(Duration.ofSeconds(30), "the workload writes on origin", () -> workload.inserted() > 30);
            ok(SwitchoverTest.switchover(f));
            workload.retarget(SwitchoverTest.onDestination(f));
            long before = workload.inserted();
            Wait.until(Duration.ofSeconds(30), "the workload writes on destination",
                    () -> workload.inserted() > before + 50);

            if (destinationMajor == 16) {
                dryRunScriptsStopOnTheWrongServer(f);
            }
            Run back = f.run("Switchback", "--yes", "--json"); // --verify checksum is the default
            assertEquals(ExitCode.OK, back.exitCode(), back.stderr());
            JsonNode report = JSON.readTree(back.stdout());
            assertEquals("switched back", report.get("outcome").asText(), back.stdout());
            assertTrue(report.get("originReady").asBoolean(), back.stdout());
            assertTrue(report.get("freezeWindowSeconds").asDouble() > 0, back.stdout());
            assertEquals(List.of("check", "pre-verify", "freeze", "drain", "sequences", "verify", "prepare-forward",
                    "drop-rollback", "forward"), phases(report));
            JsonNode verification = report.get("verification");
            assertEquals("checksum-delta", verification.get("mode").asText(), verification.toString());
            assertTrue(verification.get("exact").asBoolean());
            assertEquals(verification.get("tables").asInt(), verification.get("reverifiedInFreeze").size()
                    + verification.get("provenUnchanged").size(), verification.toString());
            assertTrue(verification.get("slots").toString().contains("_verify_"), verification.toString());

            long rejectedBefore = workload.rejected();
            Wait.until(Duration.ofSeconds(10), "destination rejects the application's writes now",
                    () -> workload.rejected() > rejectedBefore);
            onDestinationBefore = workload.acknowledged();
            assertTrue(workload.lastError().contains("frozen"), workload.lastError());
            destinationMaxId = f.destinationLong("SELECT max(id) FROM shop_order");

            workload.retarget(SwitchoverTest.onOrigin(f));
            long back0 = workload.inserted();
            Wait.until(Duration.ofSeconds(30), "the workload writes on origin again",
                    () -> workload.inserted() > back0 + 50);
            assertFalse(String.valueOf(workload.lastError()).contains("duplicate key"), workload.lastError());
        }
        assertTrue(workload.acknowledged() > onDestinationBefore, "origin took writes after switchback");
        assertEquals(workload.expectedOrders(),
                f.originLong("SELECT count(*) FROM shop_order WHERE status = 'workload'"),
                "every acknowledged write, before, during and after the switchover, is on origin");
        assertTrue(f.originLong("SELECT min(id) FROM shop_order WHERE id > " + destinationMaxId) > destinationMaxId,
                "origin's ids continue after destination's");

        assertEquals(0, f.originLong("SELECT count(*) FROM pg_subscription WHERE subname = '"
                + f.names().rollbackSubscription() + "'"), "the rollback subscription is gone");
        assertEquals(0, f.destinationLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                + f.names().rollbackSlot() + "'"), "and its slot");
        assertEquals(0, f.originLong("SELECT count(*) FROM pg_trigger WHERE tgname LIKE '"
                + database.replace("_", "\\_") + "\\_freeze%'"), "origin's freeze is lifted");
        assertTrue(writeFails(f.destinationServer(), f), "destination, left behind, stays frozen");

        Run again = f.run("Switchback", "--yes", "--json");
        assertEquals(ExitCode.OK, again.exitCode(), again.stderr());
        assertEquals("already complete", JSON.readTree(again.stdout()).get("outcome").asText());
        Run forward = SwitchoverTest.switchover(f);
        assertEquals(ExitCode.CHECK_FAILED, forward.exitCode(), forward.stderr());
        assertTrue(forward.stderr().contains("Nothing to switchover"), forward.stderr());
    }

    /**
     * switchback --dry-run: without --on, two scripts for reading behind a \\quit; with --on, one server's script,
     * which stops at its first lines on the other server. psql runs each, and nothing changes.
     */
    private static void dryRunScriptsStopOnTheWrongServer(ShopFixture f) throws Exception {
        Run plan = f.run("Switchback", "--dry-run");
        assertEquals(ExitCode.OK, plan.exitCode(), plan.stderr());
        assertTrue(plan.stdout().contains("-- ======== origin") && plan.stdout().contains("-- ======== destination"),
                plan.stdout());
        Run whole = upshift.testing.Psql.run(f.destinationServer(), f.database(), plan.stdout(), java.util.Map.of());
        assertEquals(0, whole.exitCode(), whole.stdout());
        assertTrue(whole.stdout().contains("two scripts for two servers, not run"), whole.stdout());
        for (String on : List.of("origin", "destination")) {
            Run only = f.run("Switchback", "--dry-run", "--on", on);
            assertEquals(ExitCode.OK, only.exitCode(), only.stderr());
            assertTrue(only.stdout().startsWith("-- psql script for " + on), only.stdout());
            var wrong = on.equals("origin") ? f.destinationServer() : f.originServer();
            Run stopped = upshift.testing.Psql.run(wrong, f.database(), only.stdout(), java.util.Map.of());
            assertEquals(0, stopped.exitCode(), stopped.stdout());
            assertTrue(stopped.stdout().contains("this script is for " + on), stopped.stdout());
        }
        assertEquals(1, f.originLong("SELECT count(*) FROM pg_subscription WHERE subenabled AND subname = '"
                + f.names().rollbackSubscription() + "'"), "the dry-runs left the rollback subscription running");
    }

    @ParameterizedTest(name = "switchback --restart-forward: destination follows origin, a second switchover works [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void secondAttempt(PgProvider provider) throws Exception {
        ShopFixture f = SwitchoverTest.streaming(provider, "sb_again", 20);
        ok(SwitchoverTest.switchover(f));
        asApp(f.destinationServer(), f, "INSERT INTO shop_order (user_id, status) VALUES (1, 'on-destination')");
        Wait.until(Duration.ofSeconds(30), "rollback replication carries it to origin",
                () -> f.originLong("SELECT count(*) FROM shop_order WHERE status = 'on-destination'") == 1);

        Run back = f.run("Switchback", "--yes", "--json", "--restart-forward", "--origin-conninfo",
                f.originConninfo());
        assertEquals(ExitCode.OK, back.exitCode(), back.stderr());
        JsonNode report = JSON.readTree(back.stdout());
        assertTrue(report.get("reverseStreaming").asBoolean(), back.stdout());

        asApp(f.originServer(), f, "INSERT INTO shop_order (user_id, status) VALUES (1, 'second-attempt')");
        Wait.until(Duration.ofSeconds(30), "forward replication runs again",
                () -> f.destinationLong("SELECT count(*) FROM shop_order WHERE status = 'second-attempt'") == 1);
        assertEquals(1, f.destinationLong("SELECT count(*) FROM shop_order WHERE status = 'on-destination'"),
                "no row replicated twice");
        assertTrue(writeFails(f.destinationServer(), f), "destination stays frozen while it follows origin");

        Run second = SwitchoverTest.switchover(f, "--json", "--verify", "checksum");
        assertEquals(ExitCode.OK, second.exitCode(), second.stderr());
        assertEquals("switched over", JSON.readTree(second.stdout()).get("outcome").asText());
        assertFalse(writeFails(f.destinationServer(), f), "the second switchover opened destination");
        assertTrue(writeFails(f.originServer(), f), "and froze origin");
    }

    static boolean writeFails(PgServer server, ShopFixture f) {
        try {
            asApp(server, f, "INSERT INTO shop_order (user_id, status) VALUES (1, 'probe')");
            return false;
        } catch (SQLException e) {
            assertTrue(e.getMessage().contains("frozen"), e.getMessage());
            return true;
        }
    }

    static void asApp(PgServer server, ShopFixture f, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(server.jdbcUrl(f.database()), SampleApp.APP_ROLE,
                SwitchoverTest.APP_PASSWORD); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static List<String> phases(JsonNode report) {
        List<String> names = new ArrayList<>();
        report.get("phases").forEach(p -> names.add(p.get("phase").asText()));
        return names;
    }

    private static void ok(Run run) {
        assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
    }
}
