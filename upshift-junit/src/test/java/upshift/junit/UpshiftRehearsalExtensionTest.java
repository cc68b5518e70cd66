package upshift.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import upshift.generate.TableWorkload;
import upshift.rehearse.Timeline;

/**
 * The extension as a user's test class uses it: one rehearsal 13 -> 16 of the accounts schema (test resources
 * rehearsal/old.sql and new.sql) before the first test, both servers handed to the tests afterwards, still running.
 */
@UpshiftRehearsal(origin = 13, destination = 16, schema = "rehearsal/old.sql", newSchema = "rehearsal/new.sql",
        rows = "3000,account=500", rate = 30, seed = 5)
class UpshiftRehearsalExtensionTest {

    private static Rehearsed before;

    @BeforeAll
    static void lifecycleMethodsGetItToo(Rehearsed rehearsed) {
        before = rehearsed;
    }

    @Test
    void theRunbookRanEndToEndAndLostNoWrite(Rehearsed rehearsed, Timeline.Summary report) {
        assertSame(before, rehearsed, "one rehearsal per class");
        assertSame(rehearsed.report(), report);
        assertEquals(0, rehearsed.exitCode(), rehearsed.reportText());
        assertTrue(rehearsed.passed(), rehearsed.reportText());
        assertEquals(13, report.fromMajor());
        assertEquals(16, report.toMajor());
        assertEquals(Boolean.TRUE, report.verified(), rehearsed.reportText());
        assertEquals(0L, report.lostWrites(), rehearsed.reportText());
        List<String> steps = report.steps().stream().map(Timeline.Step::step).toList();
        assertTrue(steps.get(0).startsWith("start servers 13 and 16 (" + rehearsed.provider() + ")"), steps.toString());
        for (String step : List.of("create-publication", "create-subscription", "switchover", "switchback",
                "cleanup --forward")) {
            assertTrue(steps.contains(step), step + " not in " + steps);
        }
        // the workload wrote to both tables during the runbook, and every acknowledged write is on origin
        long written = report.writes().stream().mapToLong(w -> w.inserted() + w.updated() + w.deleted()).sum();
        assertTrue(written > 0, "workload writes: " + report.writes());
        report.writes().forEach(w -> assertEquals(0, w.lost(), w.toString()));
        assertTrue(rehearsed.reportText().contains("rehearsal 13 -> 16"), rehearsed.reportText());
    }

    @Test
    void theDestinationHasTheNewModelAndTheOriginsRows(Rehearsed rehearsed) throws SQLException {
        assertEquals(16, rehearsed.destination().major());
        assertTrue(rehearsed.destination().version().startsWith("16."), rehearsed.destination().version());
        try (Connection d = rehearsed.destination().connect(); Connection o = rehearsed.origin().connect()) {
            assertEquals("bigint", one(d, "SELECT data_type FROM information_schema.columns"
                    + " WHERE table_name = 'transfer' AND column_name = 'source'"));
            assertEquals("integer", one(o, "SELECT data_type FROM information_schema.columns"
                    + " WHERE table_name = 'transfer' AND column_name = 'source'"));
            long accounts = Long.parseLong(one(d, "SELECT count(*) FROM account"));
            assertTrue(accounts >= 400, "accounts on destination: " + accounts);
            // the generator honoured the foreign keys and the CHECKs; replication carried them
            assertEquals("0", one(d, "SELECT count(*) FROM transfer t LEFT JOIN account a ON a.id = t.source"
                    + " WHERE a.id IS NULL OR t.amount <= 0"));
        }
    }

    @Test
    void theReportSaysWhatTheGeneratorLoadedPerTable(Timeline.Summary report) {
        long loaded = report.data().stream().mapToLong(t -> t.inserted()).sum();
        assertTrue(loaded >= 2500, "rows generated: " + report.data());
        assertTrue(report.writes().stream().map(TableWorkload.TableAccount::table).count() >= 2, report.writes().toString());
    }

    @Nested
    class ANestedClass {
        @Test
        void sharesTheEnclosingRehearsal(Rehearsed rehearsed) {
            assertSame(before, rehearsed);
        }
    }

    private static String one(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getString(1);
        }
    }
}
