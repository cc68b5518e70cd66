package upshift.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
                + " slot lag 2.0 kB; apply lag 0.4 s"), line);
    }
}
