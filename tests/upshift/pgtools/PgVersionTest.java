package upshift.pgtools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PgVersionTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)|15|18|15.18",
        "psql (PostgreSQL) 16.10|16|10|16.10",
        "pg_dump (PostgreSQL) 18beta1|18|0|18beta1",
        "psql (PostgreSQL) 19devel|19|0|19devel",
        "pg_dump (PostgreSQL) 9.6.24|9|6|9.6.24",
        "psql (PostgreSQL) 17.6 (Ubuntu 17.6-1.pgdg24.04+1)|17|6|17.6",
        "13.23|13|23|13.23"})
    void parsesWhatClientProgramsPrint(String output, int major, int minor, String text) {
        PgVersion v = PgVersion.parse(output);
        assertEquals(major, v.major());
        assertEquals(minor, v.minor());
        assertEquals(text, v.toString());
    }

    @Test
    void serverVersionNum() {
        assertEquals(new PgVersion(16, 15, "16.15"), PgVersion.ofServer(160015, "16.15"));
        assertEquals(new PgVersion(9, 6, "9.6.24"), PgVersion.ofServer(90624, "9.6.24"));
    }

    @Test
    void ordering() {
        assertTrue(PgVersion.parse("15.18").compareTo(PgVersion.parse("16.1")) < 0);
        assertTrue(PgVersion.parse("15.18").compareTo(PgVersion.parse("15.9")) > 0);
        assertTrue(PgVersion.parse("15.14").atLeast(15, 14));
        assertFalse(PgVersion.parse("15.13").atLeast(15, 14));
    }

    @Test
    void rejectsSomethingElse() {
        assertThrows(IllegalArgumentException.class, () -> PgVersion.parse("bash: pg_dump: command not found"));
    }
}
