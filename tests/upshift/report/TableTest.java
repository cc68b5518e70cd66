package upshift.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TableTest {

    @Test
    void columnsAlignLikePsql() {
        String rendered = Table.of("table", "rows").row("public.orders", 12).row("x", null).render();
        assertEquals("""
                table         | rows
                --------------+-----
                public.orders | 12
                x             |
                """, rendered);
    }

    @Test
    void rowsMustFitTheHeader() {
        assertThrows(IllegalArgumentException.class, () -> Table.of("a", "b").row("only one"));
    }
}
