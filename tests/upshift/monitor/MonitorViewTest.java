package upshift.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import upshift.monitor.ReplicationSnapshot.CopyProgress;
import upshift.monitor.ReplicationSnapshot.SlotInfo;
import upshift.monitor.ReplicationSnapshot.TableState;
import upshift.sql.QualifiedName;

class MonitorViewTest {

    private static final CopyProgress HALF = ReplicationSnapshot.copy(new QualifiedName("public", "shop_order"),
            new long[] {1_258_291, 12_000}, 2_516_582L);

    @Test
    void copyProgressIsABarOnATerminalAndPlainOtherwise() {
        assertEquals(50.0, HALF.percent());
        assertEquals("public.shop_order [###############---------------]  50.0%  1.2 MB of ~2.4 MB, 12000 tuples",
                MonitorView.copyLine(HALF, true));
        assertEquals("public.shop_order: 1.2 MB of ~2.4 MB, 12000 tuples (~50.0%)",
                MonitorView.copyLine(HALF, false));
    }

    @Test
    void copyProgressShowsElapsedTimeRateAndEta() {
        // 1.2 MB of ~2.4 MB in 10 s: 123 kB/s, and as long again to go
        CopyProgress timed = ReplicationSnapshot.copy(new QualifiedName("public", "shop_order"),
                new long[] {1_258_291, 12_000, 10_000}, 2_516_582L);
        assertEquals(10.0, timed.elapsedSeconds());
        assertEquals(125_829.1, timed.bytesPerSecond(), 0.01);
        assertEquals(10.0, timed.etaSeconds(), 0.001);
        assertEquals("public.shop_order: 1.2 MB of ~2.4 MB, 12000 tuples in 10 s at 122.9 kB/s, ETA ~10 s (~50.0%)",
                MonitorView.copyLine(timed, false));
        CopyProgress hidden = ReplicationSnapshot.copy(new QualifiedName("public", "t"), new long[] {300, 1, -1}, 600L);
        assertEquals(null, hidden.etaSeconds(), "pg_stat_activity hid the worker's xact_start from this role");
    }

    @Test
    void copyProgressIsCappedAndSurvivesAnUnknownSize() {
        CopyProgress over = ReplicationSnapshot.copy(new QualifiedName("public", "t"), new long[] {300, 1}, 100L);
        assertEquals(100.0, over.percent());
        CopyProgress unknown = ReplicationSnapshot.copy(new QualifiedName("public", "t"), new long[] {300, 1}, 0L);
        assertEquals(null, unknown.percent());
        assertEquals("public.t: 300 bytes of ~0 bytes, 1 tuples", MonitorView.copyLine(unknown, true));
    }

    @Test
    void oneLinePerPoll() {
        ReplicationSnapshot s = new ReplicationSnapshot("2025-01-01T10:00:05.123Z", "upshift", "forward", "origin",
                "destination", "upshift_sub",
                new ReplicationSnapshot.SubscriptionInfo("upshift_sub", true, true, "upshift_slot",
                        List.of("upshift_pub"), 42, List.of(new QualifiedName("public", "shop_order")), "0/10", "0/10", null, null, 0.1,
                        0.4, 0L, 0L),
                List.of(new TableState(new QualifiedName("public", "auth_user"), "r", "ready", "0/1"),
                        new TableState(new QualifiedName("public", "shop_order"), "d", "data copying", null)),
                Map.of("data copying", 1, "ready", 1), true, List.of(HALF), "upshift_slot",
                new SlotInfo("upshift_slot", true, 7, "reserved", "0/1", "0/2", 2048L, "2048 bytes", null),
                1 << 20, false, false, "not every table is ready (1/2)", null, null);
        String line = MonitorView.summary(s);
        assertTrue(line.startsWith("10:00:05 1/2 tables ready (1 data copying); copying public.shop_order ~50%;"
                + " slot lag 2.0 kB; last report 0.4 s ago"), line);
        assertFalse(line.contains("apply lag"), "now() - latest_end_time is when the worker last reported, not a lag");
    }

    private static ReplicationSnapshot snapshot(Long slotLagBytes, boolean ready, boolean caughtUp,
            String notCaughtUp, Double secondsSinceReport) {
        return new ReplicationSnapshot("2025-01-01T10:00:05.123Z", "upshift", "forward", "origin", "destination",
                "upshift_sub",
                new ReplicationSnapshot.SubscriptionInfo("upshift_sub", true, true, "upshift_slot",
                        List.of("upshift_pub"), 42, List.of(), "0/10", "0/10", null, null, 0.1, secondsSinceReport,
                        0L, 0L),
                List.of(new TableState(new QualifiedName("public", "auth_user"), ready ? "r" : "d", ready ? "ready" : "data copying",
                        null)),
                Map.of(ready ? "ready" : "data copying", 1), true, List.of(), "upshift_slot",
                new SlotInfo("upshift_slot", true, 7, "reserved", "0/1", "0/2", slotLagBytes,
                        slotLagBytes + " bytes", null),
                1 << 20, ready, caughtUp, notCaughtUp, null, null);
    }

    private static String printed(ReplicationSnapshot s) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.PrintStream ps = new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8)) {
            MonitorView.print(new upshift.report.Output(ps, ps, false, false), s, false);
        }
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The caught-up line states the real lag against the limit, and what else is missing when it is within it. */
    @Test
    void caughtUpWordingFollowsTheNumbers() {
        // 31 kB is within the 1 MB limit: the line must not read as if the lag were the reason
        String oneLook = MonitorView.caughtUp(snapshot(31_744L, true, false, "the apply worker (pid 42) has been"
                + " seen in 1 poll: caught up needs the same pid in 2 polls (monitor --until caught-up)", 24.2));
        assertEquals("caught up: no (slot lag 31.0 kB ≤ --max-lag 1.0 MB, but the apply worker (pid 42) has been"
                + " seen in 1 poll: caught up needs the same pid in 2 polls (monitor --until caught-up))", oneLook);
        assertEquals("caught up: yes (slot lag 31.0 kB ≤ --max-lag 1.0 MB)",
                MonitorView.caughtUp(snapshot(31_744L, true, true, null, 1.0)));
        assertEquals("caught up: no: slot lag 3.0 MB > --max-lag 1.0 MB", MonitorView.caughtUp(snapshot(
                3L << 20, true, false, "slot lag 3.0 MB (3145728 bytes) is above --max-lag 1.0 MB", 1.0)));
        assertEquals("caught up: no: not every table is ready (0/1); slot lag 3.0 MB > --max-lag 1.0 MB",
                MonitorView.caughtUp(snapshot(3L << 20, false, false, "not every table is ready (0/1)", 1.0)));
    }

    /** An idle subscription: 24.2 s since the worker last reported, nothing to apply, is no "apply lag". */
    @Test
    void anIdleSubscriptionShowsNoApplyLag() {
        String idle = printed(snapshot(0L, true, true, null, 24.2));
        assertFalse(idle.contains("apply lag"), idle);
        assertTrue(idle.contains("latest end 0/10 (reported 24.2 s ago), last message 0.1 s ago, nothing to apply"
                + " (slot lag 0 bytes)"), idle);
        String busy = printed(snapshot(5_000_000L, true, false, "slot lag 4.8 MB (5000000 bytes) is above"
                + " --max-lag 1.0 MB", 3.0));
        assertTrue(busy.contains("(reported 3.0 s ago), last message 0.1 s ago, 4.8 MB of WAL not yet confirmed"
                + " (slot lag)"), busy);
        assertTrue(busy.contains("caught up: no: slot lag 4.8 MB > --max-lag 1.0 MB"), busy);
    }
}
