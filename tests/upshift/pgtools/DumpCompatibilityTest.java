package upshift.pgtools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import upshift.server.Capabilities;
import upshift.server.Flavour;

class DumpCompatibilityTest {

    @ParameterizedTest(name = "psql {0} knows \\restrict: {1}")
    @CsvSource({"12.22,false", "13.21,false", "13.22,true", "14.18,false", "14.19,true", "15.13,false",
        "15.14,true", "15.18,true", "16.9,false", "16.10,true", "17.5,false", "17.6,true", "18.0,true",
        "18beta1,true", "19devel,true"})
    void restrictArrivedInTheAugust2025Minors(String psql, boolean knows) {
        assertEquals(knows, DumpCompatibility.psqlKnowsRestrict(PgVersion.parse(psql)));
    }

    private static final String DUMP = "--\n\\restrict KEY1\nSET statement_timeout = 0;\n"
            + "SET transaction_timeout = 0;\nCREATE TABLE public.t (id int);\n\\unrestrict KEY1\n";

    @Test
    void keepsEverythingForACurrentPsqlAndServer() {
        DumpCompatibility.Filtered f = DumpCompatibility.filter("schema.sql", DUMP, PgVersion.parse("17.6"),
                Capabilities.of(17, Flavour.COMMUNITY));
        assertFalse(f.changed());
        assertEquals(DUMP, f.text());
    }

    @Test
    void replacesWhatAnOlderPsqlOrServerRejectsKeepingLineNumbers() {
        DumpCompatibility.Filtered f = DumpCompatibility.filter("schema.sql", DUMP, PgVersion.parse("15.13"),
                Capabilities.of(16, Flavour.COMMUNITY));
        assertTrue(f.changed());
        assertEquals(2, f.notes().size(), f.notes().toString());
        assertEquals(DUMP.split("\n", -1).length, f.text().split("\n", -1).length);
        assertFalse(f.text().contains("\\restrict"), f.text());
        assertFalse(f.text().contains("\\unrestrict"), f.text());
        assertFalse(f.text().contains("SET transaction_timeout"), f.text());
        assertTrue(f.text().contains("SET statement_timeout = 0;"));
        assertTrue(f.notes().get(0).contains("psql 15.13"), f.notes().get(0));
        assertEquals(1, SqlScript.parse(f.text()).createdTables().size());
    }
}
