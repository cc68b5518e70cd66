package org.example.library;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.junit.jupiter.api.Test;

import upshift.junit.Rehearsed;
import upshift.junit.UpshiftRehearsal;

/**
 * Rehearses the library's upgrade from PostgreSQL 13 (library-v1.sql) to 16 with the next release's schema
 * (library-v2.sql): 20,000 generated rows, a workload of 25 writes a second during the whole runbook, switchover
 * and back. The extension checks the runbook; these tests add the library's own checks.
 */
@UpshiftRehearsal(origin = 13, destination = 16,
        schema = "db/library-v1.sql", newSchema = "db/library-v2.sql",
        rows = "20000,member=2000,book=5000", rate = 25,
        junitReport = "target/upshift-reports/TEST-library-rehearsal.xml")
class LibraryUpgradeTest {

    @Test
    void noAcknowledgedLoanWasLost(Rehearsed rehearsal) {
        assertEquals(0L, rehearsal.report().lostWrites(), rehearsal.reportText());
        assertEquals(Boolean.TRUE, rehearsal.report().verified(), rehearsal.reportText());
    }

    @Test
    void everyLoanOnTheNewServerStillPointsAtAMemberAndABook(Rehearsed rehearsal) throws SQLException {
        // replication applies rows without the destination's foreign-key triggers: check the rows themselves
        try (Connection db = rehearsal.destination().connect()) {
            assertTrue(count(db, "SELECT count(*) FROM loan") > 0, "no loans on the destination");
            assertEquals(0, count(db, """
                    SELECT count(*) FROM loan l
                      LEFT JOIN member m ON m.id = l.member_id
                      LEFT JOIN book b ON b.id = l.book_id
                     WHERE m.id IS NULL OR b.id IS NULL"""));
            assertEquals(0, count(db, "SELECT count(*) FROM loan WHERE returned_at < loaned_at"));
        }
    }

    @Test
    void loanIdsAreBigintOnTheNewServer(Rehearsed rehearsal) throws SQLException {
        try (Connection db = rehearsal.destination().connect(); Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT data_type FROM information_schema.columns"
                     + " WHERE table_schema = 'public' AND table_name = 'loan' AND column_name = 'id'")) {
            assertTrue(rs.next());
            assertEquals("bigint", rs.getString(1));
        }
    }

    private static long count(Connection db, String sql) throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
