package upshift.harness;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UnitTestsFirstTest {

    @Test
    void testsOnRealServersOrSubprocessesComeAfterTheUnits() throws Exception {
        assertTrue(UnitTestsFirst.integration(Class.forName("upshift.status.StatusCommandTest")), "takes a PgProvider");
        assertTrue(UnitTestsFirst.integration(Class.forName("upshift.e2e.HelpThroughJbangTest")), "runs ./jbang");
        assertFalse(UnitTestsFirst.integration(Class.forName("upshift.sql.SqlTest")));
        assertFalse(UnitTestsFirst.integration(UnitTestsFirstTest.class));
    }
}
