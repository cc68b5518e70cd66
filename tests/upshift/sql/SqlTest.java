package upshift.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SqlTest {

    @Test
    void identifiersAreAlwaysQuoted() {
        assertEquals("\"orders\"", Sql.ident("orders"));
        assertEquals("\"Order Items\"", Sql.ident("Order Items"));
        assertEquals("\"we\"\"ird\"", Sql.ident("we\"ird"));
        assertEquals("\"public\".\"Order\"", Sql.qualified("public", "Order"));
        assertEquals("\"My Schema\".\"t\"", new QualifiedName("My Schema", "t").sql());
        assertThrows(IllegalArgumentException.class, () -> Sql.ident(""));
    }

    @Test
    void literalsDoubleQuotesAndKeepBackslashes() {
        assertEquals("'it''s'", Sql.literal("it's"));
        assertEquals("'C:\\path'", Sql.literal("C:\\path"));
        assertEquals("NULL", Sql.literal(null));
        assertThrows(IllegalArgumentException.class, () -> Sql.literal("nul\0byte"));
    }

    @Test
    void qualifiedNamesSortBySchemaThenName() {
        QualifiedName a = new QualifiedName("a", "z");
        QualifiedName b = new QualifiedName("b", "a");
        assertEquals(-1, Integer.signum(a.compareTo(b)));
        assertEquals("a.z", a.toString());
    }
}
