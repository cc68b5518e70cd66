package upshift.monitor;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import upshift.UpshiftException;

/**
 * Polls snapshots every interval until a condition holds, the replication is blocked, or the timeout passes.
 * Everything is bounded: the wait by its timeout, each poll by the sessions' statement_timeout, and a run of
 * failed polls (a server restarting, a network blip) by {@link #MAX_FAILED_POLLS}.
 */
public final class MonitorLoop {

    /** Consecutive failed polls tolerated before the loop gives up with the last failure. */
    public static final int MAX_FAILED_POLLS = 5;

    /** How the loop ended. */
    public enum Result {
        /** The --until condition holds. */
        MET,
        /** The replication cannot progress without an operator (disabled subscription, missing slot). */
        BLOCKED,
        /** --until: the timeout passed first. */
        TIMED_OUT,
        /** --watch without --until: watched until the timeout. */
        WATCHED
    }

    public record Outcome(Result result, ReplicationSnapshot last, Duration waited, int polls) {
    }

    /** Takes one snapshot; may throw (the loop retries on the next poll). */
    public interface Source {
        ReplicationSnapshot take();
    }

    /** Sleeps; a test passes a fake clock. */
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    private final Until until;
    private final Duration interval;
    private final Duration timeout;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;

    /** @param until null: watch until the timeout */
    public MonitorLoop(Until until, Duration interval, Duration timeout) {
        this(until, interval, timeout, System::nanoTime, d -> Thread.sleep(d.toMillis()));
    }

    MonitorLoop(Until until, Duration interval, Duration timeout, LongSupplier nanoTime, Sleeper sleeper) {
        if (interval.isNegative() || interval.isZero()) {
            throw UpshiftException.usage("--interval must be positive", "e.g. --interval 5s");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw UpshiftException.usage("--timeout must be positive", "e.g. --timeout 30m");
        }
        this.until = until;
        this.interval = interval;
        this.timeout = timeout;
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
    }

    /**
     * Runs the loop.
     *
     * @param onPoll    called with each snapshot
     * @param onFailure called with each failed poll's message; {@code reset} then runs (e.g. closing sessions so
     *                  the next poll reconnects)
     */
    public Outcome run(Source source, Consumer<ReplicationSnapshot> onPoll, Consumer<String> onFailure,
            Runnable reset) {
        long start = nanoTime.getAsLong();
        long deadline = start + timeout.toNanos();
        ReplicationSnapshot last = null;
        int polls = 0;
        int failures = 0;
        while (true) {
            try {
                last = source.take();
                failures = 0;
                polls++;
                onPoll.accept(last);
                if (until != null && until.metBy(last) && !last.blocked()) {
                    return new Outcome(Result.MET, last, elapsed(start), polls);
                }
                if (until != null && last.blocked()) {
                    return new Outcome(Result.BLOCKED, last, elapsed(start), polls);
                }
            } catch (RuntimeException e) {
                failures++;
                if (failures >= MAX_FAILED_POLLS) {
                    throw e;
                }
                onFailure.accept(e.getMessage());
                reset.run();
            }
            long now = nanoTime.getAsLong();
            if (now >= deadline) {
                return new Outcome(until == null ? Result.WATCHED : Result.TIMED_OUT, last, elapsed(start), polls);
            }
            try {
                sleeper.sleep(Duration.ofNanos(Math.min(interval.toNanos(), deadline - now)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Outcome(until == null ? Result.WATCHED : Result.TIMED_OUT, last, elapsed(start), polls);
            }
        }
    }

    private Duration elapsed(long start) {
        return Duration.ofNanos(nanoTime.getAsLong() - start);
    }
}
