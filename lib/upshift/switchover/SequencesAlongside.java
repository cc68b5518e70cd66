package upshift.switchover;

import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import upshift.connect.Cluster;
import upshift.sequences.SequencePlan;
import upshift.sequences.SequenceSync;
import upshift.sql.StatementRunner;

/**
 * The sequences phase run beside the drain, on sessions of its own. Once the freeze holds, the old primary's
 * sequences are final for every write that can still commit (a nextval after it belongs to a write the freeze
 * rejects), so they can be read and written while the apply worker catches up: the window then does not wait for
 * them after the drain. The sessions are opened before the freeze, and the sequences read once there (nothing
 * written), so that neither connecting nor a server's first opening of each sequence in a session (its relation
 * cache entry: most of a read's cost) is inside it either.
 */
final class SequencesAlongside implements AutoCloseable {

    /** The plan applied, and how long reading and writing took. */
    record Synced(SequencePlan plan, double seconds) {
    }

    private final Cluster frozen;
    private final Cluster target;
    private final List<String> excludes;
    private final long margin;
    private final ExecutorService thread;
    private Future<Synced> running;

    private SequencesAlongside(Cluster frozen, Cluster target, List<String> excludes, long margin) {
        this.frozen = frozen;
        this.target = target;
        this.excludes = excludes;
        this.margin = margin;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "upshift-sequences");
            t.setDaemon(true);
            return t;
        });
    }

    /** Opens a session to each server and reads the sequences once, now (before the freeze). */
    static SequencesAlongside open(Cluster frozenServer, Cluster targetServer, List<String> excludes, long margin)
            throws SQLException {
        SequencesAlongside s = new SequencesAlongside(frozenServer.another(), targetServer.another(), excludes,
                margin);
        try {
            SequenceSync.plan(s.frozen.connection(), s.target.connection(), excludes, margin, false);
            return s;
        } catch (RuntimeException | SQLException e) {
            s.close();
            throw e;
        }
    }

    /** Starts reading and writing (after the freeze). */
    void start(StatementRunner runner) {
        running = thread.submit(() -> {
            long t = System.nanoTime();
            SequencePlan plan = SequenceSync.plan(frozen.connection(), target.connection(), excludes, margin, false);
            plan.apply(runner, target);
            return new Synced(plan, (System.nanoTime() - t) / 1e9);
        });
    }

    boolean started() {
        return running != null;
    }

    /** Waits for the sync; its failure as it came. */
    Synced join() throws SQLException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return running.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the sessions are in use until the sync ends: wait for it
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof SQLException sql) {
                        throw sql;
                    }
                    if (cause instanceof RuntimeException runtime) {
                        throw runtime;
                    }
                    if (cause instanceof Error error) {
                        throw error;
                    }
                    throw new IllegalStateException(cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits for a sync still running (a failed drain), then closes both sessions. */
    @Override
    public void close() {
        if (running != null) {
            try {
                join();
            } catch (SQLException | RuntimeException e) {
                // the phase that failed first is the one reported
            }
        }
        thread.shutdownNow();
        frozen.close();
        target.close();
    }
}
