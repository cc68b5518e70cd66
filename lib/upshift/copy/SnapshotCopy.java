package upshift.copy;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;

import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.copy.CopyState.Phase;
import upshift.migration.MigrationNames;
import upshift.migration.ReplicationSlot;
import upshift.report.Progress;
import upshift.report.Units;
import upshift.schema.ServerTimeZone;
import upshift.server.SessionBudget;
import upshift.sql.QualifiedName;
import upshift.sql.Queries;
import upshift.sql.Sql;

/**
 * The parallel snapshot copy, run by enable-subscription before it enables a subscription created with
 * {@code --initial-copy snapshot}:
 *
 * <ol>
 * <li>the destination's indexes and constraints (primary keys too; not CHECK, not a replica identity index) are
 * recorded and dropped ({@link IndexRebuild});</li>
 * <li>the forward slot is created over a replication connection that exports its snapshot
 * ({@link ExportedSnapshot}), held open for the whole copy;</li>
 * <li>{@code workers} sessions on each side copy the chunks of {@link CopyPlan} in REPEATABLE READ transactions that
 * import the snapshot, COPY TO STDOUT piped into COPY FROM STDIN without buffering a table; each chunk commits with
 * its record, so a failed chunk is copied again while the snapshot lives;</li>
 * <li>the dropped objects are rebuilt in parallel and foreign keys validated.</li>
 * </ol>
 *
 * <p>When the process holding the snapshot ended part-way, the snapshot is gone: the next run says so, drops the slot,
 * empties the copied tables and copies again from a new snapshot. A table is never reported ready half-copied
 * ({@link CopyState#pendingReason}).
 */
public final class SnapshotCopy {

    /** Default chunk size: tables above it are split into ranges of about this much heap. */
    public static final long DEFAULT_CHUNK_BYTES = 64L * 1024 * 1024;

    /** What one run did. */
    public record Result(String outcome, int tables, int chunks, long rows, long bytes, int rebuilt, int workers,
            double seconds, boolean restarted, List<QualifiedName> binaryTables, List<QualifiedName> textTables) {
    }

    private final Cluster origin;
    private final Cluster destination;
    private final MigrationNames names;
    private final Progress out;
    private long chunkBytes = DEFAULT_CHUNK_BYTES;
    /**
     * The TimeZone replication's own sessions start with: the walsender on origin (its role's default) renders a
     * timestamptz as text in it, and the apply worker on destination reads a timestamp into a timestamptz in it. A
     * text copy session uses them too, so that a column whose type changes between timestamp and timestamptz is
     * copied as replication would write it, not in the JVM's zone that pgjdbc sends. Null when not readable.
     */
    private String originZone;
    private String destinationZone;
    private Duration progressEvery = Duration.ofSeconds(10);

    public SnapshotCopy(Cluster origin, Cluster destination, MigrationNames names, Progress out) {
        this.origin = origin;
        this.destination = destination;
        this.names = names;
        this.out = out;
    }

    /** Tables larger than this are split (tests and benchmarks use small values). */
    public SnapshotCopy chunkBytes(long bytes) {
        this.chunkBytes = bytes;
        return this;
    }

    public SnapshotCopy progressEvery(Duration every) {
        this.progressEvery = every;
        return this;
    }

    /** Copies {@code tables} (the publication's) and rebuilds what was deferred; returns at phase done. */
    public Result run(List<QualifiedName> tables, int workers) throws SQLException {
        return run(tables, true, workers);
    }

    /**
     * Copies the publication's member {@code tables} as it publishes them: a partitioned member into its root when
     * {@code viaPartitionRoot}, into each leaf partition otherwise ({@link CopyPlan#targets}); then rebuilds what was
     * deferred. Returns at phase done.
     */
    public Result run(List<QualifiedName> members, boolean viaPartitionRoot, int workers) throws SQLException {
        List<QualifiedName> tables = CopyPlan.targets(origin.connection(), members, viaPartitionRoot);
        String sub = names.subscription();
        Connection d = destination.connection();
        Phase phase = CopyState.phase(d, sub).orElseThrow(() -> new UpshiftException("subscription " + sub
                + " has no snapshot copy record", "it was created with --initial-copy native"));
        long started = System.nanoTime();
        if (phase == Phase.DONE) {
            return new Result("already done", tables.size(), 0, 0, 0, 0, workers, 0, false, List.of(), List.of());
        }
        boolean restarted = false;
        int chunks = 0;
        long rows = 0;
        long bytes = 0;
        List<QualifiedName> binaryTables = List.of();
        List<QualifiedName> textTables = List.of();
        if (phase == Phase.PENDING || phase == Phase.COPYING) {
            originZone = ServerTimeZone.of(origin.connection(), Queries.queryString(origin.connection(),
                    "SELECT current_user")).zone();
            destinationZone = ServerTimeZone.of(d, Queries.queryString(d, "SELECT current_user")).zone();
            boolean slotExists = ReplicationSlot.exists(origin.connection(), names.slot());
            if (phase == Phase.COPYING || slotExists) {
                out.warn("the snapshot of an earlier copy is lost (the process that held it ended"
                        + (phase == Phase.COPYING ? " after " + CopyState.chunkCount(d, sub) + " chunks" : "")
                        + "): restarting the copy from the start; the partly copied tables are emptied first");
                if (slotExists) {
                    dropSlot();
                }
                restarted = true;
            } else {
                refuseRows(d, tables);
            }
            IndexRebuild.defer(d, sub, tables, out);
            if (restarted) {
                emptyTables(d, sub, tables);
            }
            try (ExportedSnapshot snapshot = ExportedSnapshot.create(origin, names.slot())) {
                out.note("created slot " + names.slot() + " at " + snapshot.consistentPoint() + ", snapshot "
                        + snapshot.name());
                CopyState.setPhase(d, sub, Phase.COPYING, snapshot.name());
                CopyPlan plan;
                try (Connection planner = snapshotSession(snapshot.name())) {
                    plan = CopyPlan.plan(planner, origin.facts().capabilities(), d, tables, chunkBytes);
                    planner.commit();
                }
                binaryTables = plan.tables().stream().filter(CopyPlan.TableCopy::binary).map(CopyPlan.TableCopy::table)
                        .toList();
                textTables = plan.tables().stream().filter(t -> !t.binary()).map(CopyPlan.TableCopy::table).toList();
                long[] copied = copyAll(plan, snapshot.name(), workers);
                chunks = plan.chunks().size();
                rows = copied[0];
                bytes = copied[1];
                CopyState.setPhase(d, sub, Phase.REBUILDING, null);
            }
        }
        int rebuilt = IndexRebuild.rebuild(destination::openAnother, d, sub, workers, out);
        CopyState.setPhase(d, sub, Phase.DONE, null);
        double seconds = (System.nanoTime() - started) / 1e9;
        return new Result(restarted ? "copied again (the earlier snapshot was lost)" : "copied", tables.size(),
                chunks, rows, bytes, rebuilt, workers, seconds, restarted, binaryTables, textTables);
    }

    /** A destination table that already has rows (and no record of an interrupted copy) is not ours to empty. */
    private static void refuseRows(Connection d, List<QualifiedName> tables) throws SQLException {
        List<String> filled = new ArrayList<>();
        for (QualifiedName t : tables) {
            if (Queries.queryBoolean(d, "SELECT EXISTS (SELECT FROM " + t.sql() + ")")) {
                filled.add(t.toString());
            }
        }
        if (!filled.isEmpty()) {
            throw UpshiftException.checkFailed("destination tables already have rows: " + filled,
                    "the snapshot copy fills empty tables: empty them, or re-create the subscription with"
                            + " --initial-copy native");
        }
    }

    private void dropSlot() throws SQLException {
        out.statement("origin", ReplicationSlot.dropSql(names.slot()));
        try (Statement st = origin.connection().createStatement()) {
            st.execute(ReplicationSlot.dropSql(names.slot()));
        } catch (SQLException e) {
            throw new UpshiftException("cannot drop the earlier copy's slot " + names.slot() + " on origin: "
                    + Queries.firstLine(e.getMessage()), "is another enable-subscription still running? stop it"
                            + " first", e);
        }
    }

    /** TRUNCATE of every copied table and the chunk records, in one transaction. */
    private void emptyTables(Connection d, String sub, List<QualifiedName> tables) throws SQLException {
        String truncate = "TRUNCATE " + String.join(", ", tables.stream().map(QualifiedName::sql).toList());
        d.setAutoCommit(false);
        try (Statement st = d.createStatement()) {
            out.statement("destination", truncate);
            st.execute(truncate);
            CopyState.forgetChunks(d, sub);
            d.commit();
        } catch (SQLException e) {
            d.rollback();
            throw e;
        } finally {
            d.setAutoCommit(true);
        }
    }

    /** An origin session in a REPEATABLE READ transaction that sees exactly the exported snapshot. */
    private Connection snapshotSession(String snapshot) throws SQLException {
        Connection c = origin.openAnother();
        try {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement st = c.createStatement()) {
                st.execute("SET TRANSACTION SNAPSHOT " + Sql.literal(snapshot));
                if (originZone != null) {
                    st.execute("SET TimeZone = " + Sql.literal(originZone));
                }
            }
            return c;
        } catch (SQLException e) {
            c.close();
            throw new UpshiftException("cannot import snapshot " + snapshot + " on origin: "
                    + Queries.firstLine(e.getMessage()), "the replication connection that exports it was lost;"
                            + " re-run enable-subscription", e);
        }
    }

    private Connection destinationSession(AtomicBoolean warned) throws SQLException {
        Connection c = destination.openAnother();
        try (Statement st = c.createStatement()) {
            st.execute("SET synchronous_commit = off");
            if (destinationZone != null) {
                st.execute("SET TimeZone = " + Sql.literal(destinationZone));
            }
            try {
                // as the apply worker and native table sync do: user triggers do not fire for replicated rows
                st.execute("SET session_replication_role = replica");
            } catch (SQLException e) {
                if (warned.compareAndSet(false, true)) {
                    out.warn("cannot SET session_replication_role = replica on destination ("
                            + Queries.firstLine(e.getMessage()) + "): destination triggers fire during the copy");
                }
            }
        }
        return c;
    }

    /** Runs every chunk not yet recorded on up to {@code workers} pairs of sessions; returns {rows, bytes}. */
    private long[] copyAll(CopyPlan plan, String snapshot, int workers) throws SQLException {
        String sub = names.subscription();
        Set<String> done = CopyState.doneChunks(destination.connection(), sub);
        ConcurrentLinkedQueue<TableChunk> queue = new ConcurrentLinkedQueue<>();
        for (TableChunk c : plan.chunks()) {
            if (!done.contains(c.key())) {
                queue.add(c);
            }
        }
        CopyProgress progress = new CopyProgress(plan.chunks(), done, System::nanoTime);
        int n = Math.max(1, Math.min(workers, queue.size()));
        out.note("copying " + plan.tables().size() + " tables (" + Units.pretty(plan.totalBytes()) + ") in "
                + plan.chunks().size() + " chunks on " + n + " workers");
        AtomicLong rows = new AtomicLong();
        AtomicLong streamed = new AtomicLong();
        AtomicBoolean warned = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(n + 1);
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < n; w++) {
            futures.add(pool.submit(() -> {
                worker(queue, snapshot, rows, streamed, progress, warned);
                return null;
            }));
        }
        AtomicBoolean finished = new AtomicBoolean();
        pool.submit(() -> {
            while (!finished.get()) {
                try {
                    Thread.sleep(progressEvery.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
                if (!finished.get()) {
                    out.note(progress.overall());
                    progress.inProgress().forEach(out::note);
                }
            }
        });
        try {
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpshiftException("interrupted during the snapshot copy", "re-run enable-subscription");
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UpshiftException u) {
                throw u;
            }
            throw new UpshiftException("the snapshot copy failed: " + (cause instanceof SQLException s
                    ? Queries.firstLine(s.getMessage()) : String.valueOf(cause)), "fix the cause and re-run"
                            + " enable-subscription: it restarts the copy from a new snapshot", cause);
        } finally {
            finished.set(true);
            pool.shutdownNow();
        }
        out.note(progress.overall() + ": " + rows.get() + " rows");
        return new long[] {rows.get(), streamed.get()};
    }

    /** Takes chunks until none is left; a failed chunk goes back once per attempt, with fresh sessions. */
    private void worker(ConcurrentLinkedQueue<TableChunk> queue, String snapshot, AtomicLong rows,
            AtomicLong streamed, CopyProgress progress, AtomicBoolean warned) throws SQLException {
        int failures = 0;
        while (!queue.isEmpty()) {
            try (Connection o = snapshotSession(snapshot); Connection d = destinationSession(warned)) {
                TableChunk chunk;
                while ((chunk = queue.poll()) != null) {
                    try {
                        progress.chunkStarted(chunk);
                        long copied = copyChunk(o, d, chunk, streamed, progress);
                        rows.addAndGet(copied);
                        String tableDone = progress.chunkDone(chunk, copied);
                        if (tableDone != null) {
                            out.note(tableDone);
                        }
                    } catch (SQLException e) {
                        queue.add(chunk);
                        throw e;
                    }
                }
            } catch (SQLException e) {
                if (++failures >= 3 || e.getSQLState() != null && !e.getSQLState().startsWith("08")) {
                    throw e;
                }
                out.warn("a copy session failed (" + Queries.firstLine(e.getMessage()) + "): copying the chunk"
                        + " again with new sessions, under the same snapshot");
            }
        }
    }

    private long copyChunk(Connection o, Connection d, TableChunk chunk, AtomicLong streamed, CopyProgress progress)
            throws SQLException {
        String sub = names.subscription();
        out.statement("origin", chunk.copyOutSql());
        out.statement("destination", chunk.copyInSql());
        d.setAutoCommit(false);
        CopyOut from = null;
        CopyIn to = null;
        try {
            from = o.unwrap(PGConnection.class).getCopyAPI().copyOut(chunk.copyOutSql());
            to = d.unwrap(PGConnection.class).getCopyAPI().copyIn(chunk.copyInSql());
            byte[] buf;
            long unreported = 0; // reported a megabyte at a time: a binary COPY reads one row per message
            while ((buf = from.readFromCopy()) != null) {
                to.writeToCopy(buf, 0, buf.length);
                unreported += buf.length;
                if (unreported >= 1 << 20) {
                    streamed.addAndGet(unreported);
                    progress.streamed(chunk, unreported);
                    unreported = 0;
                }
            }
            streamed.addAndGet(unreported);
            progress.streamed(chunk, unreported);
            long copied = to.endCopy();
            CopyState.chunkDone(d, sub, chunk, copied);
            d.commit();
            return copied;
        } catch (SQLException e) {
            cancel(from);
            cancel(to);
            try {
                d.rollback();
            } catch (SQLException ignored) {
                // the session is closed by the caller
            }
            throw new SQLException("copying " + chunk + ": " + Queries.firstLine(e.getMessage()), e.getSQLState(), e);
        } finally {
            try {
                d.setAutoCommit(true);
            } catch (SQLException ignored) {
                // a broken session is replaced
            }
        }
    }

    private static void cancel(org.postgresql.copy.CopyOperation op) {
        if (op != null && op.isActive()) {
            try {
                op.cancelCopy();
            } catch (SQLException ignored) {
                // the copy failed already
            }
        }
    }

    /**
     * The default --workers: how many copy sessions both sides can spare ({@link SessionBudget}). Each worker holds
     * one session on each side; raise it up to the smaller server's cores with --workers.
     */
    public static int defaultWorkers(Connection originSession, Connection destinationSession) throws SQLException {
        return SessionBudget.sessions(originSession, destinationSession);
    }
}
