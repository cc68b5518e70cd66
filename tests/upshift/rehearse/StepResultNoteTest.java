package upshift.rehearse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The timeline's note for a step is its result, never a progress line, and it is not cut. */
class StepResultNoteTest {

    @Test
    void theReportsLastLineNotTheLastProgressLine() {
        String stdout = "origin       PostgreSQL 13.23\n\n0 blocking, 1 warning(s), 2 info\n"
                + "READY: no blocking finding (read the warnings before create-subscription)\n";
        String stderr = "checking the way back (rollback replication) for 5 table(s)\n";
        assertEquals("READY: no blocking finding (read the warnings before create-subscription)",
                Rehearsal.result(stdout, stderr));
    }

    @Test
    void aJsonReportGivesItsOutcomeAndFreezeWindow() {
        String stdout = "{\"version\":1,\"step\":\"switchover\",\"outcome\":\"switched over\",\"freezeWindowSeconds\":0.4912}";
        assertEquals("switched over, freeze window 0.49 s", Rehearsal.result(stdout, "rollback 1.02 s ..."));
    }

    @Test
    void aLongResultIsKeptWhole() {
        String line = "verify: 5 tables, origin and destination equal (row checksums): public.auth_user,"
                + " public.shop_product, public.shop_order, public.shop_orderline";
        assertEquals(line, Rehearsal.result(line + "\n", ""));
    }

    @Test
    void withoutAReportTheLastErrorLine() {
        assertEquals("error: connection refused", Rehearsal.result("", "== preflight\nerror: connection refused\n"));
    }
}
