package upshift.preflight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import upshift.schema.Column;
import upshift.schema.TableDrift.ColumnChange;
import upshift.schema.TypeChange;
import upshift.sql.QualifiedName;

/** The data checks' SQL: one SELECT per table, every identifier quoted. */
class DataCheckTest {

    private static Column column(String name, String type, String baseType, int length) {
        return new Column(name, type, baseType, length, false, null, false, false, null);
    }

    private static ColumnChange change(Column origin, Column destination) {
        return new ColumnChange(origin.name(), origin, destination, TypeChange.between(origin, destination));
    }

    @Test
    void oneSelectForAllCheckedColumnsOfATableWithQuotedNames() {
        ColumnChange memo = change(column("Memo", "text", "text", -1),
                column("Memo", "character varying(20)", "varchar", 20));
        ColumnChange order = change(column("OrderId", "bigint", "int8", -1), column("OrderId", "integer", "int4", -1));
        ColumnChange amount = change(column("Amount", "numeric(12,2)", "numeric", -1),
                column("Amount", "numeric(8,2)", "numeric", -1));
        List<DataCheck.Probe> probes = List.of(DataCheck.probe(memo).orElseThrow(),
                DataCheck.probe(order).orElseThrow(), DataCheck.probe(amount).orElseThrow());

        String sql = DataCheck.query(new QualifiedName("Billing", "Invoice"), true, probes);

        assertEquals("""
                SELECT pg_catalog.count(*),
                       pg_catalog.max(pg_catalog.char_length("Memo"::pg_catalog.text))::pg_catalog.text,
                       pg_catalog.count(*) FILTER (WHERE pg_catalog.char_length("Memo"::pg_catalog.text) > 20),
                       pg_catalog.min("OrderId")::pg_catalog.text || ' .. ' || pg_catalog.max("OrderId")::pg_catalog.text,
                       pg_catalog.count(*) FILTER (WHERE ("OrderId" < -2147483648 OR "OrderId" > 2147483647)),
                       pg_catalog.max(pg_catalog.abs("Amount"::pg_catalog.numeric))::pg_catalog.text,
                       pg_catalog.count(*) FILTER (WHERE pg_catalog.round(pg_catalog.abs("Amount"::pg_catalog.numeric), 2) >= 1000000)
                  FROM ONLY "Billing"."Invoice\"""", sql);
    }

    @Test
    void onlyLengthAndNarrowingChangesAreChecked() {
        assertTrue(DataCheck.probe(change(column("id", "integer", "int4", -1), column("id", "bigint", "int8", -1)))
                .isEmpty());
        assertTrue(DataCheck.probe(change(column("n", "character varying(50)", "varchar", 50),
                column("n", "character varying(100)", "varchar", 100))).isEmpty());
        DataCheck.Probe small = DataCheck.probe(change(column("q", "integer", "int4", -1),
                column("q", "smallint", "int2", -1))).orElseThrow();
        assertEquals("-32768 .. 32767", small.limit());
        assertEquals("SELECT * FROM \"public\".\"t\" WHERE (\"q\" < -32768 OR \"q\" > 32767);",
                DataCheck.rowsQuery(new QualifiedName("public", "t"), small));
    }

    @Test
    void fewerDecimalsOnDestinationAreCalledOut() {
        DataCheck.Probe rounded = DataCheck.probe(change(column("p", "numeric(12,4)", "numeric", -1),
                column("p", "numeric(12,2)", "numeric", -1))).orElseThrow();
        assertTrue(rounded.roundingNote().contains("rounded away"), rounded.roundingNote());
        DataCheck.Probe magnitude = DataCheck.probe(change(column("p", "numeric(12,2)", "numeric", -1),
                column("p", "numeric(8,2)", "numeric", -1))).orElseThrow();
        assertEquals("", magnitude.roundingNote());
        assertEquals("absolute values below 1000000", magnitude.limit());
    }
}
