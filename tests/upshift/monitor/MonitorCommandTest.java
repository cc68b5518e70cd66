package upshift.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
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
import upshift.migration.MigrationNames;
import upshift.sql.Sql;
import upshift.testing.Run;
import upshift.testing.Wait;

/**
 * monitor against a real 13 origin and 16 destination: a healthy initial copy waited for (ready, caught up), a
 * schema drift that disable_on_error stops (diagnosed, then fixed as the diagnosis says), a wait that times out.
 * The publication and subscription are made with plain SQL here, independent of the create-* scripts.
 */
class MonitorCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The replicated tables of the shop (django_migrations and spatial_ref_sys are not replicated). */
    static final String TABLES = "auth_user, shop_product, shop_order, shop_orderline, \"Billing\".\"Invoice\"";

    /** What add-missing-columns does for the sample model. */
    static void addLegacyColumns(ShopFixture f) throws Exception {
        f.onDestination("ALTER TABLE auth_user ADD COLUMN legacy_flags text");
        f.onDestination("ALTER TABLE shop_product ADD COLUMN legacy_code text DEFAULT 'none'");
        f.onDestination("ALTER TABLE shop_product ADD COLUMN is_legacy boolean DEFAULT false");
    }

    static void createReplication(ShopFixture f, MigrationNames names, boolean disableOnError) throws Exception {
        f.onOrigin("CREATE PUBLICATION " + Sql.ident(names.publication()) + " FOR TABLE " + TABLES);
        f.onDestination("CREATE SUBSCRIPTION " + Sql.ident(names.subscription())
                + " CONNECTION " + Sql.literal(f.originConninfo())
                + " PUBLICATION " + Sql.ident(names.publication())
                + " WITH (slot_name = " + Sql.literal(names.slot()) + ", disable_on_error = " + disableOnError + ")");
    }

    /** DROP SUBSCRIPTION also drops its slot on origin: no test leaves an active slot behind. */
    static void dropReplication(ShopFixture f, MigrationNames names) throws Exception {
        f.onDestination("DROP SUBSCRIPTION IF EXISTS " + Sql.ident(names.subscription()));
        assertEquals(0, f.originLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name = "
                + Sql.literal(names.slot())), "slot left on origin");
    }

    private static String[] args(MigrationNames names, String... more) {
        List<String> all = new ArrayList<>(List.of("--name", names.name()));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @ParameterizedTest(name = "monitor waits for ready and caught-up 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void waitsForTheInitialCopyAndTheLag(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "monitor_ready", 200);
        MigrationNames names = new MigrationNames("mon_ready");
        addLegacyColumns(f);
        createReplication(f, names, true);
        try {
            Run ready = f.run("Monitor", args(names, "--until", "ready", "--timeout", "2m", "--interval", "1s"));
            assertEquals(ExitCode.OK, ready.exitCode(), ready.stdout() + ready.stderr());
            assertTrue(ready.stdout().contains("ready: yes (5/5 tables)"), ready.stdout());
            assertTrue(ready.stderr().contains("ready after"), ready.stderr());

            Run snapshot = f.run("Monitor", args(names, "--json"));
            assertEquals(ExitCode.OK, snapshot.exitCode(), snapshot.stderr());
            JsonNode s = JSON.readTree(snapshot.stdout());
            assertEquals(5, s.get("tables").size(), s.toString());
            for (JsonNode t : s.get("tables")) {
                assertEquals("r", t.get("state").asText(), t.toString());
                assertEquals("ready", t.get("stateName").asText());
            }
            assertEquals(5, s.at("/states/ready").asInt());
            assertTrue(s.get("ready").asBoolean());
            assertTrue(s.at("/subscription/enabled").asBoolean());
            assertEquals(0, s.at("/subscription/applyErrorCount").asLong());
            assertEquals(0, s.at("/subscription/syncErrorCount").asLong());
            assertEquals("mon_ready_slot", s.get("slotName").asText());
            assertTrue(s.at("/slot/lagBytes").isNumber(), s.toString());
            assertTrue(s.get("diagnosis").isNull(), s.toString());

            f.onOrigin("INSERT INTO shop_product (sku, name, price, is_legacy)"
                    + " VALUES ('SKU-NEW', 'New', 1.00, false)");
            Run caughtUp = f.run("Monitor", args(names, "--until", "caught-up", "--timeout", "2m", "--interval",
                    "1s"));
            assertEquals(ExitCode.OK, caughtUp.exitCode(), caughtUp.stdout() + caughtUp.stderr());
            assertTrue(java.util.regex.Pattern.compile("caught up: yes \\(slot lag [0-9.]+ (bytes|kB) ≤ --max-lag"
                    + " 1\\.0 MB\\)").matcher(caughtUp.stdout()).find(), caughtUp.stdout());

            Run watch = f.run("Monitor", args(names, "--watch", "--json", "--interval", "1s", "--timeout", "2s"));
            assertEquals(ExitCode.OK, watch.exitCode(), watch.stderr());
            String[] lines = watch.stdout().strip().split("\n");
            assertTrue(lines.length >= 2, watch.stdout());
            for (String line : lines) {
                assertTrue(JSON.readTree(line).get("ready").asBoolean(), line);
            }

            Run human = f.run("Monitor", args(names));
            assertEquals(ExitCode.OK, human.exitCode(), human.stderr());
            assertTrue(human.stdout().contains("subscription mon_ready_sub on destination: enabled"), human.stdout());
            assertTrue(human.stdout().contains("slot mon_ready_slot on origin: active"), human.stdout());
            // one look: the lag is within the limit, and the line says so and what one look cannot tell
            assertTrue(java.util.regex.Pattern.compile("caught up: no \\(slot lag [0-9.]+ (bytes|kB) ≤ --max-lag"
                    + " 1\\.0 MB, but the apply worker \\(pid \\d+\\) has been seen in 1 poll")
                    .matcher(human.stdout()).find(), human.stdout());
            // now() - latest_end_time is when the worker last reported, named so
            assertFalse(human.stdout().contains("apply lag"), human.stdout());
            assertTrue(human.stdout().contains(" ago), last message "), human.stdout());
            assertFalse(human.stdout().contains(f.originServer().password()), "password printed");
        } finally {
            dropReplication(f, names);
        }

        // the rollback direction: destination publishes, origin (13: no error counters, no copy progress) subscribes
        f.onDestination("CREATE PUBLICATION " + Sql.ident(names.rollbackPublication()) + " FOR TABLE " + TABLES);
        f.onOrigin("CREATE SUBSCRIPTION " + Sql.ident(names.rollbackSubscription())
                + " CONNECTION " + Sql.literal(f.destinationConninfo())
                + " PUBLICATION " + Sql.ident(names.rollbackPublication())
                + " WITH (slot_name = " + Sql.literal(names.rollbackSlot()) + ", copy_data = false)");
        try {
            Run rollback = f.run("Monitor", args(names, "--rollback", "--until", "caught-up", "--timeout", "2m",
                    "--interval", "1s"));
            assertEquals(ExitCode.OK, rollback.exitCode(), rollback.stdout() + rollback.stderr());
            JsonNode s = JSON.readTree(f.run("Monitor", args(names, "--rollback", "--json")).stdout());
            assertEquals("rollback", s.get("direction").asText());
            assertEquals("origin", s.get("subscriber").asText());
            assertEquals("destination", s.get("publisher").asText());
            assertEquals("mon_ready_rollback_slot", s.get("slotName").asText());
            assertEquals(5, s.at("/states/ready").asInt(), s.toString());
            assertFalse(s.get("copyProgressAvailable").asBoolean());
            assertTrue(s.at("/subscription/applyErrorCount").isNull(), s.toString());
            assertTrue(s.at("/subscription/disableOnError").isNull(), s.toString());
        } finally {
            f.onOrigin("DROP SUBSCRIPTION IF EXISTS " + Sql.ident(names.rollbackSubscription()));
        }
        assertEquals(0, f.destinationLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name = "
                + Sql.literal(names.rollbackSlot())), "rollback slot left on destination");
    }

    @ParameterizedTest(name = "monitor diagnoses a subscription disabled by a missing column [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void aDisabledSubscriptionIsExplainedAndTheWaitStopsAtOnce(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "monitor_drift", 200);
        MigrationNames names = new MigrationNames("mon_drift");
        createReplication(f, names, true); // legacy columns NOT added: the table sync fails, disable_on_error stops it
        try {
            long start = System.nanoTime();
            Run run = f.run("Monitor", args(names, "--until", "ready", "--timeout", "2m", "--interval", "1s"));
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("[monitor drift %s] the 16 subscriber was disabled and monitor exited %d after %.1f s%n",
                    provider.name(), run.exitCode(), seconds);
            String all = run.stdout() + run.stderr();
            assertEquals(ExitCode.CHECK_FAILED, run.exitCode(), all);
            assertTrue(all.contains("is disabled"), all);
            assertTrue(all.contains("public.shop_product is missing replicated column legacy_code"
                    + " → run add-missing-columns, then enable-subscription"), all);
            assertTrue(all.contains("public.auth_user is missing replicated column legacy_flags"), all);
            assertTrue(run.stderr().contains("hint: run add-missing-columns, then enable-subscription"),
                    run.stderr());
            assertFalse(all.contains("timed out"), all);

            Run json = f.run("Monitor", args(names, "--json"));
            assertEquals(ExitCode.CHECK_FAILED, json.exitCode(), json.stderr());
            JsonNode s = JSON.readTree(json.stdout());
            assertFalse(s.at("/subscription/enabled").asBoolean());
            assertTrue(s.at("/diagnosis/blocking").asBoolean());
            assertEquals("cause", s.at("/diagnosis/findings/0/kind").asText());

            // the fix the diagnosis names: add the columns, enable the subscription; the copy then completes
            addLegacyColumns(f);
            f.onDestination("ALTER SUBSCRIPTION " + Sql.ident(names.subscription()) + " ENABLE");
            Run fixed = f.run("Monitor", args(names, "--until", "ready", "--timeout", "2m", "--interval", "1s"));
            assertEquals(ExitCode.OK, fixed.exitCode(), fixed.stdout() + fixed.stderr());
        } finally {
            dropReplication(f, names);
        }
    }

    @ParameterizedTest(name = "monitor times out, and says when there is nothing to watch [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void aWaitThatCannotSucceedTimesOut(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "monitor_stuck", 50);
        MigrationNames names = new MigrationNames("mon_stuck");

        // nothing of the migration exists: the --name is wrong (exit 2), whatever monitor would report
        Run unknown = f.run("Monitor", args(names));
        assertEquals(ExitCode.USAGE, unknown.exitCode(), unknown.stdout() + unknown.stderr());
        assertTrue(unknown.stderr().contains("error: no migration named \"mon_stuck\" on origin or destination"),
                unknown.stderr());
        assertTrue(unknown.stderr().contains("create-publication starts one"), unknown.stderr());

        // its publication exists, its subscription not yet: a plain monitor that reports a PROBLEM exits 3
        f.onOrigin("CREATE PUBLICATION " + Sql.ident(names.publication()) + " FOR TABLE " + TABLES);
        Run nothing = f.run("Monitor", args(names));
        assertEquals(ExitCode.CHECK_FAILED, nothing.exitCode(), nothing.stdout() + nothing.stderr());
        assertTrue(nothing.stdout().contains("subscription mon_stuck_sub on destination: does not exist"),
                nothing.stdout());
        assertTrue(nothing.stdout().contains("PROBLEM: subscription mon_stuck_sub does not exist on destination"),
                nothing.stdout());
        Run noWait = f.run("Monitor", args(names, "--until", "ready", "--timeout", "2m"));
        assertEquals(ExitCode.CHECK_FAILED, noWait.exitCode());
        assertTrue(noWait.stderr().contains("run create-subscription, then enable-subscription"), noWait.stderr());
        Run rollback = f.run("Monitor", args(names, "--rollback", "--json"));
        assertEquals(ExitCode.CHECK_FAILED, rollback.exitCode(), rollback.stderr());
        JsonNode r = JSON.readTree(rollback.stdout());
        assertEquals("origin", r.get("subscriber").asText());
        assertEquals("mon_stuck_rollback_sub", r.get("subscriptionName").asText());
        assertEquals("mon_stuck_rollback_slot", r.get("slotName").asText());

        // without disable_on_error a failing table sync retries forever: enabled, never ready
        f.onOrigin("DROP PUBLICATION " + Sql.ident(names.publication()));
        createReplication(f, names, false);
        try {
            Run run = f.run("Monitor", args(names, "--until", "ready", "--timeout", "3s", "--interval", "1s"));
            String all = run.stdout() + run.stderr();
            assertEquals(ExitCode.CHECK_FAILED, run.exitCode(), all);
            assertTrue(run.stderr().contains("error: timed out after"), run.stderr());
            assertTrue(run.stderr().contains("waiting for ready"), run.stderr());

            Run usage = f.run("Monitor", args(names, "--until", "forever"));
            assertEquals(ExitCode.USAGE, usage.exitCode(), usage.stderr());
            Run badTimeout = f.run("Monitor", args(names, "--until", "ready", "--timeout", "soon"));
            assertEquals(ExitCode.USAGE, badTimeout.exitCode(), badTimeout.stderr());
        } finally {
            dropReplication(f, names);
        }
    }

    private static String setting(ShopFixture f, boolean origin, String name) throws Exception {
        try (Connection c = origin ? f.origin() : f.destination(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_setting(" + Sql.literal(name) + ")")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @ParameterizedTest(name = "monitor --rollback exits 3 while origin rejects rows written on destination, log"
            + " unread [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void aRollbackThatOriginRejectsIsNeverCaughtUp(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "monitor_reject", 20);
        MigrationNames names = new MigrationNames("mon_reject");
        // the shop's is_legacy is a Django BooleanField(default=False) on origin: NOT NULL without a database
        // default; the new model (destination) dropped the column, and add-missing-columns has not run here
        assertEquals("off", setting(f, true, "logging_collector"), "the test needs origin's log to be unreadable");
        f.onDestination("CREATE PUBLICATION " + Sql.ident(names.rollbackPublication()) + " FOR TABLE " + TABLES);
        f.onOrigin("CREATE SUBSCRIPTION " + Sql.ident(names.rollbackSubscription())
                + " CONNECTION " + Sql.literal(f.destinationConninfo())
                + " PUBLICATION " + Sql.ident(names.rollbackPublication())
                + " WITH (slot_name = " + Sql.literal(names.rollbackSlot()) + ", copy_data = false)");
        try {
            // before any row is rejected: caught up (the same live worker in two polls, the slot active)
            Run healthy = f.run("Monitor", args(names, "--rollback", "--until", "caught-up", "--timeout", "2m",
                    "--interval", "1s"));
            assertEquals(ExitCode.OK, healthy.exitCode(), healthy.stdout() + healthy.stderr());

            // a row written on destination (an id origin does not have): origin's apply worker fails on it, and
            // restarts every wal_retrieve_retry_interval, while the slot's lag stays a few hundred bytes
            f.onDestination("INSERT INTO shop_product (id, sku, name, price) VALUES (1000000, 'NEW-1', 'New', 1.00)");
            Run run = f.run("Monitor", args(names, "--rollback", "--until", "caught-up", "--timeout", "30s",
                    "--interval", "1s"));
            String all = run.stdout() + run.stderr();
            assertEquals(ExitCode.CHECK_FAILED, run.exitCode(), all);
            assertFalse(all.contains("caught-up after"), all);
            assertTrue(all.contains("rows inserted on destination fail on origin: null value in column"
                    + " \"is_legacy\" violates not-null constraint"), all);
            assertTrue(all.contains("public.shop_product.is_legacy is NOT NULL without a default on origin"), all);
            assertTrue(all.contains("ALTER TABLE \"public\".\"shop_product\" ALTER COLUMN \"is_legacy\" SET"
                    + " DEFAULT <value>"), all);
            assertTrue(run.stderr().contains("hint: drop NOT NULL or add a default on origin"), run.stderr());
            assertEquals(0, f.originLong("SELECT count(*) FROM shop_product WHERE id = 1000000"),
                    "origin really rejected the row");

            // one look also says it, without proof of failure: not caught up
            JsonNode s = JSON.readTree(f.run("Monitor", args(names, "--rollback", "--json")).stdout());
            assertFalse(s.get("caughtUp").asBoolean(), s.toString());
            assertTrue(s.get("notCaughtUp").isTextual(), s.toString());

            // the fix the diagnosis names; the rejected row is retried and gets the default
            f.onOrigin("ALTER TABLE shop_product ALTER COLUMN is_legacy SET DEFAULT false");
            Run fixed = f.run("Monitor", args(names, "--rollback", "--until", "caught-up", "--timeout", "2m",
                    "--interval", "1s"));
            assertEquals(ExitCode.OK, fixed.exitCode(), fixed.stdout() + fixed.stderr());
            assertEquals(1, f.originLong("SELECT count(*) FROM shop_product WHERE id = 1000000 AND NOT is_legacy"));
        } finally {
            f.onOrigin("DROP SUBSCRIPTION IF EXISTS " + Sql.ident(names.rollbackSubscription()));
        }
    }

    @ParameterizedTest(name = "monitor names a connection loss that disable_on_error stopped 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void aSubscriptionDisabledByAConnectionLossIsSafeToReEnable(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "monitor_connloss", 20);
        MigrationNames names = new MigrationNames("mon_connloss");
        addLegacyColumns(f);
        createReplication(f, names, true);
        try {
            Run healthy = f.run("Monitor", args(names, "--until", "caught-up", "--timeout", "2m", "--interval",
                    "1s"));
            assertEquals(ExitCode.OK, healthy.exitCode(), healthy.stdout() + healthy.stderr());

            // Checked on 16: terminating the walsender disables a disable_on_error subscription, and
            // pg_stat_subscription_stats counts it as one apply error
            f.onOrigin("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = "
                    + Sql.literal(names.slot()));
            Wait.until(Duration.ofSeconds(30), "the subscription is disabled", () -> f.destinationLong(
                    "SELECT count(*) FROM pg_subscription WHERE NOT subenabled AND subname = "
                            + Sql.literal(names.subscription())) == 1);
            assertEquals(1, f.destinationLong("SELECT apply_error_count FROM pg_stat_subscription_stats WHERE"
                    + " subname = " + Sql.literal(names.subscription())));

            Run run = f.run("Monitor", args(names, "--until", "caught-up", "--timeout", "30s", "--interval", "1s"));
            String all = run.stdout() + run.stderr();
            assertEquals(ExitCode.CHECK_FAILED, run.exitCode(), all);
            // the log is not readable here (logging_collector off): named from the slot (nothing left unconfirmed)
            // or, when origin wrote WAL meanwhile, as the likely cause beside how to read the log
            assertTrue(all.contains("mon_connloss_sub on destination"), all);
            assertTrue(all.contains("connection loss"), all);
            assertTrue(all.contains("safe to re-enable with enable-subscription (ALTER SUBSCRIPTION"
                    + " \"mon_connloss_sub\" ENABLE on destination)"), all);
            assertFalse(all.contains("no schema difference explains it (any more)"), all);
            assertFalse(all.contains("timed out"), all);

            Run plain = f.run("Monitor", args(names));
            assertEquals(ExitCode.CHECK_FAILED, plain.exitCode(), plain.stdout() + plain.stderr());
            assertTrue(plain.stdout().contains("PROBLEM: subscription mon_connloss_sub on destination"),
                    plain.stdout());

            // the fix it names
            Run enable = f.run("EnableSubscription", args(names));
            assertEquals(ExitCode.OK, enable.exitCode(), enable.stdout() + enable.stderr());
            f.onOrigin("INSERT INTO shop_product (sku, name, price, is_legacy)"
                    + " VALUES ('SKU-AFTER', 'After', 1.00, false)");
            Run caughtUp = f.run("Monitor", args(names, "--until", "caught-up", "--timeout", "2m", "--interval",
                    "1s"));
            assertEquals(ExitCode.OK, caughtUp.exitCode(), caughtUp.stdout() + caughtUp.stderr());
            assertEquals(1, f.destinationLong("SELECT count(*) FROM shop_product WHERE sku = 'SKU-AFTER'"));
        } finally {
            dropReplication(f, names);
        }
    }
}
