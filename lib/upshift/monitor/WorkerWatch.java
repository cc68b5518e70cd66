package upshift.monitor;

import java.util.function.LongSupplier;

import upshift.monitor.ReplicationSnapshot.SubscriptionInfo;

/**
 * Follows a subscription's main apply worker across the polls of one monitor run. One look cannot tell a live worker
 * from one that fails and restarts every wal_retrieve_retry_interval (it lives a few milliseconds per attempt, while
 * the slot's lag stays small): a worker is only trusted when it kept its pid across polls, and, on 15+, when the
 * apply error counter did not grow meanwhile.
 */
public final class WorkerWatch {

    /**
     * Consecutive polls without a worker, spanning at least {@link #ABSENT_RETRIES} wal_retrieve_retry_intervals,
     * after which an enabled subscription's worker counts as failing. Time matters, not only polls: up to
     * PostgreSQL 15 the launcher starts workers at most once per wal_retrieve_retry_interval for the whole server,
     * so a subscription just created or enabled may wait seconds for its worker (seen on 13).
     */
    public static final int ABSENT_POLLS = 3;
    public static final int ABSENT_RETRIES = 3;

    /** Restarts seen that make a worker failing (one alone may be an ALTER SUBSCRIPTION or a network blip). */
    public static final int FAILING_RESTARTS = 2;

    /** PostgreSQL's default wal_retrieve_retry_interval, when the server's is unknown. */
    public static final long DEFAULT_RETRY_MILLIS = 5000;

    /** Polls of one pid that make a worker settled. */
    public static final int SETTLED_POLLS = 2;

    /**
     * What the watch has seen, as of one poll.
     *
     * @param polls              polls of this subscription so far (1 for a single look)
     * @param pid                the apply worker's pid at this poll, or null
     * @param samePidPolls       consecutive polls, this one included, that saw this same pid (0 without a worker)
     * @param restarts           times a worker seen at one poll was gone or replaced at the next
     * @param pollsWithoutWorker consecutive polls, this one included, without a worker
     * @param secondsWithoutWorker how long those polls span (0 for one)
     * @param retryIntervalSeconds the subscriber's wal_retrieve_retry_interval
     * @param newApplyErrors     growth of apply_error_count since the first poll (15+), else null
     * @param newSyncErrors      growth of the table-sync error counter since the first poll (15+), else null
     */
    public record ApplyWorker(int polls, Integer pid, int samePidPolls, int restarts, int pollsWithoutWorker,
            double secondsWithoutWorker, double retryIntervalSeconds, Long newApplyErrors, Long newSyncErrors) {

        /** The first look at a subscription: nothing seen before. */
        public static ApplyWorker firstLook(SubscriptionInfo sub) {
            return new WorkerWatch().observe(sub, null);
        }

        /** A live worker that kept its pid for {@link #SETTLED_POLLS} polls without a new apply error. */
        public boolean settled() {
            return pid != null && samePidPolls >= SETTLED_POLLS && (newApplyErrors == null || newApplyErrors == 0);
        }

        /** Evidence that the worker fails: it restarted, new apply errors were counted, or it stays absent. */
        public boolean failing() {
            return restarts >= FAILING_RESTARTS || (newApplyErrors != null && newApplyErrors > 0)
                    || (pollsWithoutWorker >= ABSENT_POLLS
                            && secondsWithoutWorker >= ABSENT_RETRIES * retryIntervalSeconds);
        }
    }

    private final LongSupplier nanoTime;
    private long absentSince;
    private int polls;
    private Integer lastPid;
    private int samePidPolls;
    private int restarts;
    private int pollsWithoutWorker;
    private Long firstApplyErrors;
    private Long firstSyncErrors;

    public WorkerWatch() {
        this(System::nanoTime);
    }

    /** With a clock of its own (tests). */
    WorkerWatch(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /**
     * Records one poll of the subscription (null: it does not exist) and says what has been seen so far.
     *
     * @param retryMillis the subscriber's wal_retrieve_retry_interval (null: PostgreSQL's default)
     */
    public synchronized ApplyWorker observe(SubscriptionInfo sub, Long retryMillis) {
        long now = nanoTime.getAsLong();
        polls++;
        Integer pid = sub == null ? null : sub.applyPid();
        if (pid == null) {
            if (lastPid != null) {
                restarts++;
            }
            samePidPolls = 0;
            if (pollsWithoutWorker == 0) {
                absentSince = now;
            }
            pollsWithoutWorker++;
        } else {
            if (lastPid != null && !lastPid.equals(pid)) {
                restarts++;
            }
            samePidPolls = pid.equals(lastPid) ? samePidPolls + 1 : 1;
            pollsWithoutWorker = 0;
        }
        lastPid = pid;
        Long applyErrors = sub == null ? null : sub.applyErrorCount();
        Long syncErrors = sub == null ? null : sub.syncErrorCount();
        if (firstApplyErrors == null && applyErrors != null) {
            firstApplyErrors = applyErrors;
            firstSyncErrors = syncErrors;
        }
        double absent = pollsWithoutWorker == 0 ? 0 : (now - absentSince) / 1e9;
        double retry = (retryMillis == null || retryMillis <= 0 ? DEFAULT_RETRY_MILLIS : retryMillis) / 1000.0;
        return new ApplyWorker(polls, pid, samePidPolls, restarts, pollsWithoutWorker, absent, retry,
                growth(firstApplyErrors, applyErrors), growth(firstSyncErrors, syncErrors));
    }

    /** Growth since the first poll; a counter reset (pg_stat_reset_subscription_stats) counts from zero again. */
    private static Long growth(Long first, Long now) {
        if (first == null || now == null) {
            return null;
        }
        return now >= first ? now - first : now;
    }
}
