package upshift.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import upshift.ExitCode;
import upshift.UpshiftException;

class UnitsTest {

    @Test
    void durationsAsOperatorsTypeThem() {
        assertEquals(Duration.ofSeconds(90), Units.duration("90s", "--timeout"));
        assertEquals(Duration.ofMinutes(30), Units.duration("30m", "--timeout"));
        assertEquals(Duration.ofMinutes(90), Units.duration("1h30m", "--timeout"));
        assertEquals(Duration.ofHours(48), Units.duration("2d", "--timeout"));
        assertEquals(Duration.ofMillis(500), Units.duration("500ms", "--interval"));
        assertEquals(Duration.ofSeconds(5), Units.duration("5", "--interval"));
        assertEquals(Duration.ofMillis(2500), Units.duration("2.5", "--interval"));
        assertEquals(Duration.ofMinutes(30), Units.duration("PT30M", "--timeout"));
        assertEquals(Duration.ofMinutes(2), Units.duration(" 2M ", "--timeout"));
    }

    @Test
    void malformedDurationsAreUsageErrors() {
        for (String bad : new String[] {"", "m", "30 minutes", "1h-5m", "x30s", "30s5"}) {
            UpshiftException e = assertThrows(UpshiftException.class, () -> Units.duration(bad, "--timeout"), bad);
            assertEquals(ExitCode.USAGE, e.exitCode());
        }
    }

    @Test
    void sizesArePowersOf1024LikePostgres() {
        assertEquals(1048576, Units.bytes("1MB", "--max-lag"));
        assertEquals(1048576, Units.bytes("1048576", "--max-lag"));
        assertEquals(512 * 1024, Units.bytes("512kB", "--max-lag"));
        assertEquals(16L << 20, Units.bytes("16MiB", "--max-lag"));
        assertEquals(2L << 30, Units.bytes("2 GB", "--max-lag"));
        assertEquals(0, Units.bytes("0", "--max-lag"));
        assertEquals(ExitCode.USAGE, assertThrows(UpshiftException.class,
                () -> Units.bytes("lots", "--max-lag")).exitCode());
    }

    @Test
    void prettyForPeople() {
        assertEquals("512 bytes", Units.pretty(512));
        assertEquals("1.0 kB", Units.pretty(1024));
        assertEquals("1.2 MB", Units.pretty(1_258_291));
        assertEquals("0.4 s", Units.pretty(Duration.ofMillis(400)));
        assertEquals("42 s", Units.pretty(Duration.ofSeconds(42)));
        assertEquals("3m05s", Units.pretty(Duration.ofSeconds(185)));
        assertEquals("2h10m", Units.pretty(Duration.ofMinutes(130)));
    }
}
