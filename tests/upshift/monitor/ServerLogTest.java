package upshift.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ServerLogTest {

    @Test
    void findsTheLastReplicationErrorLine() {
        String log = """
                2025-01-01 10:00:00.000 UTC [100] LOG:  logical replication apply worker for subscription "upshift_sub" has started
                2025-01-01 10:00:00.100 UTC [101] ERROR:  logical replication target relation "public.auth_user" is missing replicated column: "legacy_flags"
                2025-01-01 10:00:00.200 UTC [102] ERROR:  relation "nope" does not exist at character 15
                2025-01-01 10:00:00.200 UTC [102] STATEMENT:  SELECT * FROM nope
                2025-01-01 10:00:01.000 UTC [103] ERROR:  logical replication target relation "public.shop_product" is missing replicated column: "legacy_code"
                2025-01-01 10:00:01.001 UTC [103] LOG:  subscription "upshift_sub" has been disabled because of an error
                2025-01-01 10:00:02.000 UTC [104] ERROR:  syntax error at or near "x"
                """;
        assertEquals("ERROR: logical replication target relation \"public.shop_product\" is missing replicated"
                + " column: \"legacy_code\"", ServerLog.lastReplicationError(log).orElseThrow());
    }

    @Test
    void anApplyErrorIsRecognisedByItsContextLine() {
        String log = """
                2025-01-01 10:00:00 UTC [201] ERROR:  duplicate key value violates unique constraint "shop_order_pkey"
                2025-01-01 10:00:00 UTC [201] DETAIL:  Key (id)=(7) already exists.
                2025-01-01 10:00:00 UTC [201] CONTEXT:  processing remote data for replication origin "pg_16401" during message type "INSERT" for replication target relation "public.shop_order" in transaction 750
                """;
        assertEquals("ERROR: duplicate key value violates unique constraint \"shop_order_pkey\"",
                ServerLog.lastReplicationError(log).orElseThrow());
    }

    @Test
    void nothingWhenNoReplicationError() {
        assertTrue(ServerLog.lastReplicationError("LOG:  checkpoint starting\nERROR:  syntax error\n").isEmpty());
        assertTrue(ServerLog.lastReplicationError("").isEmpty());
    }

    @Test
    void aLostConnectionToThePublisherIsAReplicationErrorAndAConnectionLoss() {
        // what a 16 subscriber logged when the 13 publisher's walsender was terminated (disable_on_error = true)
        String log = """
                2026-12-01 22:11:47.721 UTC [7566] LOG:  logical replication table synchronization worker for subscription "exp2_sub", table "shop_product" has finished
                2026-12-01 22:11:51.512 UTC [7556] ERROR:  could not receive data from WAL stream: FATAL:  terminating connection due to administrator command
                2026-12-01 22:11:51.512 UTC [7556] LOG:  subscription "exp2_sub" has been disabled because of an error
                """;
        String error = ServerLog.lastReplicationError(log).orElseThrow();
        assertEquals("ERROR: could not receive data from WAL stream: FATAL: terminating connection due to"
                + " administrator command", error);
        assertTrue(ServerLog.isConnectionLoss(error));
        assertFalse(ServerLog.isConnectionLoss("ERROR: null value in column \"x\" violates not-null constraint"));
        assertFalse(ServerLog.isConnectionLoss(null));
    }
}
