package upshift.cleanup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import upshift.cleanup.AddedColumnsDrop.ColumnPlan;
import upshift.cleanup.AddedColumnsDrop.TablePlan;
import upshift.columns.AddedColumn;
import upshift.sql.QualifiedName;

class BackupTableNameTest {

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    @Test
    void shortNamesAreKeptAsTheyAre() {
        assertEquals(new QualifiedName("Billing", "__upshift_backup__Invoice__Memo"),
                BackupTableName.of(new QualifiedName("Billing", "Invoice"), "Memo"));
    }

    @Test
    void exactly63BytesIsNotShortened() {
        String table = "t".repeat(63 - "__upshift_backup__".length() - "__c".length());
        String name = BackupTableName.name(table, "c");
        assertEquals(63, bytes(name));
        assertEquals("__upshift_backup__" + table + "__c", name);
    }

    @Test
    void longNamesAreCutTo63BytesWithAHashThatKeepsThemApart() {
        String table = "customer_order_line_item_with_a_very_long_descriptive_name";
        String a = BackupTableName.name(table, "legacy_column_a");
        String b = BackupTableName.name(table, "legacy_column_b");
        assertEquals(63, bytes(a), a);
        assertEquals(63, bytes(b), b);
        assertNotEquals(a, b, "the part PostgreSQL would keep differs only through the hash");
        assertTrue(a.startsWith("__upshift_backup__customer_order_line_item"), a);
        assertTrue(a.matches(".*_[0-9a-f]{8}"), a);
        assertEquals(a, BackupTableName.name(table, "legacy_column_a"), "stable: a re-run finds the same backup");
    }

    @Test
    void multiByteNamesAreCutAtACharacterBoundary() {
        String name = BackupTableName.name("überlange_tabelle_für_bestellungen_ärger", "spalte_öäü_ß");
        assertTrue(bytes(name) <= 63, name);
        assertTrue(name.matches(".*_[0-9a-f]{8}"), name);
        assertEquals(name, new String(name.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
    }

    @Test
    void theCopyTakesTheSelectLockAndTheExclusiveLockComesLastOnce() {
        QualifiedName table = new QualifiedName("public", "Order");
        AddedColumn a = new AddedColumn(table, "old a", "text", null, false);
        AddedColumn b = new AddedColumn(table, "old_b", "integer", "0", true);
        List<ColumnPlan> columns = List.of(new ColumnPlan(a, BackupTableName.of(table, "old a"), false),
                new ColumnPlan(b, BackupTableName.of(table, "old_b"), false));
        List<String> sql = AddedColumnsDrop.statements(new TablePlan(table, List.of("tenant", "id"), columns), columns,
                true);
        assertEquals("SET LOCAL statement_timeout = 0", sql.get(0));
        assertEquals("CREATE TABLE \"public\".\"__upshift_backup__Order__old a\" AS SELECT \"tenant\", \"id\","
                + " \"old a\" FROM \"public\".\"Order\"", sql.get(1));
        assertTrue(sql.get(2).startsWith("COMMENT ON TABLE \"public\".\"__upshift_backup__Order__old a\" IS 'upshift:"
                + " backup of public.Order.old a (text)"), sql.get(2));
        assertEquals("ALTER TABLE \"public\".\"Order\" DROP COLUMN \"old a\", DROP COLUMN \"old_b\"",
                sql.get(sql.size() - 1));
        assertEquals(6, sql.size());

        List<String> noBackup = AddedColumnsDrop.statements(new TablePlan(table, List.of(), columns), columns, false);
        assertEquals(List.of("ALTER TABLE \"public\".\"Order\" DROP COLUMN \"old a\", DROP COLUMN \"old_b\""),
                noBackup);
    }
}
