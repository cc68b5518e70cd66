package upshift.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import upshift.ExitCode;
import upshift.UpshiftException;
import upshift.sql.QualifiedName;

class AcceptedLossyTest {

    @Test
    void namesColumnsAsTheServerFoldsThem() {
        AcceptedLossy accepted = AcceptedLossy.parse(List.of("shop_order.Total", "\"Billing\".\"Invoice\".\"Amount\""));
        assertTrue(accepted.accepts(new QualifiedName("public", "shop_order"), "total"));
        assertTrue(accepted.accepts(new QualifiedName("Billing", "Invoice"), "Amount"));
        assertFalse(accepted.accepts(new QualifiedName("billing", "invoice"), "amount"));
        assertFalse(accepted.accepts(new QualifiedName("public", "shop_order"), "Total"));
    }

    @Test
    void optionTextRoundTrips() {
        QualifiedName odd = new QualifiedName("My Schema", "t.1");
        String option = AcceptedLossy.option(odd, "Col");
        assertEquals("--accept-lossy '\"My Schema\".\"t.1\".\"Col\"'", option);
        assertTrue(AcceptedLossy.parse(List.of("\"My Schema\".\"t.1\".\"Col\"")).accepts(odd, "Col"));
    }

    @Test
    void malformedValuesAreUsageErrors() {
        for (String bad : List.of("", "total", "a.b.c.d", "t.\"open", "t.c=1", "t..c")) {
            UpshiftException e = assertThrows(UpshiftException.class, () -> AcceptedLossy.parse(List.of(bad)), bad);
            assertEquals(ExitCode.USAGE, e.exitCode(), bad);
            assertTrue(e.getMessage().contains("--accept-lossy"), e.getMessage());
        }
    }
}
