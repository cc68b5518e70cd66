package upshift.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import upshift.migration.Direction;
import upshift.migration.Subscription.SubscribedTable;
import upshift.migration.SyncState;
import upshift.monitor.ReplicationSnapshot.SlotInfo;
import upshift.monitor.ReplicationSnapshot.SubscriptionInfo;
import upshift.schema.Column;
import upshift.schema.TableDrift;
import upshift.schema.TypeChange;
import upshift.sql.QualifiedName;

class DiagnosisTest {

    private static final QualifiedName PRODUCT = new QualifiedName("public", "shop_product");
    private static final QualifiedName USER = new QualifiedName("public", "auth_user");
    private static final SlotInfo ACTIVE = new SlotInfo("upshift_slot", true, 7, "reserved", "0/1", "0/2", 336L,
            "336 bytes", null);
    private static final SlotInfo SLOT = new SlotInfo("upshift_slot", false, null, "reserved", "0/1", "0/2", 1L,
            "1 bytes", null);

    private static Column col(String name, String type, String base, int length, boolean notNull, String dflt) {
        return new Column(name, type, base, length, notNull, dflt, false, false, null);
    }

    private static SubscriptionInfo sub(boolean enabled, Integer pid, Long applyErrors, Long syncErrors,
            String received) {
        return new SubscriptionInfo("upshift_sub", enabled, true, "upshift_slot", List.of("upshift_pub"), pid,
                List.of(), received, received, null, null, null, null, applyErrors, syncErrors);
    }

    private static List<SubscribedTable> tables(SyncState state) {
        return List.of(new SubscribedTable(PRODUCT, state, null),
                new SubscribedTable(USER, state, null));
    }

    private static Diagnosis diagnose(Direction direction, SubscriptionInfo sub, SlotInfo slot,
            List<TableDrift> drifts, List<ValueCheck.Result> values) {
        boolean forward = direction == Direction.FORWARD;
        return Diagnosis.of(new Diagnosis.Facts(direction, forward ? "destination" : "origin",
                forward ? "origin" : "destination", sub == null ? "upshift_sub" : sub.name(), "upshift_slot", sub,
                tables(SyncState.DATA_COPYING), slot, drifts, values, null));
    }

    private static String texts(Diagnosis d) {
        return d.findings().stream().map(f -> f.kind() + ": " + f.text()).collect(Collectors.joining("\n"));
    }

    private static TableDrift productWithoutLegacyCode() {
        return TableDrift.compare(PRODUCT,
                List.of(col("id", "integer", "int4", -1, true, null), col("legacy_code", "text", "text", -1, true,
                        "'none'::text")),
                List.of(col("id", "bigint", "int8", -1, true, null)));
    }

    @Test
    void aSubscriptionDisabledByAMissingColumnNamesTheColumnAndTheFix() {
        Diagnosis d = diagnose(Direction.FORWARD, sub(false, null, 0L, 2L, null), SLOT,
                List.of(productWithoutLegacyCode()), List.of());
        assertTrue(d.blocking());
        assertTrue(d.headline().contains("is disabled (disable_on_error stopped it after an error: 2 table-sync"
                + " errors)"), d.headline());
        assertTrue(texts(d).contains("cause: public.shop_product is missing replicated column legacy_code"
                + " → run add-missing-columns, then enable-subscription"), texts(d));
        assertEquals("run add-missing-columns, then enable-subscription", d.firstFix());
    }

    @Test
    void whileEnabledTheWorkersRetryByThemselves() {
        Diagnosis d = diagnose(Direction.FORWARD, sub(true, 42, 0L, 3L, null), SLOT,
                List.of(productWithoutLegacyCode()), List.of());
        assertFalse(d.blocking());
        assertTrue(texts(d).contains("run add-missing-columns (the workers retry by themselves)"), texts(d));
    }

    @Test
    void anEnabledSubscriptionWhoseWorkerFailsForAKnownCauseBlocks() {
        // one look without a worker is no proof (it may be about to start) ...
        Diagnosis once = diagnose(Direction.FORWARD, sub(true, null, 0L, 3L, null), SLOT,
                List.of(productWithoutLegacyCode()), List.of());
        assertFalse(once.blocking());
        // ... a worker absent poll after poll, with a cause that fails every attempt, is: nothing progresses
        Diagnosis d = Diagnosis.of(new Diagnosis.Facts(Direction.FORWARD, "destination", "origin", "upshift_sub",
                "upshift_slot", sub(true, null, 0L, 3L, null), tables(SyncState.DATA_COPYING), SLOT,
                List.of(productWithoutLegacyCode()), List.of(), null, absentFor(4), List.of(),
                null));
        assertTrue(d.blocking());
        assertEquals("run add-missing-columns (the workers retry by themselves)", d.firstFix());
    }

    @Test
    void rollbackAddsTheColumnOnOrigin() {
        Diagnosis d = diagnose(Direction.ROLLBACK, sub(false, null, 1L, 0L, "0/10"), SLOT,
                List.of(productWithoutLegacyCode()), List.of());
        assertTrue(texts(d).contains("add it on origin: ALTER TABLE \"public\".\"shop_product\" ADD COLUMN"
                + " \"legacy_code\" text, then ALTER SUBSCRIPTION \"upshift_sub\" ENABLE on origin"), texts(d));
    }

    @Test
    void aDestinationOnlyRequiredColumnAndAMissingTable() {
        TableDrift required = TableDrift.compare(USER, List.of(col("id", "integer", "int4", -1, true, null)),
                List.of(col("id", "integer", "int4", -1, true, null), col("tenant", "integer", "int4", -1, true,
                        null)));
        TableDrift missing = TableDrift.compare(new QualifiedName("Billing", "Invoice"),
                List.of(col("Id", "integer", "int4", -1, true, null)), null);
        Diagnosis d = diagnose(Direction.FORWARD, sub(false, null, 1L, 0L, "0/10"), SLOT,
                List.of(required, missing), List.of());
        String t = texts(d);
        assertTrue(t.contains("public.auth_user.tenant is NOT NULL without a default on destination"), t);
        assertTrue(t.contains("drop NOT NULL or add a default"), t);
        assertTrue(t.contains("Billing.Invoice is published but missing on destination"), t);
    }

    @Test
    void valuesThatDoNotFitAreACauseAndUncheckedOnesOnlyPossible() {
        TableDrift narrowed = TableDrift.compare(USER, List.of(col("email", "text", "text", -1, true, null)),
                List.of(col("email", "character varying(20)", "varchar", 20, true, null)));
        TableDrift.ColumnChange change = narrowed.changes().get(0);
        assertEquals(TypeChange.LENGTH_CHECK, change.change());
        String query = ValueCheck.query(USER, change);
        assertEquals("SELECT EXISTS (SELECT 1 FROM \"public\".\"auth_user\" WHERE char_length(\"email\"::text) > 20)",
                query);

        ValueCheck.Result tooLong = new ValueCheck.Result(USER, "email", change.change(), "text",
                "character varying(20)", false, query);
        Diagnosis d = diagnose(Direction.FORWARD, sub(false, null, 1L, 0L, "0/10"), SLOT, List.of(narrowed),
                List.of(tooLong));
        assertTrue(texts(d).startsWith("cause: public.auth_user.email is text on origin but character varying(20)"
                + " on destination, and some values on origin do not fit"), texts(d));

        ValueCheck.Result unknown = new ValueCheck.Result(USER, "email", change.change(), "text",
                "character varying(20)", null, query);
        d = diagnose(Direction.FORWARD, sub(false, null, 1L, 0L, "0/10"), SLOT, List.of(narrowed), List.of(unknown));
        assertTrue(texts(d).contains("possible cause: public.auth_user.email"), texts(d));
        assertTrue(texts(d).contains("check on origin: " + query), texts(d));
    }

    @Test
    void integerNarrowingIsChecked() {
        TableDrift narrowed = TableDrift.compare(USER, List.of(col("id", "bigint", "int8", -1, true, null)),
                List.of(col("id", "integer", "int4", -1, true, null)));
        assertEquals("SELECT EXISTS (SELECT 1 FROM \"public\".\"auth_user\" WHERE \"id\" NOT BETWEEN -2147483648"
                + " AND 2147483647)", ValueCheck.query(USER, narrowed.changes().get(0)));
    }

    @Test
    void aSubscriptionNeverEnabledSaysSo() {
        SubscriptionInfo s = sub(false, null, 0L, 0L, null);
        Diagnosis d = Diagnosis.of(new Diagnosis.Facts(Direction.FORWARD, "destination", "origin", "upshift_sub",
                "upshift_slot", s, tables(SyncState.INITIALIZING), SLOT, List.of(), List.of(), null));
        assertTrue(d.blocking());
        assertTrue(d.headline().endsWith("is not enabled yet"), d.headline());
        assertEquals("run enable-subscription", d.firstFix());
    }

    @Test
    void aMissingSubscriptionOrSlotBlocks() {
        Diagnosis none = diagnose(Direction.FORWARD, null, null, List.of(), List.of());
        assertTrue(none.blocking());
        assertEquals("run create-subscription, then enable-subscription", none.firstFix());

        Diagnosis noSlot = diagnose(Direction.FORWARD, sub(true, 42, 0L, 0L, "0/10"), null, List.of(), List.of());
        assertTrue(noSlot.blocking());
        assertTrue(noSlot.headline().contains("upshift_slot does not exist on origin"), noSlot.headline());

        SlotInfo lost = new SlotInfo("upshift_slot", false, null, "lost", "0/1", "0/2", 1L, "1 bytes", null);
        Diagnosis d = diagnose(Direction.FORWARD, sub(true, 42, 0L, 0L, "0/10"), lost, List.of(), List.of());
        assertTrue(d.blocking());
        assertTrue(d.headline().contains("lost WAL"), d.headline());
    }

    @Test
    void pastErrorsWithoutACauseAreANoteWithTheReset() {
        Diagnosis d = diagnose(Direction.FORWARD, sub(true, 42, 2L, 0L, "0/10"), SLOT, List.of(), List.of());
        assertFalse(d.blocking());
        assertTrue(texts(d).contains("pg_stat_reset_subscription_stats"), texts(d));
    }

    @Test
    void aHealthySubscriptionIsNotInvestigated() {
        assertFalse(Diagnosis.worthInvestigating(sub(true, 42, 0L, 0L, "0/10"), ACTIVE, "upshift_slot", null));
        assertTrue(Diagnosis.worthInvestigating(sub(true, 42, 0L, 0L, "0/10"), null, "upshift_slot", null));
        assertTrue(Diagnosis.worthInvestigating(sub(false, null, 0L, 0L, null), SLOT, "upshift_slot", null));
        SlotInfo inactive = new SlotInfo("upshift_slot", false, null, "reserved", "0/1", "0/2", 336L, "336 bytes",
                null);
        assertTrue(Diagnosis.worthInvestigating(sub(true, 42, 0L, 0L, "0/10"), inactive, "upshift_slot", null));
        WorkerWatch watch = new WorkerWatch();
        watch.observe(sub(true, 42, 0L, 0L, "0/10"), null);
        assertTrue(Diagnosis.worthInvestigating(sub(true, 43, 0L, 0L, "0/10"), ACTIVE, "upshift_slot",
                watch.observe(sub(true, 43, 0L, 0L, "0/10"), null)), "a restarted worker is investigated");
        assertNull(diagnose(Direction.FORWARD, sub(true, 42, 0L, 0L, "0/10"), ACTIVE, List.of(), List.of()));
    }

    // ---- the apply worker across polls, and what "caught up" needs ------------------------------------------------

    private static SubscribedTable ready(QualifiedName t) {
        return new SubscribedTable(t, SyncState.READY, "0/1");
    }

    private static String notCaughtUp(SubscriptionInfo s, SlotInfo slot, WorkerWatch.ApplyWorker w) {
        return ReplicationSnapshot.notCaughtUp(s, List.of(ready(PRODUCT)), true, slot, 1 << 20, w);
    }

    @Test
    void caughtUpNeedsTheSameLiveWorkerInTwoPollsAndAnActiveSlot() {
        WorkerWatch watch = new WorkerWatch();
        SubscriptionInfo live = sub(true, 42, 0L, 0L, "0/10");
        WorkerWatch.ApplyWorker first = watch.observe(live, null);
        assertFalse(first.settled());
        assertTrue(notCaughtUp(live, ACTIVE, first).contains("has been seen in 1 poll"), notCaughtUp(live, ACTIVE,
                first));
        WorkerWatch.ApplyWorker second = watch.observe(live, null);
        assertTrue(second.settled());
        assertNull(notCaughtUp(live, ACTIVE, second));

        // a small lag on an inactive slot is not caught up: nothing streams it
        SlotInfo inactive = new SlotInfo("upshift_slot", false, null, "reserved", "0/1", "0/2", 336L, "336 bytes",
                null);
        assertTrue(notCaughtUp(live, inactive, second).startsWith("the slot is inactive with 336 bytes"));
        // no worker at this poll
        SubscriptionInfo none = sub(true, null, 0L, 0L, "0/10");
        assertEquals("no apply worker runs (it restarted 1 times during the wait)",
                notCaughtUp(none, ACTIVE, watch.observe(none, null)));
    }

    @Test
    void aWorkerThatRestartsOrIsAbsentOrCountsErrorsIsNotSettled() {
        WorkerWatch watch = new WorkerWatch();
        watch.observe(sub(true, 42, 0L, 0L, "0/10"), null);
        WorkerWatch.ApplyWorker replaced = watch.observe(sub(true, 43, 0L, 0L, "0/10"), null);
        assertEquals(1, replaced.restarts());
        assertFalse(replaced.settled());
        assertFalse(replaced.failing(), "one restart may be an ALTER SUBSCRIPTION");
        assertTrue(notCaughtUp(sub(true, 43, 0L, 0L, "0/10"), ACTIVE, replaced).contains("restarted (pid now 43)"));
        assertTrue(watch.observe(sub(true, null, 0L, 0L, "0/10"), null).failing(), "gone again: two restarts");

        // absent poll after poll: failing only once the absence spans three wal_retrieve_retry_intervals (the
        // launcher of 13-15 starts workers at most once per interval for the whole server)
        long[] now = {0};
        WorkerWatch absent = new WorkerWatch(() -> now[0]);
        WorkerWatch.ApplyWorker w = null;
        for (int i = 0; i < 10; i++) {
            w = absent.observe(sub(true, null, null, null, "0/10"), 5000L);
            now[0] += 1_000_000_000L;
        }
        assertEquals(9.0, w.secondsWithoutWorker());
        assertFalse(w.failing(), "10 polls in 9 s, below 3 x 5 s");
        for (int i = 0; i < 6; i++) {
            w = absent.observe(sub(true, null, null, null, "0/10"), 5000L);
            now[0] += 1_000_000_000L;
        }
        assertTrue(w.failing(), "absent for " + w.secondsWithoutWorker() + " s");
        assertEquals(0, w.restarts());
        WorkerWatch slow = new WorkerWatch(() -> now[0]);
        slow.observe(sub(true, null, null, null, "0/10"), 5000L);
        now[0] += 60_000_000_000L;
        assertFalse(slow.observe(sub(true, null, null, null, "0/10"), 5000L).failing(), "two polls are too few");

        // 15+: the same pid in two polls, but the apply error counter grew: not settled (a counter reset is growth)
        WorkerWatch counted = new WorkerWatch();
        counted.observe(sub(true, 42, 2L, 0L, "0/10"), null);
        WorkerWatch.ApplyWorker grown = counted.observe(sub(true, 42, 3L, 0L, "0/10"), null);
        assertEquals(1L, grown.newApplyErrors());
        assertFalse(grown.settled());
        assertEquals("1 new apply errors were counted during the wait",
                notCaughtUp(sub(true, 42, 3L, 0L, "0/10"), ACTIVE, grown));
        assertEquals(1L, counted.observe(sub(true, 42, 1L, 0L, "0/10"), null).newApplyErrors());
    }

    // ---- rollback: origin's rules that destination (the publisher) lacks ------------------------------------------

    private static final String MARKER = "upshift: added by add-missing-columns for migration upshift;"
            + " remove with drop-added-columns";

    private static Column marked(String name, String type, String base, String dflt) {
        return new Column(name, type, base, -1, false, dflt, false, false, MARKER);
    }

    private static Diagnosis rollback(SubscriptionInfo s, WorkerWatch.ApplyWorker w, List<TableDrift> drifts,
            List<ValueCheck.Result> values, List<SubscriberRules.Rule> rules, ServerLog.LogSettings log) {
        return Diagnosis.of(new Diagnosis.Facts(Direction.ROLLBACK, "origin", "destination", "upshift_rollback_sub",
                "upshift_rollback_slot", s, List.of(ready(PRODUCT)), ACTIVE, drifts, values, null, w, rules, log));
    }

    /** A worker absent in {@code polls} polls 5 s apart (wal_retrieve_retry_interval 5 s). */
    private static WorkerWatch.ApplyWorker absentFor(int polls) {
        long[] now = {0};
        WorkerWatch watch = new WorkerWatch(() -> now[0]);
        WorkerWatch.ApplyWorker w = null;
        for (int i = 0; i < polls; i++) {
            w = watch.observe(sub(true, null, null, null, "0/10"), 5000L);
            now[0] += 5_000_000_000L;
        }
        return w;
    }

    @Test
    void anOriginNotNullColumnThatDestinationDroppedFailsEveryRowInsertedOnDestination() {
        // rollback compares the publisher (destination) as "origin side" with the subscriber (origin)
        TableDrift drift = TableDrift.compare(PRODUCT, List.of(col("id", "bigint", "int8", -1, true, null)),
                List.of(col("id", "integer", "int4", -1, true, null),
                        col("is_featured", "boolean", "bool", -1, true, null)));
        Diagnosis d = rollback(sub(true, null, null, null, "0/10"), absentFor(4), List.of(drift), List.of(),
                List.of(), new ServerLog.LogSettings("off", "stderr", "log", "warning"));
        String t = texts(d);
        assertTrue(d.blocking(), t);
        assertTrue(d.headline().contains("apply worker of subscription upshift_sub on origin keeps failing:"
                + " not running for 15 s (4 polls; a failed worker restarts every 5 s)"), d.headline());
        assertTrue(t.contains("cause: rows inserted on destination fail on origin: null value in column"
                + " \"is_featured\" violates not-null constraint (public.shop_product.is_featured is NOT NULL"
                + " without a default on origin and destination does not send it"), t);
        assertTrue(t.contains("ALTER TABLE \"public\".\"shop_product\" ALTER COLUMN \"is_featured\" SET DEFAULT"
                + " <value> (the rejected rows are retried and get it too)"), t);
        // one look without the worker: a warning (a rollback subscription just created has no worker yet either)
        assertFalse(rollback(sub(true, null, null, null, "0/10"), null, List.of(drift), List.of(), List.of(), null)
                .blocking());
    }

    @Test
    void anOriginNotNullColumnReAddedNullableOnDestinationNeedsADefaultThere() {
        List<Column> destination = List.of(col("id", "bigint", "int8", -1, true, null),
                marked("is_featured", "boolean", "bool", null), marked("legacy_code", "text", "text", "'none'::text"),
                col("note", "text", "text", -1, false, null));
        List<Column> origin = List.of(col("id", "integer", "int4", -1, true, null),
                col("is_featured", "boolean", "bool", -1, true, null),
                col("legacy_code", "text", "text", -1, true, "'none'::text"), col("note", "text", "text", -1, true,
                        null));
        List<SubscriberRules.Rule> rules = SubscriberRules.find(List.of(PRODUCT), java.util.Map.of(PRODUCT,
                destination), java.util.Map.of(PRODUCT, origin), java.util.Map.of(), java.util.Map.of(), MARKER);
        assertEquals(3, rules.size(), rules.toString());
        assertTrue(rules.get(0).addedColumn() && rules.get(0).definite(), "is_featured: added without a default");
        assertFalse(rules.get(1).addedColumn(), "legacy_code: added with a default");
        assertFalse(rules.get(2).definite(), "note: nullable on destination, not known to hold NULLs");
        assertEquals("SELECT EXISTS (SELECT 1 FROM \"public\".\"shop_product\" WHERE \"note\" IS NULL)",
                rules.get(2).query());

        Diagnosis d = rollback(sub(true, null, null, null, "0/10"), absentFor(4), List.of(), List.of(), rules, null);
        String t = texts(d);
        assertTrue(d.blocking(), t);
        assertTrue(t.contains("cause: rows inserted on destination fail on origin: null value in column"
                + " \"is_featured\" violates not-null constraint (public.shop_product.is_featured is NOT NULL on"
                + " origin but nullable on destination, added there by add-missing-columns without a default"), t);
        assertTrue(t.contains("give it a default on destination: add-missing-columns --default"
                + " public.shop_product.is_featured=<value> (ALTER TABLE \"public\".\"shop_product\" ALTER COLUMN"
                + " \"is_featured\" SET DEFAULT <value>;"), t);
        assertEquals("\"Billing\".\"Invoice\".\"Memo\"", Diagnosis.simpleColumn(new QualifiedName("Billing",
                "Invoice"), "Memo"));
        assertFalse(t.contains("\"note\""), "a possible cause is not listed beside a definite one: " + t);

        // without the marked column: the nullable one is a possible cause, then a definite one once NULLs are found
        List<SubscriberRules.Rule> onlyNote = List.of(rules.get(2));
        t = texts(rollback(sub(true, null, null, null, "0/10"), absentFor(4), List.of(), List.of(), onlyNote, null));
        assertTrue(t.contains("possible cause: public.shop_product.note is NOT NULL on origin but nullable on"
                + " destination: a NULL written on destination fails the apply → check on destination: SELECT"
                + " EXISTS"), t);
        List<SubscriberRules.Rule> nulls = List.of(new SubscriberRules.Rule(SubscriberRules.Kind.NOT_NULL, PRODUCT,
                List.of("note"), null, false, false, true, rules.get(2).query()));
        t = texts(rollback(sub(true, null, null, null, "0/10"), absentFor(4), List.of(), List.of(), nulls, null));
        assertTrue(t.contains("cause: rows inserted on destination fail on origin: null value in column \"note\""), t);
        assertTrue(t.contains("DROP NOT NULL on origin"), t);
    }

    @Test
    void anOriginOnlyUniqueKeyIsARuleDestinationLacks() {
        java.util.Map<QualifiedName, List<Column>> cols = java.util.Map.of(USER, List.of(
                col("id", "bigint", "int8", -1, true, null), col("email", "text", "text", -1, true, null)));
        java.util.Map<QualifiedName, List<SubscriberRules.UniqueKey>> originKeys = java.util.Map.of(USER, List.of(
                new SubscriberRules.UniqueKey("auth_user_pkey", List.of("id"), true),
                new SubscriberRules.UniqueKey("auth_user_email_key", List.of("email"), true)));
        java.util.Map<QualifiedName, List<SubscriberRules.UniqueKey>> destinationKeys = java.util.Map.of(USER,
                List.of(new SubscriberRules.UniqueKey("auth_user_pk_renamed", List.of("id"), true)));
        List<SubscriberRules.Rule> rules = SubscriberRules.find(List.of(USER), cols, cols, destinationKeys,
                originKeys, MARKER);
        assertEquals(1, rules.size(), rules.toString());
        assertEquals(List.of("email"), rules.get(0).columns());
        assertEquals("SELECT EXISTS (SELECT 1 FROM \"public\".\"auth_user\" WHERE \"email\" IS NOT NULL GROUP BY"
                + " \"email\" HAVING count(*) > 1)", rules.get(0).query());

        SubscriberRules.Rule repeated = new SubscriberRules.Rule(SubscriberRules.Kind.UNIQUE, USER, List.of("email"),
                "auth_user_email_key", false, false, true, rules.get(0).query());
        String t = texts(rollback(sub(true, null, null, null, "0/10"), absentFor(4), List.of(), List.of(),
                List.of(repeated), null));
        assertTrue(t.contains("cause: rows inserted on destination fail on origin: duplicate key value violates"
                + " unique constraint \"auth_user_email_key\""), t);
        assertTrue(t.contains("ALTER TABLE \"public\".\"auth_user\" DROP CONSTRAINT \"auth_user_email_key\" on"
                + " origin"), t);
    }

    @Test
    void reverseNarrowingIsCheckedOnDestination() {
        // destination bigint -> origin int, destination text -> origin varchar(20)
        TableDrift drift = TableDrift.compare(USER, List.of(col("id", "bigint", "int8", -1, true, null),
                col("email", "text", "text", -1, true, null)), List.of(col("id", "integer", "int4", -1, true, null),
                        col("email", "character varying(20)", "varchar", 20, true, null)));
        List<ValueCheck.Result> checks = ValueCheck.check(null, List.of(drift), false);
        assertEquals(2, checks.size());
        ValueCheck.Result big = new ValueCheck.Result(USER, "id", TypeChange.NARROWING, "bigint", "integer", false,
                checks.get(0).query());
        String t = texts(rollback(sub(true, null, null, null, "0/10"), absentFor(4), List.of(drift), List.of(big),
                List.of(), null));
        assertTrue(t.contains("cause: public.auth_user.id is bigint on destination but integer on origin, and some"
                + " values on destination do not fit → widen the column on origin"), t);
    }

    // ---- a disabled subscription without a schema cause ----------------------------------------------------------

    @Test
    void aConnectionLossInTheLogIsNamedWithTheSafeReEnable() {
        SubscriptionInfo disabled = sub(false, null, 1L, 0L, "0/10");
        String log = "ERROR: could not receive data from WAL stream: FATAL: terminating connection due to"
                + " administrator command";
        Diagnosis d = Diagnosis.of(new Diagnosis.Facts(Direction.FORWARD, "destination", "origin", "upshift_sub",
                "upshift_slot", disabled, List.of(ready(PRODUCT)), SLOT, List.of(), List.of(), log, null, List.of(),
                null));
        assertTrue(d.blocking());
        assertEquals("subscription upshift_sub on destination was disabled after a connection loss to origin",
                d.headline());
        assertTrue(texts(d).contains("disabled after a connection loss, no apply error"), texts(d));
        assertEquals("safe to re-enable with enable-subscription (ALTER SUBSCRIPTION \"upshift_sub\" ENABLE on"
                + " destination)", d.firstFix());
    }

    @Test
    void aDisabledSubscriptionWithoutCountedErrorsIsSafeToReEnable() {
        Diagnosis d = diagnose(Direction.FORWARD, sub(false, null, 0L, 0L, "0/10"), SLOT, List.of(), List.of());
        assertTrue(texts(d).contains("disabled after a connection loss or by hand"), texts(d));
        assertTrue(texts(d).contains("no apply error"), texts(d));
        assertTrue(d.firstFix().startsWith("safe to re-enable with enable-subscription"), d.firstFix());
    }

    @Test
    void countedErrorsWithoutACauseSayHowToReadTheLog() {
        SubscriptionInfo disabled = sub(false, null, 1L, 0L, "0/10");
        Diagnosis d = Diagnosis.of(new Diagnosis.Facts(Direction.FORWARD, "destination", "origin", "upshift_sub",
                "upshift_slot", disabled, List.of(ready(PRODUCT)), SLOT, List.of(), List.of(), null, null, List.of(),
                new ServerLog.LogSettings("off", "stderr", "log", "fatal")));
        String t = texts(d);
        assertTrue(t.contains("no schema difference explains the 1 apply error: PostgreSQL also counts a lost"
                + " connection to origin"), t);
        assertTrue(t.contains("after a connection loss it is safe to re-enable with enable-subscription"), t);
        assertTrue(t.contains("logging_collector is off, so it goes to the server's stderr"), t);
        assertTrue(t.contains("log_min_messages = fatal hides ERROR lines"), t);

        String on = new ServerLog.LogSettings("on", "stderr", "log", "warning").advice("destination");
        assertTrue(on.contains("log_directory (log, relative to the data directory), SELECT pg_current_logfile()"),
                on);
    }

    @Test
    void aDisabledSubscriptionWithNothingUnconfirmedLostItsConnection() {
        SlotInfo confirmed = new SlotInfo("upshift_slot", false, null, "reserved", "0/2", "0/2", 0L, "0 bytes", null);
        Diagnosis d = Diagnosis.of(new Diagnosis.Facts(Direction.FORWARD, "destination", "origin", "upshift_sub",
                "upshift_slot", sub(false, null, 1L, 0L, "0/10"), List.of(ready(PRODUCT)), confirmed, List.of(),
                List.of(), null, null, List.of(), null));
        assertEquals("subscription upshift_sub on destination was disabled after a connection loss to origin",
                d.headline());
        assertTrue(texts(d).contains("cause: disabled after a connection loss, no apply error: slot upshift_slot on"
                + " origin has confirmed all of its WAL (lag 0 bytes)"), texts(d));
        assertTrue(d.firstFix().startsWith("safe to re-enable with enable-subscription"), d.firstFix());
        // a change left unconfirmed may be the one that failed: no such conclusion
        Diagnosis behind = diagnose(Direction.FORWARD, sub(false, null, 1L, 0L, "0/10"), SLOT, List.of(), List.of());
        assertFalse(texts(behind).contains("cause: disabled after a connection loss"), texts(behind));
    }
}
