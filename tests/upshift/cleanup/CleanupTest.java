package upshift.cleanup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.migration.MigrationNames;
import upshift.sample.SampleApp;
import upshift.sql.Sql;
import upshift.testing.Run;
import upshift.testing.Wait;

class CleanupTest {

    /** Forward replication as the runbook sets it up, copied completely. */
    static void forwardReplication(ShopFixture f) {
        assertOk(f.run("AddMissingColumns"));
        assertOk(f.run("CreatePublication"));
        assertOk(f.run("CreateSubscription", "--origin-conninfo", f.originConninfo()));
        assertOk(f.run("EnableSubscription"));
        Wait.until(Duration.ofSeconds(120), "every table of the forward subscription is ready", () ->
                f.destinationLong("SELECT count(*) FROM pg_subscription_rel r JOIN pg_subscription s"
                        + " ON s.oid = r.srsubid WHERE s.subname = '" + f.names().subscription() + "'") == 5
                && f.destinationLong("SELECT count(*) FROM pg_subscription_rel r JOIN pg_subscription s"
                        + " ON s.oid = r.srsubid WHERE s.subname = '" + f.names().subscription()
                        + "' AND r.srsubstate <> 'r'") == 0);
    }

    static Run assertOk(Run run) {
        assertEquals(ExitCode.OK, run.exitCode(), run.stdout() + run.stderr());
        return run;
    }

    static long subscriptions(ShopFixture f, boolean onOrigin, String name) throws Exception {
        String sql = "SELECT count(*) FROM pg_subscription WHERE subname = '" + name + "'";
        return onOrigin ? f.originLong(sql) : f.destinationLong(sql);
    }

    static long publications(ShopFixture f, boolean onOrigin, String name) throws Exception {
        String sql = "SELECT count(*) FROM pg_publication WHERE pubname = '" + name + "'";
        return onOrigin ? f.originLong(sql) : f.destinationLong(sql);
    }

    static long slots(ShopFixture f, boolean onOrigin, String name) throws Exception {
        String sql = "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + name + "'";
        return onOrigin ? f.originLong(sql) : f.destinationLong(sql);
    }

    @ParameterizedTest(name = "cleanup --forward: refused without a terminal, drops subscription, publication and"
            + " slot, re-run finds them gone, orphaned slots reported and dropped 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void forwardCleanupAndOrphanedSlots(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "cleanup_fwd", 30);
        MigrationNames n = f.names();
        forwardReplication(f);
        String orphan = n.name() + "_orphan";
        String foreign = "zz_not_" + n.name();
        f.onOrigin("SELECT pg_create_logical_replication_slot('" + orphan + "', 'pgoutput')");
        f.onOrigin("SELECT pg_create_logical_replication_slot('" + foreign + "', 'pgoutput')");
        f.onOrigin("CREATE TABLE wal_filler AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 5000) g");
        try {
            Run dry = assertOk(f.run("Cleanup", "--forward", "--dry-run"));
            assertTrue(dry.stdout().contains("ALTER SUBSCRIPTION \"" + n.subscription() + "\" DISABLE;"), dry.stdout());
            assertTrue(dry.stdout().contains("DROP SUBSCRIPTION \"" + n.subscription() + "\";"), dry.stdout());
            assertTrue(dry.stdout().contains("DROP PUBLICATION IF EXISTS \"" + n.publication() + "\";"), dry.stdout());
            assertEquals(1, subscriptions(f, false, n.subscription()), "--dry-run changed nothing");
            // the snapshot copy's record on destination goes too, schema and all, when nothing else is in it
            assertTrue(dry.stdout().contains("DROP SCHEMA \"upshift\" RESTRICT;"), dry.stdout());
            assertEquals(1, f.destinationLong("SELECT count(*) FROM pg_namespace WHERE nspname = 'upshift'"));

            Run refused = f.run("Cleanup", "--forward");
            assertEquals(ExitCode.USAGE, refused.exitCode(), refused.stderr());
            assertTrue(refused.stderr().contains("not confirmed: standard input is not a terminal"), refused.stderr());
            assertTrue(refused.stderr().contains("subscription " + n.subscription()), refused.stderr());
            assertEquals(1, subscriptions(f, false, n.subscription()), "refused: nothing dropped");
            assertEquals(1, publications(f, true, n.publication()));
            assertEquals(1, slots(f, true, n.slot()));

            Run run = assertOk(f.run("Cleanup", "--forward", "--yes", "--json"));
            assertEquals(0, subscriptions(f, false, n.subscription()));
            assertEquals(0, publications(f, true, n.publication()));
            assertEquals(0, slots(f, true, n.slot()));
            assertEquals(0, f.destinationLong("SELECT count(*) FROM pg_namespace WHERE nspname = 'upshift'"),
                    "the copy record's schema is gone");
            JsonNode report = new ObjectMapper().readTree(run.stdout());
            assertTrue(report.get("complete").asBoolean());
            for (JsonNode a : report.get("actions")) {
                assertEquals("dropped", a.get("result").asText(), a.toString());
            }
            JsonNode mine = orphan(report, orphan);
            assertNotNull(mine, "the orphaned slot is reported: " + report);
            assertEquals("origin", mine.get("server").asText());
            assertTrue(mine.get("thisMigration").asBoolean());
            assertTrue(mine.get("retainedBytes").asLong() > 0, mine.toString());
            assertFalse(mine.has("retained"), "sizes in bytes only: " + mine);
            assertTrue(mine.get("result").asText().contains("--drop-orphaned-slots"), mine.toString());
            JsonNode other = orphan(report, foreign);
            assertNotNull(other, "a slot of someone else is reported too: " + report);
            assertFalse(other.get("thisMigration").asBoolean());
            assertEquals(1, slots(f, true, orphan), "orphans are only dropped with --drop-orphaned-slots");

            Run again = assertOk(f.run("Cleanup", "--forward"));
            assertEquals(3, again.stdout().split("already gone", -1).length - 1, again.stdout());
            assertTrue(again.stdout().contains(orphan), again.stdout());
            assertTrue(again.stdout().contains("pg_drop_replication_slot('" + foreign + "')"), again.stdout());

            Run drop = assertOk(f.run("Cleanup", "--forward", "--drop-orphaned-slots", "--yes", "--json"));
            assertEquals("dropped", orphan(new ObjectMapper().readTree(drop.stdout()), orphan).get("result").asText());
            assertEquals(0, slots(f, true, orphan));
            assertEquals(1, slots(f, true, foreign), "never a slot not named after this migration");
        } finally {
            f.onOrigin("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                    + " WHERE slot_name IN ('" + orphan + "', '" + foreign + "') AND NOT active");
        }
    }

    private static JsonNode orphan(JsonNode report, String slot) {
        for (JsonNode o : report.get("orphanedSlots")) {
            if (o.get("slot").asText().equals(slot)) {
                return o;
            }
        }
        return null;
    }

    @ParameterizedTest(name = "rollback pair blocks drop-added-columns; cleanup --rollback removes it; columns backed"
            + " up and dropped 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void rollbackThenDropAddedColumns(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "cleanup_rb", 30);
        MigrationNames n = f.names();
        forwardReplication(f);
        assertOk(f.run("Cleanup", "--forward", "--yes"));

        f.onDestination("CREATE PUBLICATION " + n.rollbackPublication() + " FOR TABLE auth_user, shop_product,"
                + " shop_order, shop_orderline, \"Billing\".\"Invoice\"");
        f.onOrigin("CREATE SUBSCRIPTION " + n.rollbackSubscription() + " CONNECTION "
                + Sql.literal(f.destinationConninfo()) + " PUBLICATION " + n.rollbackPublication()
                + " WITH (copy_data = false, slot_name = '" + n.rollbackSlot() + "')");
        assertEquals(1, slots(f, false, n.rollbackSlot()));

        Run refused = f.run("DropAddedColumns", "--yes");
        assertEquals(ExitCode.CHECK_FAILED, refused.exitCode(), refused.stderr());
        assertTrue(refused.stderr().contains("publication " + n.rollbackPublication() + " EXISTS"), refused.stderr());
        assertTrue(refused.stderr().contains("subscription " + n.rollbackSubscription() + " EXISTS"),
                refused.stderr());
        assertEquals(2, legacyColumnsOnDestination(f), "refused: nothing dropped");

        Run noOrigin = Run.script("DropAddedColumns", Map.of("PGURL_DESTINATION", f.destinationUrl()),
                "--name", n.name(), "--dry-run");
        // what a run would refuse (the rollback publication on destination), its dry run refuses too
        assertEquals(ExitCode.CHECK_FAILED, noOrigin.exitCode(), noOrigin.stdout() + noOrigin.stderr());
        assertFalse(noOrigin.stdout().contains("DROP COLUMN"), noOrigin.stdout());
        assertTrue(noOrigin.stderr().contains("replication still uses the added columns: destination: publication "
                + n.rollbackPublication() + " EXISTS"), noOrigin.stderr());

        Run rollback = assertOk(f.run("Cleanup", "--rollback", "--yes"));
        assertTrue(rollback.stdout().contains("Nothing of migration \"" + n.name() + "\" is left"), rollback.stdout());
        assertEquals(0, subscriptions(f, true, n.rollbackSubscription()));
        assertEquals(0, publications(f, false, n.rollbackPublication()));
        assertEquals(0, slots(f, false, n.rollbackSlot()));

        Run drop = assertOk(f.run("DropAddedColumns", "--yes", "--json"));
        JsonNode report = new ObjectMapper().readTree(drop.stdout());
        assertEquals(SampleApp.LEGACY_COLUMNS.size(), report.get("columns").size());
        for (JsonNode c : report.get("columns")) {
            assertEquals("dropped", c.get("result").asText(), c.toString());
        }
        assertEquals(0, legacyColumnsOnDestination(f));
        String users = "\"public\".\"__upshift_backup__auth_user__legacy_flags\"";
        String products = "\"public\".\"__upshift_backup__shop_product__legacy_code\"";
        assertEquals(f.destinationLong("SELECT count(*) FROM auth_user"), f.destinationLong("SELECT count(*) FROM "
                + users));
        assertEquals(f.destinationLong("SELECT count(*) FROM shop_product"),
                f.destinationLong("SELECT count(*) FROM " + products));
        assertEquals(f.originLong("SELECT count(*) FROM auth_user WHERE legacy_flags = 'vip'"),
                f.destinationLong("SELECT count(*) FROM " + users + " WHERE legacy_flags = 'vip'"));
        assertEquals(f.originLong("SELECT sum(id) FROM shop_product WHERE legacy_code = 'L3'"),
                f.destinationLong("SELECT sum(id) FROM " + products + " WHERE legacy_code = 'L3'"),
                "the backup keeps each value with its row's primary key");
        assertEquals(2, f.destinationLong("SELECT count(*) FROM information_schema.columns WHERE table_name ="
                + " '__upshift_backup__auth_user__legacy_flags'"), "id and the column");

        Run again = assertOk(f.run("DropAddedColumns", "--yes"));
        assertTrue(again.stdout().contains("Nothing to drop"), again.stdout());
    }

    static long legacyColumnsOnDestination(ShopFixture f) throws Exception {
        return f.destinationLong("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public'"
                + " AND (table_name, column_name) IN (('auth_user', 'legacy_flags'), ('shop_product', 'legacy_code'))");
    }

    @ParameterizedTest(name = "publisher unreachable from the subscriber: slot detached, then dropped directly"
            + " 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void publisherUnreachableFallsBack(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "cleanup_unreach", 5);
        MigrationNames n = f.names();
        forwardReplication(f);
        f.onDestination("ALTER SUBSCRIPTION " + n.subscription() + " DISABLE");
        f.onDestination("ALTER SUBSCRIPTION " + n.subscription()
                + " CONNECTION 'host=127.0.0.1 port=1 dbname=nowhere connect_timeout=2'");

        Run run = assertOk(f.run("Cleanup", "--yes", "--json"));
        assertTrue(run.stderr().contains("detaching the slot"), run.stderr());
        JsonNode report = new ObjectMapper().readTree(run.stdout());
        assertTrue(report.get("actions").get(0).get("detail").asText().startsWith("slot detached first"),
                report.toString());
        assertEquals("dropped", report.get("actions").get(1).get("result").asText(), report.toString());
        assertEquals(0, subscriptions(f, false, n.subscription()));
        assertEquals(0, slots(f, true, n.slot()));
        assertEquals(0, publications(f, true, n.publication()));
    }
}
