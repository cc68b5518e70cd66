package upshift.sequences;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import upshift.sequences.CatalogSequence.OwningColumn;
import upshift.sql.QualifiedName;

/** The planning rules, without a server. */
class SequencePlanTest {

    private static final long INT_MAX = Integer.MAX_VALUE;

    private static CatalogSequence seq(long oid, String schema, String name, String type, long increment, long min,
            long max, SequenceState state) {
        return new CatalogSequence(oid, new QualifiedName(schema, name), type, increment, min, max,
                increment > 0 ? min : max, false, true, true, false, null, state);
    }

    private static CatalogSequence up(String name, String type, long max, long last, boolean called) {
        return seq(name.hashCode() & 0xffffL, "public", name, type, 1, 1, max, new SequenceState(last, called));
    }

    private static SequencePlan.Entry entry(CatalogSequence o, CatalogSequence d, long margin) {
        return SequenceSync.entry(o, d, false, margin);
    }

    @Test
    void calledOriginIsCopiedWithItsIsCalled() {
        SequencePlan.Entry e = entry(up("a_id_seq", "integer", INT_MAX, 1234, true),
                up("a_id_seq", "bigint", Long.MAX_VALUE, 1, false), 0);
        assertEquals(SequenceAction.SET, e.action());
        assertEquals(new SequenceState(1234, true), e.target());
        assertEquals("SELECT pg_catalog.setval('\"public\".\"a_id_seq\"', 1234, true);", e.statement(ScriptStyle.SETVAL));
        assertEquals("ALTER SEQUENCE \"public\".\"a_id_seq\" RESTART WITH 1235;", e.statement(ScriptStyle.ALTER));
    }

    @Test
    void marginIsAddedAndUncalledStaysUncalled() {
        SequencePlan.Entry e = entry(up("s", "bigint", Long.MAX_VALUE, 500, false),
                up("s", "bigint", Long.MAX_VALUE, 1, false), 1000);
        assertEquals(new SequenceState(1500, false), e.target());
        assertEquals("SELECT pg_catalog.setval('\"public\".\"s\"', 1500, false);", e.statement(ScriptStyle.SETVAL));
        assertEquals("ALTER SEQUENCE \"public\".\"s\" RESTART WITH 1500;", e.statement(ScriptStyle.ALTER));
    }

    @Test
    void equalOrAheadIsLeftAlone() {
        assertEquals(SequenceAction.ALREADY_AHEAD, entry(up("s", "bigint", Long.MAX_VALUE, 1, false),
                up("s", "bigint", Long.MAX_VALUE, 1, false), 0).action(), "both never called");
        assertEquals(SequenceAction.ALREADY_AHEAD, entry(up("s", "bigint", Long.MAX_VALUE, 10, true),
                up("s", "bigint", Long.MAX_VALUE, 11, false), 0).action(), "same next value, other spelling");
        assertEquals(SequenceAction.ALREADY_AHEAD, entry(up("s", "bigint", Long.MAX_VALUE, 10, true),
                up("s", "bigint", Long.MAX_VALUE, 5000, true), 1000).action());
        assertEquals(SequenceAction.SET, entry(up("s", "bigint", Long.MAX_VALUE, 10, true),
                up("s", "bigint", Long.MAX_VALUE, 10, false), 0).action(), "destination would return 10 again");
        assertThrows(IllegalStateException.class, () -> entry(up("s", "bigint", Long.MAX_VALUE, 1, false),
                up("s", "bigint", Long.MAX_VALUE, 1, false), 0).statement(ScriptStyle.SETVAL));
    }

    @Test
    void valuesBeyondTheDestinationBoundsAreErrors() {
        SequencePlan.Entry e = entry(up("s", "bigint", Long.MAX_VALUE, 40000, true),
                up("s", "smallint", Short.MAX_VALUE, 1, false), 0);
        assertEquals(SequenceAction.OUT_OF_RANGE, e.action());
        assertTrue(e.action().error());
        assertTrue(e.problem().contains("1..32767"), e.problem());
        assertNull(e.target());
        assertEquals(SequenceAction.OUT_OF_RANGE, entry(up("s", "integer", INT_MAX, INT_MAX - 5, true),
                up("s", "integer", INT_MAX, 1, false), 10).action(), "the margin pushes it over");
    }

    @Test
    void restartBeyondMaxFallsBackToSetval() {
        SequencePlan.Entry e = entry(up("s", "integer", INT_MAX, INT_MAX, true), up("s", "integer", INT_MAX, 1, false), 0);
        assertEquals(SequenceAction.SET, e.action());
        assertEquals("-- RESTART WITH 2147483648 would be out of bounds; setval keeps is_called\n"
                + "SELECT pg_catalog.setval('\"public\".\"s\"', 2147483647, true);", e.statement(ScriptStyle.ALTER));
    }

    @Test
    void descendingSequencesGoDown() {
        CatalogSequence o = seq(1, "public", "down", "bigint", -1, Long.MIN_VALUE, -1, new SequenceState(-5, true));
        CatalogSequence d = seq(2, "public", "down", "bigint", -1, Long.MIN_VALUE, -1, new SequenceState(-1, false));
        SequencePlan.Entry e = entry(o, d, 10);
        assertEquals(SequenceAction.SET, e.action());
        assertEquals(new SequenceState(-15, true), e.target());
        assertEquals("ALTER SEQUENCE \"public\".\"down\" RESTART WITH -16;", e.statement(ScriptStyle.ALTER));
        CatalogSequence ahead = seq(2, "public", "down", "bigint", -1, Long.MIN_VALUE, -1, new SequenceState(-50, true));
        assertEquals(SequenceAction.ALREADY_AHEAD, entry(o, ahead, 10).action());
        CatalogSequence ascending = seq(3, "public", "down", "bigint", 1, 1, Long.MAX_VALUE, new SequenceState(1, false));
        assertEquals(SequenceAction.DIRECTION_DIFFERS, entry(o, ascending, 0).action());
    }

    @Test
    void missingExcludedAndUnreadable() {
        CatalogSequence o = up("s", "bigint", Long.MAX_VALUE, 3, true);
        assertEquals(SequenceAction.MISSING_ON_DESTINATION, entry(o, null, 0).action());
        CatalogSequence excluded = new CatalogSequence(1, o.name(), "bigint", 1, 1, Long.MAX_VALUE, 1, false, true, true,
                true, null, null);
        assertEquals(SequenceAction.EXCLUDED, entry(excluded, null, 0).action());
        CatalogSequence unreadable = new CatalogSequence(1, o.name(), "bigint", 1, 1, Long.MAX_VALUE, 1, false, false,
                false, false, null, null);
        assertEquals(SequenceAction.NO_PRIVILEGE, entry(unreadable, o, 0).action());
        CatalogSequence readOnly = new CatalogSequence(1, o.name(), "bigint", 1, 1, Long.MAX_VALUE, 1, false, true,
                false, false, null, new SequenceState(1, false));
        SequencePlan.Entry e = entry(o, readOnly, 0);
        assertEquals(SequenceAction.NO_PRIVILEGE, e.action());
        assertTrue(e.problem().startsWith("no UPDATE on destination's sequence: GRANT UPDATE ON SEQUENCE \"public\".\"s\""),
                e.problem());
    }

    @Test
    void planMatchesByNameThenByOwningColumn() {
        OwningColumn column = new OwningColumn(new QualifiedName("public", "shop_product"), "id");
        CatalogSequence o = new CatalogSequence(1, new QualifiedName("public", "shop_product_id_seq"), "integer", 1, 1,
                INT_MAX, 1, false, true, true, false, column, new SequenceState(10, true));
        CatalogSequence d = new CatalogSequence(7, new QualifiedName("public", "shop_product_id_seq1"), "bigint", 1, 1,
                Long.MAX_VALUE, 1, false, true, true, false, column, new SequenceState(1, false));
        CatalogSequence odd = up("Odd Seq", "bigint", Long.MAX_VALUE, 42, true);
        CatalogSequence oddOnDestination = up("Odd Seq", "bigint", Long.MAX_VALUE, 1, false);
        SequencePlan plan = SequenceSync.plan(new SequenceCatalog.Read(List.of(o, odd), 6400, 1, 1),
                new SequenceCatalog.Read(List.of(d, oddOnDestination), 6400, 1, 1), List.of(), 0);
        assertEquals(List.of("public.Odd Seq", "public.shop_product_id_seq"),
                plan.entries().stream().map(e -> e.name().toString()).toList(), "schema/name order");
        SequencePlan.Entry renamed = plan.entries().get(1);
        assertTrue(renamed.matchedByColumn());
        assertEquals(SequenceAction.SET, renamed.action());
        assertEquals("SELECT pg_catalog.setval('\"public\".\"shop_product_id_seq1\"', 10, true);",
                renamed.statement(ScriptStyle.SETVAL));
        assertEquals("SELECT pg_catalog.setval('\"public\".\"Odd Seq\"', 42, true);",
                plan.entries().get(0).statement(ScriptStyle.SETVAL));
        assertEquals(2, plan.behind().size());
        assertTrue(plan.missingOnDestination().isEmpty());
    }

    @Test
    void quotesInNamesSurviveTheScript() {
        CatalogSequence o = seq(1, "Bill'ing", "we\"ird", "bigint", 1, 1, Long.MAX_VALUE, new SequenceState(9, true));
        CatalogSequence d = seq(2, "Bill'ing", "we\"ird", "bigint", 1, 1, Long.MAX_VALUE, new SequenceState(1, false));
        SequencePlan.Entry e = entry(o, d, 0);
        assertEquals("SELECT pg_catalog.setval('\"Bill''ing\".\"we\"\"ird\"', 9, true);", e.statement(ScriptStyle.SETVAL));
        assertEquals("ALTER SEQUENCE \"Bill'ing\".\"we\"\"ird\" RESTART WITH 10;", e.statement(ScriptStyle.ALTER));
    }

    @Test
    void readsTheXmlRowQueryToXmlRenders() {
        String xml = "<table xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n\n<row>\n  <last_value>500</last_value>\n"
                + "  <is_called>false</is_called>\n</row>\n\n</table>\n";
        assertEquals(new SequenceState(500, false), SequenceCatalog.parseXmlRow(new QualifiedName("public", "s"), xml));
        assertEquals(new SequenceState(-9, true), SequenceCatalog.parseXmlRow(new QualifiedName("public", "s"),
                "<row><last_value>-9</last_value><is_called>true</is_called></row>"));
        assertThrows(IllegalStateException.class,
                () -> SequenceCatalog.parseXmlRow(new QualifiedName("public", "s"), "<table/>"));
    }

    @Test
    void actionLabels() {
        // --style setval|alter is parsed by upshift.cli.Converters (ConvertersTest)
        assertEquals("already-ahead", SequenceAction.ALREADY_AHEAD.label());
    }
}
