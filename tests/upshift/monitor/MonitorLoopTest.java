package upshift.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import upshift.UpshiftException;

class MonitorLoopTest {

    /** A fake clock: sleeping advances it. */
    private long now;

    private MonitorLoop loop(Until until, long intervalSeconds, long timeoutSeconds) {
        return new MonitorLoop(until, Duration.ofSeconds(intervalSeconds), Duration.ofSeconds(timeoutSeconds),
                () -> now, d -> now += d.toNanos());
    }

    private static ReplicationSnapshot snapshot(boolean ready, boolean caughtUp, boolean blocked) {
        Diagnosis d = blocked ? new Diagnosis(true, "disabled", List.of(), null) : null;
        return new ReplicationSnapshot("2025-01-01T10:00:00Z", "upshift", "forward", "origin", "destination",
                "upshift_sub", null, List.of(), Map.of(), true, List.of(), "upshift_slot", null, 1024, ready,
                caughtUp, caughtUp ? null : "not yet", null, d);
    }

    private static MonitorLoop.Source sequence(ReplicationSnapshot... snapshots) {
        Iterator<ReplicationSnapshot> it = List.of(snapshots).iterator();
        ReplicationSnapshot[] last = {null};
        return () -> {
            if (it.hasNext()) {
                last[0] = it.next();
            }
            return last[0];
        };
    }

    @Test
    void waitsUntilReadyPollingAtTheInterval() {
        List<ReplicationSnapshot> seen = new ArrayList<>();
        MonitorLoop.Outcome o = loop(Until.READY, 5, 60).run(sequence(snapshot(false, false, false),
                snapshot(false, false, false), snapshot(true, false, false)), seen::add, m -> { }, () -> { });
        assertEquals(MonitorLoop.Result.MET, o.result());
        assertEquals(3, o.polls());
        assertEquals(3, seen.size());
        assertEquals(Duration.ofSeconds(10), o.waited());
    }

    @Test
    void caughtUpNeedsMoreThanReady() {
        MonitorLoop.Outcome o = loop(Until.CAUGHT_UP, 5, 60).run(sequence(snapshot(true, false, false),
                snapshot(true, true, false)), s -> { }, m -> { }, () -> { });
        assertEquals(MonitorLoop.Result.MET, o.result());
        assertEquals(2, o.polls());
    }

    @Test
    void aBlockedReplicationStopsTheWaitAtOnce() {
        MonitorLoop.Outcome o = loop(Until.READY, 5, 3600).run(sequence(snapshot(false, false, false),
                snapshot(false, false, true)), s -> { }, m -> { }, () -> { });
        assertEquals(MonitorLoop.Result.BLOCKED, o.result());
        assertEquals(Duration.ofSeconds(5), o.waited());
    }

    @Test
    void theTimeoutEndsTheWaitAfterAFinalPollAtTheDeadline() {
        MonitorLoop.Outcome o = loop(Until.READY, 5, 12).run(sequence(snapshot(false, false, false)), s -> { },
                m -> { }, () -> { });
        assertEquals(MonitorLoop.Result.TIMED_OUT, o.result());
        assertEquals(4, o.polls()); // at 0, 5, 10 and 12 s
        assertEquals(Duration.ofSeconds(12), o.waited());
    }

    @Test
    void watchingWithoutAConditionEndsQuietlyAtTheTimeout() {
        MonitorLoop.Outcome o = loop(null, 5, 10).run(sequence(snapshot(false, false, true)), s -> { }, m -> { },
                () -> { });
        assertEquals(MonitorLoop.Result.WATCHED, o.result());
        assertEquals(3, o.polls());
    }

    @Test
    void failedPollsAreRetriedThenGivenUp() {
        int[] resets = {0};
        List<String> failures = new ArrayList<>();
        int[] calls = {0};
        MonitorLoop.Source flaky = () -> {
            calls[0]++;
            if (calls[0] <= 2) {
                throw new UpshiftException("connection lost", null);
            }
            return snapshot(true, true, false);
        };
        MonitorLoop.Outcome o = loop(Until.READY, 1, 60).run(flaky, s -> { }, failures::add, () -> resets[0]++);
        assertEquals(MonitorLoop.Result.MET, o.result());
        assertEquals(List.of("connection lost", "connection lost"), failures);
        assertEquals(2, resets[0]);

        MonitorLoop.Source dead = () -> {
            throw new UpshiftException("server gone", null);
        };
        UpshiftException e = assertThrows(UpshiftException.class,
                () -> loop(Until.READY, 1, 600).run(dead, s -> { }, m -> { }, () -> { }));
        assertEquals("server gone", e.getMessage());
    }
}
