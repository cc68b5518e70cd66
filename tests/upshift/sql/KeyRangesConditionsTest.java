package upshift.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

import upshift.sql.KeyRanges.KeyColumn;

/** The conditions KeyRanges builds from a key and its bounds: open ends, row comparisons, quoting, casts. */
class KeyRangesConditionsTest {

    @Test
    void openEndsAroundEveryBound() {
        assertEquals(List.of("ctid < '(5,0)'::tid", "ctid >= '(5,0)'::tid AND ctid < '(10,0)'::tid",
                "ctid >= '(10,0)'::tid"), KeyRanges.between("ctid", List.of("'(5,0)'::tid", "'(10,0)'::tid")));
        assertEquals(List.of("\"id\" < 7", "\"id\" >= 7"), KeyRanges.between("\"id\"", List.of("7")));
        assertEquals(List.of(), KeyRanges.between("\"id\"", List.of()), "no bounds: the table whole");
    }

    @Test
    void aSingleColumnComparesItselfWithCastLiterals() {
        KeyColumn k = new KeyColumn(Sql.ident("Code"), "text", Sql.qualified("pg_catalog", "C"));
        assertEquals(List.of("\"Code\" < 'O''Brien'::text COLLATE \"pg_catalog\".\"C\"",
                "\"Code\" >= 'O''Brien'::text COLLATE \"pg_catalog\".\"C\""),
                KeyRanges.conditions(List.of(k), List.of(List.of("O'Brien"))));
    }

    @Test
    void severalColumnsCompareAsARow() {
        List<KeyColumn> key = List.of(new KeyColumn(Sql.ident("we\"ird"), "character varying(20)",
                Sql.qualified("pg_catalog", "default")), new KeyColumn(Sql.ident("N"), "integer", null));
        String first = "('a\\b'::character varying(20) COLLATE \"pg_catalog\".\"default\", '1'::integer)";
        String second = "('it''s'::character varying(20) COLLATE \"pg_catalog\".\"default\", '-2'::integer)";
        assertEquals(List.of("(\"we\"\"ird\", \"N\") < " + first,
                "(\"we\"\"ird\", \"N\") >= " + first + " AND (\"we\"\"ird\", \"N\") < " + second,
                "(\"we\"\"ird\", \"N\") >= " + second),
                KeyRanges.conditions(key, List.of(List.of("a\\b", "1"), List.of("it's", "-2"))));
    }

    @Test
    void aBoundHasAValueForEveryColumn() {
        List<KeyColumn> key = List.of(new KeyColumn("\"a\"", "text", null), new KeyColumn("\"b\"", "integer", null));
        assertThrows(IllegalArgumentException.class, () -> KeyRanges.conditions(key, List.of(List.of("x"))));
    }
}
