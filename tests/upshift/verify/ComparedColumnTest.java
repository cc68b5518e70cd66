package upshift.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import upshift.schema.Column;
import upshift.sql.QualifiedName;

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
        "integer           | int4        | bigint                      | int8        | text",
        "smallint          | int2        | bigint                      | int8        | text",
        "text              | text        | character varying(150)      | varchar     | text",
        "character varying(50) | varchar | text                        | text        | text",
        "numeric(10,2)     | numeric     | numeric(12,2)               | numeric     | number",
        "integer           | int4        | numeric(12,2)               | numeric     | number",
        "numeric           | numeric     | numeric(12,4)               | numeric     | number",
        "real              | float4      | double precision            | float8      | float8",
        "numeric(10,2)     | numeric     | double precision            | float8      | float8",
        "character(5)      | bpchar      | character varying(5)        | varchar     | text, trailing blanks ignored",
        "json              | json        | jsonb                       | jsonb       | jsonb",
        "timestamp without time zone | timestamp | timestamp with time zone | timestamptz | timestamp in UTC",
        "date              | date        | timestamp without time zone | timestamp   | timestamp in UTC",
        "integer[]         | _int4       | bigint[]                    | _int8       | text",
        "uuid              | uuid        | text                        | text        | text",
    })
    void rules(String originType, String originBase, String destinationType, String destinationBase,
            String comparedAs) {
        ComparedColumn c = ComparedColumn.of(column(originType, originBase), column(destinationType, destinationBase));
        assertEquals(comparedAs, c.comparedAs());
        assertEquals(!originType.equals(destinationType), c.typeChanged());
    }

    @Test
    void expressionsQuoteTheColumnAndKeepNulls() {
        ComparedColumn same = ComparedColumn.of(column("Memo", "text", "text", -1),
                column("Memo", "text", "text", -1));
        assertEquals("\"Memo\"::text", same.expression());

        ComparedColumn number = ComparedColumn.of(column("price", "numeric(10,2)", "numeric", -1),
                column("price", "numeric(12,4)", "numeric", -1));
        assertEquals("regexp_replace(\"price\"::numeric::text, '(\\.[0-9]*[1-9])0+$|\\.0+$', '\\1')",
                number.expression());

        ComparedColumn padded = ComparedColumn.of(column("code", "character(5)", "bpchar", 5),
                column("code", "text", "text", -1));
        assertEquals("rtrim(\"code\"::text, ' ')", padded.expression());

        ComparedColumn odd = ComparedColumn.of(column("a\"b", "integer", "int4", -1),
                column("a\"b", "bigint", "int8", -1));
        assertEquals("\"a\"\"b\"::text", odd.expression());
    }

    @Test
    void countOnlyAndChecksumQueries() {
        QualifiedName invoice = new QualifiedName("Billing", "Invoice");
        assertEquals("SELECT count(*) AS row_count FROM ONLY \"Billing\".\"Invoice\"",
                new TableQuery(invoice, false, null).sql());
        assertEquals("SELECT count(*) AS row_count FROM \"Billing\".\"Invoice\"",
                new TableQuery(invoice, true, null).sql(), "a partitioned table is read through its root");

        List<ComparedColumn> columns = List.of(
                ComparedColumn.of(column("Id", "integer", "int4", -1), column("Id", "bigint", "int8", -1)),
                ComparedColumn.of(column("Memo", "text", "text", -1), column("Memo", "text", "text", -1)));
        TableQuery query = new TableQuery(invoice, false, columns);
        assertTrue(query.checksum());
        String sql = query.sql();
        assertTrue(sql.contains("convert_to(ROW(\"Id\"::text, \"Memo\"::text)::text, 'UTF8')"
                + "]) AS row_bytes FROM ONLY \"Billing\".\"Invoice\""), sql); // the aggregation: TableQueryTest
        assertFalse(sql.contains("bit_xor"), "bit_xor does not exist before 14");
    }

    @Test
    void digestsDependOnEveryPart() {
        String d = Verification.digest(10, "123", "456");
        assertEquals(16, d.length());
        assertEquals(d, Verification.digest(10, "123", "456"));
        assertFalse(d.equals(Verification.digest(11, "123", "456")));
        assertFalse(d.equals(Verification.digest(10, "124", "456")));
        assertFalse(d.equals(Verification.digest(10, "123", "457")));
    }
}
