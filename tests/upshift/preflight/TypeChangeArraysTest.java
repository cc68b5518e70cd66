package upshift.preflight;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import upshift.schema.Column;
import upshift.schema.TypeChange;

/**
 * Array columns are classified by their element types (preflight blocks on INCOMPATIBLE, so a false one stops a
 * migration). Columns as Catalog reads them: format_type() and the array type's typname, length -1.
 */
class TypeChangeArraysTest {

    @ParameterizedTest(name = "{0} -> {2}: {4}")
    @CsvSource(delimiter = '|', value = {
        "integer[]               | _int4    | bigint[]                | _int8    | WIDENING",
        "bigint[]                | _int8    | integer[]               | _int4    | CAUTION",
        "text[]                  | _text    | character varying(10)[] | _varchar | CAUTION",
        "character varying(10)[] | _varchar | text[]                  | _text    | WIDENING",
        "character varying(10)[] | _varchar | character varying(20)[] | _varchar | WIDENING",
        "integer[]               | _int4    | text[]                  | _text    | CONVERTIBLE",
        "integer[]               | _int4    | boolean[]               | _bool    | INCOMPATIBLE",
        "integer[]               | _int4    | integer                 | int4     | INCOMPATIBLE",
    })
    void arraysFollowTheirElements(String originType, String originBase, String destinationType,
            String destinationBase, TypeChange expected) {
        Column origin = new Column("c", originType, originBase, -1, false, null, false, false, null);
        Column destination = new Column("c", destinationType, destinationBase, -1, false, null, false, false, null);
        assertEquals(expected, TypeChange.between(origin, destination));
    }
}
