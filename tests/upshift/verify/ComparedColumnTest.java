package upshift.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import upshift.schema.Column;
import upshift.sql.QualifiedName;
import upshift.verify.ComparedColumn.Side;

/** How each pair of column types is compared, and the SQL verify runs per table; no server needed. */
class ComparedColumnTest {

    private static Column column(String name, String type, String baseType, int length) {
        return new Column(name, type, baseType, length, false, null, false, false, null);
    }

    private static Column column(String type, String baseType) {
        int length = type.matches(".*\\((\\d+)\\)") && !baseType.equals("numeric")
                ? Integer.parseInt(type.replaceAll(".*\\((\\d+)\\)", "$1")) : -1;
        return column("v", type, baseType, length);
    }

    @ParameterizedTest(name = "{0} -> {2}: {4}")
    @CsvSource(delimiter = '|', value = {
        "integer           | int4        | integer                     | int4        | text",
        "integer           | int4        | bigint                      | int8        | exact number",
        "smallint          | int2        | bigint                      | int8        | exact number",
        "text              | text        | character varying(150)      | varchar     | text",
        "character varying(50) | varchar | text                        | text        | text",
        "numeric(10,2)     | numeric     | numeric(12,2)               | numeric     | exact number",
        "integer           | int4        | numeric(12,2)               | numeric     | exact number",
        "numeric           | numeric     | numeric(12,4)               | numeric     | exact number",
        "real              | float4      | double precision            | float8      | exact number",
        "numeric(10,2)     | numeric     | double precision            | float8      | exact number",
        "bigint            | int8        | double precision            | float8      | exact number",
        "character(5)      | bpchar      | character varying(5)        | varchar     | text, char(n) without padding",
        "json              | json        | jsonb                       | jsonb       | json value (jsonb form; duplicate keys differ)",
        "timestamp without time zone | timestamp | timestamp with time zone | timestamptz | timestamp in UTC",
        "date              | date        | timestamp without time zone | timestamp   | timestamp in UTC",
        "integer[]         | _int4       | bigint[]                    | _int8       | text",
        "numeric(10,2)[]   | _numeric    | numeric(12,4)[]             | _numeric    | array of exact number, element by element",
        "uuid              | uuid        | text                        | text        | text output",
        "text              | text        | mood                        | mood        | text output",
        "positive          | int4        | integer                     | int4        | exact number",
        "bit(5)            | bit         | bit varying(5)              | varbit      | text output",
    })
    void rules(String originType, String originBase, String destinationType, String destinationBase,
            String comparedAs) {
        ComparedColumn c = ComparedColumn.of(column(originType, originBase), column(destinationType, destinationBase));
        assertEquals(comparedAs, c.comparedAs());
        assertEquals(!originType.equals(destinationType), c.typeChanged());
        assertTrue(c.compared());
        assertFalse(c.acceptedLossy());
    }

    @Test
    void eachSideRendersItsOwnTypeNeverTheOtherSidesConversion() {
        ComparedColumn same = ComparedColumn.of(column("Memo", "text", "text", -1),
                column("Memo", "text", "text", -1));
        assertEquals("\"Memo\"::text", same.expression(Side.ORIGIN));
        assertEquals("\"Memo\"::text", same.expression(Side.DESTINATION));

        ComparedColumn number = ComparedColumn.of(column("price", "numeric(10,2)", "numeric", -1),
                column("price", "numeric(12,4)", "numeric", -1));
        String trimmed = "regexp_replace(\"price\"::text, '(\\.[0-9]*[1-9])0+$|\\.0+$', '\\1')";
        assertEquals(trimmed, number.expression(Side.ORIGIN));
        assertEquals(trimmed, number.expression(Side.DESTINATION));

        // bigint -> double precision: origin's bigint is its own exact text, not cast through float8
        ComparedColumn big = ComparedColumn.of(column("n", "bigint", "int8", -1),
                column("n", "double precision", "float8", -1));
        assertEquals("\"n\"::text", big.expression(Side.ORIGIN));
        assertFalse(big.expression(Side.ORIGIN).contains("float8"), big.expression(Side.ORIGIN));
        assertTrue(big.expression(Side.DESTINATION).contains("\"n\"::text::numeric::text"),
                big.expression(Side.DESTINATION));
        assertTrue(big.expression(Side.DESTINATION).contains("'NaN', 'Infinity', '-Infinity', '-0'"),
                big.expression(Side.DESTINATION));

        ComparedColumn padded = ComparedColumn.of(column("code", "character(5)", "bpchar", 5),
                column("code", "text", "text", -1));
        assertEquals("\"code\"::text", padded.expression(Side.ORIGIN), "char(n)'s cast to text drops the padding");
        assertEquals("\"code\"::text", padded.expression(Side.DESTINATION));

        ComparedColumn times = ComparedColumn.of(column("at", "timestamp with time zone", "timestamptz", -1),
                column("at", "date", "date", -1));
        assertEquals("(\"at\" AT TIME ZONE 'UTC')::text", times.expression(Side.ORIGIN));
        assertEquals("\"at\"::timestamp::text", times.expression(Side.DESTINATION));

        ComparedColumn json = ComparedColumn.of(column("doc", "json", "json", -1), column("doc", "jsonb", "jsonb", -1));
        assertTrue(json.expression(Side.ORIGIN).contains("json_each("), json.expression(Side.ORIGIN));
        assertTrue(json.expression(Side.ORIGIN).contains("'json with duplicate keys: '"), json.expression(Side.ORIGIN));
        assertEquals("\"doc\"::text", json.expression(Side.DESTINATION));

        ComparedColumn array = ComparedColumn.of(column("a", "numeric(10,2)[]", "_numeric", -1),
                column("a", "numeric(12,4)[]", "_numeric", -1));
        assertTrue(array.expression(Side.ORIGIN).contains("array_dims(\"a\")"), array.expression(Side.ORIGIN));
        assertTrue(array.expression(Side.ORIGIN).contains("unnest(\"a\") WITH ORDINALITY"));

        ComparedColumn odd = ComparedColumn.of(column("a\"b", "integer", "int4", -1),
                column("a\"b", "bigint", "int8", -1));
        assertEquals("\"a\"\"b\"::text", odd.expression(Side.ORIGIN));
    }

    @Test
    void anAcceptedColumnIsComparedAsTheDestinationConvertsIt() {
        Column origin = column("total", "numeric(12,4)", "numeric", -1);
        Column destination = column("total", "numeric(10,2)", "numeric", -1);
        ComparedColumn c = ComparedColumn.accepted(origin, destination, true);
        assertEquals("as destination converts it (--accept-lossy)", c.comparedAs());
        assertTrue(c.acceptedLossy());
        assertTrue(c.compared());
        assertEquals("(CASE WHEN num_nulls(\"total\") = 1 THEN NULL ELSE format('%s', \"total\") END)::numeric(10,2)::text",
                c.expression(Side.ORIGIN));
        assertEquals("\"total\"::text", c.expression(Side.DESTINATION));

        ComparedColumn missing = ComparedColumn.accepted(column("m", "text", "text", -1),
                column("m", "mood", "mood", -1), false);
        assertFalse(missing.compared());
        assertTrue(missing.acceptedLossy());
        assertTrue(missing.comparedAs().startsWith("not compared: "), missing.comparedAs());
        QualifiedName t = new QualifiedName("public", "t");
        String sql = new TableQuery(t, false, List.of(missing, c), Side.ORIGIN).sql();
        assertTrue(sql.contains("ROW((CASE WHEN"), "only the compared column is hashed: " + sql);
        assertFalse(sql.contains("\"m\""), sql);
    }

    @Test
    void countOnlyAndChecksumQueries() {
        QualifiedName invoice = new QualifiedName("Billing", "Invoice");
        assertEquals("SELECT count(*) AS row_count FROM ONLY \"Billing\".\"Invoice\"",
                new TableQuery(invoice, false).sql());
        assertEquals("SELECT count(*) AS row_count FROM \"Billing\".\"Invoice\"",
                new TableQuery(invoice, true).sql(), "a partitioned table is read through its root");

        List<ComparedColumn> columns = List.of(
                ComparedColumn.of(column("Id", "integer", "int4", -1), column("Id", "bigint", "int8", -1)),
                ComparedColumn.of(column("Memo", "text", "text", -1), column("Memo", "text", "text", -1)));
        TableQuery query = new TableQuery(invoice, false, columns, Side.DESTINATION);
        assertTrue(query.checksum());
        String sql = query.sql();
        assertTrue(columns.get(0).plainOutput() && columns.get(1).plainOutput(), "int4/int8 and text: their output");
        assertTrue(sql.contains("convert_to(ROW(\"Id\", \"Memo\")::text, 'UTF8')"
                + "], 1)), 0)::text AS row_hash_sum FROM ONLY \"Billing\".\"Invoice\""), sql); // TableQueryTest
        assertFalse(sql.contains("bit_xor"), "bit_xor does not exist before 14");
        String range = query.inRange("ctid >= '(8,0)'::pg_catalog.tid").sql();
        assertTrue(range.endsWith(" FROM ONLY \"Billing\".\"Invoice\" WHERE ctid >= '(8,0)'::pg_catalog.tid"), range);
    }

    @Test
    void onlyColumnsRenderedByTheirOwnOutputGoIntoTheRecordAsTheyAre() {
        assertTrue(ComparedColumn.of(column("a", "timestamp with time zone", "timestamptz", -1),
                column("a", "timestamp with time zone", "timestamptz", -1)).plainOutput());
        assertTrue(ComparedColumn.of(column("a", "text", "text", -1), column("a", "character varying(5)", "varchar", -1))
                .plainOutput());
        for (String[] notPlain : List.of(new String[] {"boolean", "bool"}, new String[] {"character(5)", "bpchar"},
                new String[] {"inet", "inet"}, new String[] {"jsonb", "jsonb"}, new String[] {"integer[]", "_int4"})) {
            ComparedColumn c = ComparedColumn.of(column("a", notPlain[0], notPlain[1], -1),
                    column("a", notPlain[0], notPlain[1], -1));
            assertFalse(c.plainOutput(), notPlain[0]);
            assertEquals("\"a\"::text", c.recordExpression(Side.ORIGIN), notPlain[0]);
        }
        ComparedColumn numbers = ComparedColumn.of(column("a", "numeric(10,2)", "numeric", -1),
                column("a", "numeric(12,4)", "numeric", -1));
        assertFalse(numbers.plainOutput(), "trailing zeros trimmed: not the output");
        assertEquals(numbers.expression(Side.DESTINATION), numbers.recordExpression(Side.DESTINATION));
        ComparedColumn floats = ComparedColumn.of(column("a", "real", "float4", -1),
                column("a", "double precision", "float8", -1));
        assertFalse(floats.plainOutput());
        assertEquals("\"A b\"", ComparedColumn.of(column("A b", "bigint", "int8", -1),
                column("A b", "bigint", "int8", -1)).recordExpression(Side.ORIGIN), "quoted");
    }

    @Test
    void digestsDependOnEveryPart() {
        TableQuery.RowHash bytes = TableQuery.RowHash.UTF8_BYTES;
        String d = Verification.digest(bytes, 10, BigInteger.valueOf(123));
        assertEquals(32, d.length(), "128 bits");
        assertEquals(d, Verification.digest(bytes, 10, BigInteger.valueOf(123)));
        assertFalse(d.equals(Verification.digest(bytes, 11, BigInteger.valueOf(123))));
        assertFalse(d.equals(Verification.digest(bytes, 10, BigInteger.valueOf(124))));
        assertFalse(d.equals(Verification.digest(TableQuery.RowHash.UTF8_TEXT, 10, BigInteger.valueOf(123))),
                "two hash spellings never give equal digests");
    }
}
