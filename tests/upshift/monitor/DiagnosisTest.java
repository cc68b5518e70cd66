package upshift.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import upshift.monitor.ReplicationSnapshot.SlotInfo;
import upshift.monitor.ReplicationSnapshot.SubscriptionInfo;
import upshift.schema.Column;
import upshift.schema.TableDrift;
import upshift.schema.TypeChange;
import upshift.sql.QualifiedName;

class DiagnosisTest {

    private static final QualifiedName PRODUCT = new QualifiedName("public", "shop_product");
    private static final QualifiedName USER = new QualifiedName("public", "auth_user");
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

    private static List<SubscriptionCatalog.SubscribedTable> tables(SyncState state) {
        return List.of(new SubscriptionCatalog.SubscribedTable(PRODUCT, state, null),
                new SubscriptionCatalog.SubscribedTable(USER, state, null));
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
        Diagnosis d = diagnose(Direction.FORWARD, sub(true, null, 0L, 3L, null), SLOT,
                List.of(productWithoutLegacyCode()), List.of());
        assertFalse(d.blocking());
        assertTrue(texts(d).contains("run add-missing-columns (the workers retry by themselves)"), texts(d));
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
        assertFalse(Diagnosis.worthInvestigating(sub(true, 42, 0L, 0L, "0/10"), SLOT, "upshift_slot"));
        assertTrue(Diagnosis.worthInvestigating(sub(true, 42, 0L, 0L, "0/10"), null, "upshift_slot"));
        assertTrue(Diagnosis.worthInvestigating(sub(false, null, 0L, 0L, null), SLOT, "upshift_slot"));
        assertNull(diagnose(Direction.FORWARD, sub(true, 42, 0L, 0L, "0/10"), SLOT, List.of(), List.of()));
    }
}
