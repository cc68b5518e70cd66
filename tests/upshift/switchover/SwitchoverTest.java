package upshift.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.sample.SampleApp;
import upshift.sample.Workload;
import upshift.testing.Run;
import upshift.testing.Wait;

/**
 * Switchover under a live workload, 13 -> 16: the initial sync, switchover, the same workload against destination,
 * verify in both directions, no sequence collision, destination writes back on origin, then the clean-up steps.
 */
class SwitchoverTest {

    static final String APP_PASSWORD = CutoverTesting.APP_PASSWORD;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WORKLOAD_PRODUCTS = "SELECT count(*) FROM shop_product WHERE name = 'workload'";

    /** The fixture replicating 13 -> 16 with the application role on both sides, initial copy done. */
    static ShopFixture streaming(PgProvider provider, String database, int users) throws Exception {
        return streaming(provider, 16, database, users);
    }

    /** The same from origin 13 to that destination version. */
    static ShopFixture streaming(PgProvider provider, int destinationMajor, String database, int users)
            throws Exception {
        return CutoverTesting.streaming(provider, destinationMajor, database, users);
    }

    static Workload.Target onOrigin(ShopFixture f) {
        return new Workload.Target(f.originServer().jdbcUrl(f.database()), SampleApp.APP_ROLE, APP_PASSWORD);
    }

    static Workload.Target onDestination(ShopFixture f) {
        return new Workload.Target(f.destinationServer().jdbcUrl(f.database()), SampleApp.APP_ROLE, APP_PASSWORD);
    }

    static Run switchover(ShopFixture f, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("--yes", "--app-role", SampleApp.APP_ROLE,
                "--destination-conninfo", f.destinationConninfo()));
        args.addAll(List.of(extra));
        return f.run("Switchover", args.toArray(String[]::new));
    }

    @ParameterizedTest(name = "switchover under a live workload, writes flow back 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void switchoverUnderLoad(PgProvider provider) throws Exception {
        ShopFixture f = streaming(provider, "so_load", 100);
        long originMaxOrderBefore;
        Workload workload = new Workload(onOrigin(f), 200);
        try (workload) {
            Wait.until(Duration.ofSeconds(30), "the workload writes on origin", () -> workload.inserted() > 50);

            Run run = switchover(f, "--json"); // --verify checksum is the default
            assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
            JsonNode report = JSON.readTree(run.stdout());
            assertEquals("switched over", report.get("outcome").asText(), run.stdout());
            assertTrue(report.get("destinationReady").asBoolean());
            assertTrue(report.get("freezeWindowSeconds").asDouble() > 0);
            assertEquals(List.of("check", "pre-verify", "freeze", "drain", "sequences", "verify", "prepare-rollback",
                    "drop-forward", "rollback"),
                    phases(report));
            JsonNode verification = report.get("verification");
            assertEquals("checksum-delta", verification.get("mode").asText(), verification.toString());
            assertTrue(verification.get("exact").asBoolean());
            assertEquals(5, verification.get("preFreezeTables").asInt(), verification.toString());
            assertEquals(5, verification.get("reverifiedInFreeze").size() + verification.get("provenUnchanged").size(),
                    verification.toString());

            long writesBefore = workload.acknowledged();
            Wait.until(Duration.ofSeconds(10), "origin rejects the application's writes",
                    () -> workload.rejected() > 0);
            assertEquals(writesBefore, workload.acknowledged(), "no write acknowledged on a frozen origin");
            assertTrue(workload.lastError().contains("read-only"), workload.lastError());
            assertEquals(workload.expectedOrders(),
                    f.destinationLong("SELECT count(*) FROM shop_order WHERE status = 'workload'"),
                    "every acknowledged write before the freeze is on destination");
            assertEquals(workload.expectedProducts(), f.destinationLong(WORKLOAD_PRODUCTS));
            long productsOnOrigin = workload.productsInserted();
            originMaxOrderBefore = f.originLong("SELECT max(id) FROM shop_order");

            workload.retarget(onDestination(f));
            long rejectedAtSwitch = workload.rejected();
            Wait.until(Duration.ofSeconds(30), "the workload writes on destination",
                    () -> workload.inserted() > writesBefore + 100);
            assertFalse(String.valueOf(workload.lastError()).contains("duplicate key"), workload.lastError());
            assertTrue(workload.rejected() - rejectedAtSwitch <= 1, "destination takes the writes: "
                    + workload.lastError());
            assertEquals(SampleApp.Model.NEW, workload.model(), "the new application writes on destination");
            Wait.until(Duration.ofSeconds(30), "the new application adds products on destination",
                    () -> workload.productsInserted() > productsOnOrigin);
        }
        assertTrue(f.destinationLong("SELECT min(id) FROM shop_order WHERE id > " + originMaxOrderBefore
                + " AND status = 'workload'") > originMaxOrderBefore, "destination ids continue after origin's");
        Wait.until(Duration.ofSeconds(60), "rollback replication brought destination's writes to origin",
                () -> f.run("Verify", "--checksum").exitCode() == ExitCode.OK);
        Run verify = f.run("Verify", "--checksum", "--json");
        assertEquals(ExitCode.OK, verify.exitCode(), verify.stdout());
        assertEquals(f.destinationLong("SELECT count(*) FROM shop_order WHERE status = 'workload'"),
                f.originLong("SELECT count(*) FROM shop_order WHERE status = 'workload'"));
        // products the new application added without is_legacy reached origin's NOT NULL column with the default
        assertEquals(workload.expectedProducts(), f.originLong(WORKLOAD_PRODUCTS + " AND NOT is_legacy"));

        Run status = f.run("Status", "--json");
        assertTrue(JSON.readTree(status.stdout()).get("phase").asText().startsWith("switched over"), status.stdout());

        ok(f.run("Cleanup", "--rollback", "--yes"));
        ok(f.run("DropAddedColumns", "--yes"));
        ok(f.run("Cleanup", "--forward", "--yes"));
        assertEquals(0, f.destinationLong("SELECT count(*) FROM information_schema.columns"
                + " WHERE table_name IN ('auth_user', 'shop_product')"
                + " AND column_name IN ('legacy_flags', 'legacy_code', 'is_legacy')"), "added columns dropped");
        assertEquals(SampleApp.LEGACY_COLUMNS.size(), f.destinationLong("SELECT count(*)"
                + " FROM information_schema.tables WHERE table_name LIKE '\\_\\_upshift\\_backup\\_\\_%'"),
                "with their backups");
        assertEquals(0, f.originLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'so\\_load%'"));
        assertEquals(0,
                f.destinationLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'so\\_load%'"));
        String finished = JSON.readTree(f.run("Status", "--json").stdout()).get("phase").asText();
        assertTrue(finished.startsWith("nothing"), finished);
        assertTrue(finished.contains("origin, the old primary, still rejects writes (5 table(s)"), finished);
    }

    @ParameterizedTest(name = "interrupted after each phase, re-running completes with no lost write [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void resumesAfterEachPhase(PgProvider provider) throws Exception {
        for (String phase : List.of("freeze", "drain", "sequences", "verify", "prepare-rollback", "drop-forward")) {
            ShopFixture f = streaming(provider, "so_resume_" + phase.replace('-', '_'), 20);
            long expected;
            try (Workload workload = new Workload(onOrigin(f), 100)) {
                Wait.until(Duration.ofSeconds(30), "the workload writes", () -> workload.inserted() > 20);
                Run stopped = switchover(f, "--stop-after", phase, "--json");
                assertEquals(ExitCode.OK, stopped.exitCode(), stopped.stderr());
                assertEquals("stopped after " + phase, JSON.readTree(stopped.stdout()).get("outcome").asText());
                Run resumed = switchover(f, "--json");
                assertEquals(ExitCode.OK, resumed.exitCode(), phase + ": " + resumed.stderr());
                JsonNode report = JSON.readTree(resumed.stdout());
                assertEquals("switched over", report.get("outcome").asText(), phase);
                if (!phase.equals("drop-forward")) {
                    // writes already frozen: the pre-check has nothing to gain, every table is checksummed
                    JsonNode verification = report.path("verification");
                    assertEquals("checksum-full", verification.path("mode").asText(), phase + ": " + report);
                    assertTrue(verification.path("fallbackReason").asText().startsWith("resumed with writes frozen"),
                            phase + ": " + report + "\nstopped run: " + stopped.stdout() + "\nstderr: "
                                    + resumed.stderr());
                    assertEquals(5, verification.get("reverifiedInFreeze").size(), phase + ": " + verification);
                }
                expected = workload.expectedOrders();
            }
            assertEquals(expected, f.destinationLong("SELECT count(*) FROM shop_order WHERE status = 'workload'"),
                    "after a stop at " + phase + ", every acknowledged write is on destination");
            Run again = switchover(f, "--json");
            assertEquals("already complete", JSON.readTree(again.stdout()).get("outcome").asText(), phase);
        }
    }

    @ParameterizedTest(name = "--abort unfreezes origin and leaves replication running [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void abortUnfreezes(PgProvider provider) throws Exception {
        ShopFixture f = streaming(provider, "so_abort", 20);
        Run stopped = switchover(f, "--stop-after", "verify");
        assertEquals(ExitCode.OK, stopped.exitCode(), stopped.stderr());
        assertTrue(writeFailsAsApp(f), "frozen: the application cannot write on origin");

        Run abort = f.run("Switchover", "--abort", "--yes");
        assertEquals(ExitCode.OK, abort.exitCode(), abort.stderr());
        assertFalse(writeFailsAsApp(f), "unfrozen: the application writes on origin again");
        Wait.until(Duration.ofSeconds(30), "the forward subscription still replicates",
                () -> f.destinationLong("SELECT count(*) FROM auth_user WHERE username = 'after-abort'") == 1);

        ok(switchover(f));
        Run late = f.run("Switchover", "--abort", "--yes");
        assertEquals(ExitCode.CHECK_FAILED, late.exitCode(), late.stderr());
        assertTrue(late.stderr().contains("already dropped"), late.stderr());
    }

    @ParameterizedTest(name = "a re-run starts a rollback subscription a crash left disabled [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void rerunEnablesRollback(PgProvider provider) throws Exception {
        ShopFixture f = streaming(provider, "so_rollback_off", 10);
        ok(switchover(f));
        f.onOrigin("ALTER SUBSCRIPTION " + f.names().rollbackSubscription() + " DISABLE");
        Run again = switchover(f, "--json");
        assertEquals(ExitCode.OK, again.exitCode(), again.stderr());
        assertEquals("switched over", JSON.readTree(again.stdout()).get("outcome").asText());
        assertEquals(1, f.originLong("SELECT count(*) FROM pg_subscription WHERE subenabled AND subname = '"
                + f.names().rollbackSubscription() + "'"));
    }

    @ParameterizedTest(name = "refuses a disabled forward subscription before freezing [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void refusesDisabledSubscription(PgProvider provider) throws Exception {
        ShopFixture f = streaming(provider, "so_disabled", 10);
        f.onDestination("ALTER SUBSCRIPTION " + f.names().subscription() + " DISABLE");
        Run refused = switchover(f);
        assertEquals(ExitCode.CHECK_FAILED, refused.exitCode(), refused.stderr());
        assertTrue(refused.stderr().contains("disabled"), refused.stderr());
        assertFalse(writeFailsAsApp(f), "nothing frozen when the check fails");
    }

    @ParameterizedTest(name = "a drain that times out unfreezes origin [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void drainTimeoutUnfreezes(PgProvider provider) throws Exception {
        ShopFixture f = streaming(provider, "so_timeout", 10);
        try (Connection blocker = f.destination(); Statement st = blocker.createStatement()) {
            blocker.setAutoCommit(false);
            // SHARE blocks the apply worker's inserts, not the readers (the rollback checks count rows)
            st.execute("LOCK TABLE shop_order IN SHARE MODE");
            f.onOrigin("INSERT INTO shop_order (user_id, status) VALUES (1, 'stuck')");
            Run timedOut = switchover(f, "--timeout", "3s");
            assertEquals(ExitCode.CHECK_FAILED, timedOut.exitCode(), timedOut.stderr());
            assertTrue(timedOut.stderr().contains("did not apply"), timedOut.stderr());
            assertFalse(writeFailsAsApp(f), "unfrozen after the timeout");
            blocker.rollback();
        }
        Wait.until(Duration.ofSeconds(30), "the stuck write arrives once the lock is gone",
                () -> f.destinationLong("SELECT count(*) FROM shop_order WHERE status = 'stuck'") == 1);
    }

    @ParameterizedTest(name = "status names a paused switchover from its record, even with --freeze none [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void statusNamesAPausedSwitchover(PgProvider provider) throws Exception {
        ShopFixture f = streaming(provider, "so_paused", 10);
        ok(switchover(f, "--freeze", "none", "--stop-after", "drain"));
        String paused = JSON.readTree(f.run("Status", "--json").stdout()).get("phase").asText();
        assertTrue(paused.startsWith("switchover in progress: switchover drained (freeze none since "), paused);
        assertTrue(paused.contains("re-run switchover to finish, or switchover --abort"), paused);
        ok(f.run("Switchover", "--abort", "--yes"));
        String after = JSON.readTree(f.run("Status", "--json").stdout()).get("phase").asText();
        assertTrue(after.startsWith("streaming"), after);
    }

    @ParameterizedTest(name = "--dry-run plans in the future tense, one script per server, changes nothing [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void dryRunPlans(PgProvider provider) throws Exception {
        ShopFixture f = streaming(provider, "so_dry", 10);
        Run plan = switchover(f, "--dry-run");
        assertEquals(ExitCode.OK, plan.exitCode(), plan.stderr());
        String out = plan.stdout();
        int originScript = out.indexOf("-- ======== origin");
        int destinationScript = out.indexOf("-- ======== destination");
        assertTrue(originScript >= 0 && destinationScript > originScript, out);
        // without --on: two scripts for reading, never one script; psql given all of it stops at the \quit
        assertTrue(out.indexOf("\n\\quit\n") > 0 && out.indexOf("\n\\quit\n") < originScript, out);
        Run whole = upshift.testing.Psql.run(f.destinationServer(), f.database(), out, Map.of());
        assertEquals(0, whole.exitCode(), whole.stdout());
        assertTrue(whole.stdout().contains("two scripts for two servers, not run"), whole.stdout());
        String origin = out.substring(originScript, destinationScript);
        String destination = out.substring(destinationScript);
        assertTrue(origin.contains("CREATE TRIGGER") && origin.contains("CREATE SUBSCRIPTION"), origin);
        assertFalse(origin.contains("ALTER SUBSCRIPTION \"so_dry_sub\"") || origin.contains("CREATE PUBLICATION"),
                origin);
        assertTrue(destination.contains("ALTER SUBSCRIPTION \"so_dry_sub\" DISABLE")
                && destination.contains("CREATE PUBLICATION") && destination.contains("DROP SUBSCRIPTION"),
                destination);
        assertFalse(destination.contains("CREATE TRIGGER"), destination);
        for (String script : List.of(origin, destination)) {
            assertTrue(script.contains("pg_create_logical_replication_slot(")
                    && script.contains("'test_decoding', true)") && script.contains("pg_logical_slot_get_changes("),
                    "the verification's slot: " + script);
        }
        assertTrue(plan.stderr().contains("planned") || plan.stderr().contains("would"), plan.stderr());

        Run only = switchover(f, "--dry-run", "--on", "destination");
        assertEquals(ExitCode.OK, only.exitCode(), only.stderr());
        assertFalse(only.stdout().contains("-- psql script for origin"), only.stdout());
        assertTrue(only.stdout().startsWith("-- psql script for destination"), only.stdout());
        // on the wrong server the script stops at its first lines: nothing of it runs on origin
        Run wrong = upshift.testing.Psql.run(f.originServer(), f.database(), only.stdout(), Map.of());
        assertEquals(0, wrong.exitCode(), wrong.stdout());
        assertTrue(wrong.stdout().contains("this script is for destination"), wrong.stdout());

        assertFalse(writeFailsAsApp(f), "a dry run freezes nothing");
        assertEquals(1, f.destinationLong("SELECT count(*) FROM pg_subscription WHERE subenabled AND subname = '"
                + f.names().subscription() + "'"), "and leaves the forward subscription running");
    }

    private static boolean writeFailsAsApp(ShopFixture f) {
        try (Connection c = DriverManager.getConnection(f.originServer().jdbcUrl(f.database()), SampleApp.APP_ROLE,
                APP_PASSWORD); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO auth_user (username, email) VALUES ('after-abort', 'a@b.c')"
                    + " ON CONFLICT (username) DO NOTHING");
            return false;
        } catch (SQLException e) {
            return e.getMessage().contains("read-only");
        }
    }

    private static List<String> phases(JsonNode report) {
        List<String> names = new java.util.ArrayList<>();
        report.get("phases").forEach(p -> names.add(p.get("phase").asText()));
        return names;
    }

    private static void ok(Run run) {
        assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
    }
}
