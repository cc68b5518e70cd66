package upshift.harness;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UnitTestsFirstTest {

    @Test
    void testsOnRealServersOrSubprocessesComeAfterTheUnits() {
        assertTrue(UnitTestsFirst.integration(upshift.status.StatusCommandTest.class), "takes a PgProvider");
        assertTrue(UnitTestsFirst.integration(upshift.e2e.HelpThroughJbangTest.class), "runs ./jbang");
        assertFalse(UnitTestsFirst.integration(upshift.sql.SqlTest.class));
        assertFalse(UnitTestsFirst.integration(UnitTestsFirstTest.class));
    }
}
