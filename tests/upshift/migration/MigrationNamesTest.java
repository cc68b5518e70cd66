package upshift.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import upshift.ExitCode;
import upshift.UpshiftException;

class MigrationNamesTest {

    @Test
    void everyObjectNameDerivesFromTheMigrationName() {
        MigrationNames n = new MigrationNames("v16");
        assertEquals("v16_pub", n.publication());
        assertEquals("v16_sub", n.subscription());
        assertEquals("v16_slot", n.slot());
        assertEquals("v16_rollback_pub", n.rollbackPublication());
        assertEquals("v16_rollback_sub", n.rollbackSubscription());
        assertEquals("v16_rollback_slot", n.rollbackSlot());
    }

    @Test
    void namesThatCannotBeSlotNamesAreUsageErrors() {
        for (String bad : new String[] {"", "Upper", "has-dash", "sp ace", "x".repeat(50)}) {
            UpshiftException e = assertThrows(UpshiftException.class, () -> new MigrationNames(bad), bad);
            assertEquals(ExitCode.USAGE, e.exitCode());
        }
    }
}
