package upshift.verify;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;

import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.schema.AcceptedLossy;
import upshift.schema.Catalog;
import upshift.schema.Column;
import upshift.schema.TableDrift;
import upshift.server.Feature;
import upshift.server.SessionBudget;
import upshift.sql.KeyRanges;
import upshift.sql.QualifiedName;
import upshift.sql.Queries;
import upshift.verify.TableQuery.RowHash;
import upshift.verify.TableResult.Status;

/**
 * Compares tables between origin and destination: row counts, and optionally an order-independent checksum of
 * every row's columns that both sides have (see {@link TableQuery} and {@link ComparedColumn}).
 *
 * <p>Each side runs in one REPEATABLE READ, READ ONLY transaction on the cluster's session, so all its tables
 * are read from one snapshot; the two sides run at the same time, on two threads, so the wall time is the slower
 * side's, not the sum. With {@code jobs} above 1 (verify --jobs) a side also reads over more sessions, every one on
 * the snapshot the cluster's session exported, and large tables are cut into ranges (see {@link #measure}); the
 * default, 1, opens no session (as inside a freeze window, where a freeze may refuse new ones). Each side sends a constant number of statements whatever the number of tables (small tables
 * are measured together, see {@link #GROUP_PAGES}): inside a freeze window, round trips do not add up per table.
 * The two snapshots are taken independently: the counts are exact only when writes to
 * origin are frozen and replication has caught up (as at switchover); on a live system they may differ by the
 * rows in flight.
 *
 * <p>Inside those transactions the sessions use the same rendering settings (TimeZone UTC, DateStyle ISO,
 * IntervalStyle postgres, extra_float_digits 3, bytea_output hex, lc_monetary C) and no statement timeout (a
 * checksum of a large table takes as long as reading it); the lock timeout stays.
 */
public final class Verification {

    /**
     * What a caller may want to see while it runs: the statements (-v) and each table as a side finishes it.
     * Called from both sides' threads at once: implementations must be thread-safe (Output is).
     */
    public interface Listener {

        Listener NONE = new Listener() {
        };

        default void statement(String role, String sql) {
        }

        default void tableDone(String role, QualifiedName table, Long rows, double seconds, String error) {
        }
    }

    private static final List<String> SESSION = List.of(
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
            "SET LOCAL statement_timeout = 0",
            "SET LOCAL TimeZone = 'UTC'",
            "SET LOCAL DateStyle = 'ISO, YMD'",
            "SET LOCAL IntervalStyle = 'postgres'",
            "SET LOCAL extra_float_digits = 3",
            "SET LOCAL bytea_output = 'hex'",
            "SET LOCAL lc_monetary = 'C'");

    /**
     * Each table's kind and its size in pages as the statistics estimate it (a partitioned table: its tree's; each
     * partition looked up by oid, see ChangedTables' LAYOUTS for why the LATERAL).
     */
    private static final String RELATIONS = """
            SELECT n.nspname, c.relname, c.relkind,
                   CASE WHEN c.relkind = 'p'
                        THEN (SELECT coalesce(sum(greatest(p.relpages, 0)), 0)
                                FROM pg_catalog.pg_partition_tree(c.oid) t
                               CROSS JOIN LATERAL (SELECT p.relpages FROM pg_catalog.pg_class p
                                                    WHERE p.oid = t.relid OFFSET 0) p)
                        ELSE greatest(c.relpages, 0)
                   END::pg_catalog.int8 AS pages
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p')
               AND (n.nspname, c.relname) IN (SELECT * FROM unnest(?::text[], ?::text[]))
            """;

    private Verification() {
    }

    /** Compares the tables; see the class comment. */
    public static VerifyReport run(Cluster origin, Cluster destination, List<QualifiedName> tables,
            boolean checksum) {
        return run(origin, destination, tables, checksum, Listener.NONE);
    }

    public static VerifyReport run(Cluster origin, Cluster destination, List<QualifiedName> tables,
            boolean checksum, Listener listener) {
        return run(origin, destination, tables, checksum, AcceptedLossy.NONE, listener);
    }

    /**
     * Compares the tables; columns the operator accepted with --accept-lossy are compared as the destination
     * converts them (see {@link ComparedColumn#accepted}).
     */
    public static VerifyReport run(Cluster origin, Cluster destination, List<QualifiedName> tables,
            boolean checksum, AcceptedLossy accepted, Listener listener) {
        return run(origin, destination, tables, checksum, accepted, listener, 1);
    }

    /**
     * Compares the tables with up to {@code jobs} sessions per side (see {@link #measure}): 1 is the cluster's own
     * session only, as inside a freeze window, where no new session may be opened.
     */
    public static VerifyReport run(Cluster origin, Cluster destination, List<QualifiedName> tables,
            boolean checksum, AcceptedLossy accepted, Listener listener, int jobs) {
        return run(origin, destination, tables, checksum, accepted, listener, jobs, RANGE_PAGES);
    }

    /** The same, with ranges of at least {@code rangePages} pages (tests cut small tables). */
    static VerifyReport run(Cluster origin, Cluster destination, List<QualifiedName> tables, boolean checksum,
            AcceptedLossy accepted, Listener listener, int jobs, long rangePages) {
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs must be at least 1, not " + jobs);
        }
        long started = System.nanoTime();
        return planAhead(origin, destination, tables, checksum, accepted).run(listener, started, jobs, rangePages);
    }

    /**
     * Reads both sides' table definitions now (kinds, sizes, columns: two catalog reads per side, both sides at
     * once) and returns the comparison to run later, e.g. inside a freeze window that should not spend its time on
     * the catalog. The definitions are those of now: a table altered in between is measured as it was planned.
     */
    public static Planned planAhead(Cluster origin, Cluster destination, List<QualifiedName> tables,
            boolean checksum, AcceptedLossy accepted) {
        List<QualifiedName> unique = List.copyOf(new LinkedHashSet<>(tables));
        return new Planned(origin, destination, unique, checksum, plan(origin, destination, unique, checksum,
                accepted));
    }

    /** A comparison whose definitions were read by {@link #planAhead}: {@link #run} measures both sides at once. */
    public static final class Planned {
        private final Cluster origin;
        private final Cluster destination;
        private final List<QualifiedName> unique;
        private final boolean checksum;
        private final Plan plan;
        private PreparedGroups originPrepared;
        private PreparedGroups destinationPrepared;

        private Planned(Cluster origin, Cluster destination, List<QualifiedName> unique, boolean checksum,
                Plan plan) {
            this.origin = origin;
            this.destination = destination;
            this.unique = unique;
            this.checksum = checksum;
            this.plan = plan;
        }

        /** The tables planned, in order. */
        public List<QualifiedName> tables() {
            return unique;
        }

        /** Measures both sides at once, each in the cluster's own session (as inside a freeze window). */
        public VerifyReport run(Listener listener) {
            return run(listener, System.nanoTime(), 1, RANGE_PAGES);
        }

        /**
         * Prepares each side's group statements now, in the cluster's own session, with their plans cached
         * ({@link PreparedGroups}), so that {@link #run(Listener)} later (inside the freeze) does not plan them;
         * {@link #run(Listener)} deallocates them. Both sides at once. Call it after the last change to the
         * tables' definitions before that run (a DDL in between only costs a new plan). A failure here changes
         * nothing but the speed: the run plans the statements itself.
         */
        public void warm(Listener listener) {
            ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "upshift-verify-warm");
                t.setDaemon(true);
                return t;
            });
            try {
                Future<PreparedGroups> o = threads.submit(() -> PreparedGroups.prepare(origin.role(),
                        origin.connection(), groupStatements(plan.originQueries(), plan.originPages()), listener));
                Future<PreparedGroups> d = threads.submit(() -> PreparedGroups.prepare(destination.role(),
                        destination.connection(), groupStatements(plan.destinationQueries(),
                                plan.destinationPages()), listener));
                awaitQuietly(o);
                awaitQuietly(d);
                originPrepared = preparedOrNull(o);
                destinationPrepared = preparedOrNull(d);
            } finally {
                threads.shutdownNow();
            }
        }

        /** A side's measurement, then its prepared statements released (on that side's thread). */
        private static Map<QualifiedName, Measured> measured(Cluster cluster, List<TableQuery> queries,
                Map<QualifiedName, Long> pages, Listener listener, int jobs, boolean tidRanges, long rangePages,
                PreparedGroups prepared) throws SQLException {
            try {
                return measure(cluster, queries, pages, listener, jobs, tidRanges, rangePages, prepared);
            } finally {
                if (prepared != null) {
                    prepared.release(cluster.role(), listener);
                }
            }
        }

        private VerifyReport run(Listener listener, long started, int jobs, long rangePages) {
            ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "upshift-verify");
                t.setDaemon(true);
                return t;
            });
            Map<QualifiedName, Measured> o;
            Map<QualifiedName, Measured> d;
            try {
                PreparedGroups o1 = jobs == 1 ? originPrepared : null;
                PreparedGroups d1 = jobs == 1 ? destinationPrepared : null;
                Future<Map<QualifiedName, Measured>> originSide =
                        threads.submit(() -> measured(origin, plan.originQueries(), plan.originPages(), listener,
                                jobs, plan.originTidRanges(), rangePages, o1));
                Future<Map<QualifiedName, Measured>> destinationSide =
                        threads.submit(() -> measured(destination, plan.destinationQueries(),
                                plan.destinationPages(), listener, jobs, plan.destinationTidRanges(), rangePages, d1));
                // wait for both before reporting a failure: neither session is left inside its transaction
                awaitQuietly(originSide);
                awaitQuietly(destinationSide);
                o = result(originSide);
                d = result(destinationSide);
            } finally {
                threads.shutdownNow();
            }

            List<TableResult> results = new ArrayList<>();
            for (QualifiedName table : unique) {
                results.add(judge(table, plan.columns().get(table), o.get(table), d.get(table), checksum));
            }
            return new VerifyReport(checksum, "given", results, seconds(started));
        }
    }

    // ---- planning ---------------------------------------------------------------------------------------------

    /** What each side runs, and the columns per table both sides have. */
    private record Plan(Map<QualifiedName, Columns> columns, List<TableQuery> originQueries,
            List<TableQuery> destinationQueries, Map<QualifiedName, Long> originPages,
            Map<QualifiedName, Long> destinationPages, boolean originTidRanges, boolean destinationTidRanges) {
    }

    /** A table both sides have: the columns compared (empty without a checksum) and those left out. */
    private record Columns(List<ComparedColumn> compared, List<String> originOnly, List<String> destinationOnly) {
    }

    private static Plan plan(Cluster origin, Cluster destination, List<QualifiedName> tables, boolean checksum,
            AcceptedLossy accepted) {
        // both sides' definitions are read at once, each on its own session
        Definitions od;
        Definitions dd;
        ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "upshift-verify-plan");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<Definitions> originSide = threads.submit(() -> definitions(origin, tables));
            Future<Definitions> destinationSide = threads.submit(() -> definitions(destination, tables));
            awaitQuietly(originSide);
            awaitQuietly(destinationSide);
            od = definitionsOf(originSide);
            dd = definitionsOf(destinationSide);
        } finally {
            threads.shutdownNow();
        }
        Map<QualifiedName, Relation> originKinds = od.kinds();
        Map<QualifiedName, Relation> destinationKinds = dd.kinds();
        Map<QualifiedName, List<Column>> originColumns = od.columns();
        Map<QualifiedName, List<Column>> destinationColumns = dd.columns();
        Map<QualifiedName, Columns> layouts = new LinkedHashMap<>();
        List<TableQuery> originQueries = new ArrayList<>();
        List<TableQuery> destinationQueries = new ArrayList<>();
        Map<QualifiedName, Long> originPages = new LinkedHashMap<>();
        Map<QualifiedName, Long> destinationPages = new LinkedHashMap<>();
        // one hash spelling for both sides, chosen by both servers' encodings (see TableQuery)
        RowHash hash = RowHash.forEncodings(od.encoding(), dd.encoding());
        for (QualifiedName table : tables) {
            Relation or = originKinds.get(table);
            Relation dr = destinationKinds.get(table);
            Character ok = or == null ? null : or.kind();
            Character dk = dr == null ? null : dr.kind();
            List<ComparedColumn> columns = null;
            if (ok != null && dk != null) {
                List<Column> oc = originColumns.getOrDefault(table, List.of());
                List<Column> dc = destinationColumns.getOrDefault(table, List.of());
                TableDrift drift = TableDrift.compare(table, oc, dc);
                if (checksum) {
                    columns = compare(table, drift, oc, dc, accepted, type -> typeExists(origin, type));
                }
                layouts.put(table, new Columns(columns == null ? List.of() : columns,
                        oc.stream().map(Column::name).filter(n -> !drift.shared().contains(n)).toList(),
                        dc.stream().map(Column::name).filter(n -> !drift.shared().contains(n)).toList()));
            }
            // a table one side lacks is still counted on the other, for the report
            boolean both = ok != null && dk != null;
            if (ok != null) {
                originQueries.add(new TableQuery(table, ok == 'p', both ? columns : null, ComparedColumn.Side.ORIGIN,
                        hash, null));
                originPages.put(table, or.pages());
            }
            if (dk != null) {
                destinationQueries.add(new TableQuery(table, dk == 'p', both ? columns : null,
                        ComparedColumn.Side.DESTINATION, hash, null));
                destinationPages.put(table, dr.pages());
            }
        }
        return new Plan(layouts, originQueries, destinationQueries, originPages, destinationPages,
                od.tidRanges(), dd.tidRanges());
    }

    /**
     * One side's tables: kind and size, and columns; the server's encoding (for the hash spelling) and whether it
     * has TID range scans (for range splits), from its facts.
     */
    private record Definitions(Map<QualifiedName, Relation> kinds, Map<QualifiedName, List<Column>> columns,
            String encoding, boolean tidRanges) {
    }

    private static Definitions definitions(Cluster cluster, List<QualifiedName> tables) {
        try {
            return new Definitions(kinds(cluster.connection(), tables), Catalog.columns(cluster.connection(), tables),
                    cluster.facts().setting("server_encoding"),
                    cluster.facts().capabilities().has(Feature.TID_RANGE_SCAN));
        } catch (SQLException e) {
            throw catalogFailure(cluster, e);
        }
    }

    private static Definitions definitionsOf(Future<Definitions> side) {
        try {
            return side.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpshiftException("interrupted while verifying", null, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new UpshiftException("verify failed: " + e.getCause().getMessage(),
                    "check the connection to both servers and retry", e.getCause());
        }
    }

    /** The shared columns, in origin's order, each with its comparison. */
    static List<ComparedColumn> compare(TableDrift drift, List<Column> origin, List<Column> destination) {
        return compare(null, drift, origin, destination, AcceptedLossy.NONE, type -> true);
    }

    static List<ComparedColumn> compare(QualifiedName table, TableDrift drift, List<Column> origin,
            List<Column> destination, AcceptedLossy accepted, Predicate<String> typeOnOrigin) {
        Map<String, Column> o = new LinkedHashMap<>();
        origin.forEach(c -> o.put(c.name(), c));
        Map<String, Column> d = new LinkedHashMap<>();
        destination.forEach(c -> d.put(c.name(), c));
        return drift.shared().stream().map(name -> table != null && accepted.accepts(table, name)
                ? ComparedColumn.accepted(o.get(name), d.get(name), typeOnOrigin.test(d.get(name).type()))
                : ComparedColumn.of(o.get(name), d.get(name))).toList();
    }

    /** Whether a type (as format_type() spells it on destination) exists on origin, for --accept-lossy. */
    private static boolean typeExists(Cluster origin, String type) {
        try (PreparedStatement st = origin.connection().prepareStatement(
                "SELECT pg_catalog.to_regtype(?) IS NOT NULL")) {
            st.setString(1, type);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        } catch (SQLException e) {
            throw catalogFailure(origin, e);
        }
    }

    /** A table's kind ('r', 'p') and its estimated size in pages. */
    private record Relation(char kind, long pages) {
    }

    private static Map<QualifiedName, Relation> kinds(Connection c, List<QualifiedName> tables)
            throws SQLException {
        Map<QualifiedName, Relation> kinds = new LinkedHashMap<>();
        try (PreparedStatement st = c.prepareStatement(RELATIONS)) {
            st.setArray(1, c.createArrayOf("text", tables.stream().map(QualifiedName::schema).toArray()));
            st.setArray(2, c.createArrayOf("text", tables.stream().map(QualifiedName::name).toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    kinds.put(new QualifiedName(rs.getString(1), rs.getString(2)),
                            new Relation(rs.getString(3).charAt(0), rs.getLong(4)));
                }
            }
        }
        return kinds;
    }

    private static UpshiftException catalogFailure(Cluster cluster, SQLException e) {
        boolean locked = "55P03".equals(e.getSQLState());
        return new UpshiftException("cannot read the tables' definitions on " + cluster.role() + ": "
                + Queries.firstLine(e.getMessage()), locked
                        ? "a table is locked on " + cluster.role() + " (DDL, VACUUM FULL?): retry when that is done"
                        : "the role needs to read pg_catalog on " + cluster.role(), e);
    }

    // ---- measuring ---------------------------------------------------------------------------------------------

    /** One side's answer for one table. */
    private record Measured(Long rows, String digest, double seconds, String error) {
    }

    /** One statement's answer for one table (the whole table, or a range of it): exact count and hash sum. */
    private record Part(Long rows, BigInteger sum, long startedNanos, long endedNanos, String error) {
    }

    /**
     * Tables are measured together, in one statement, until their estimated size (pg_class.relpages) passes this many
     * 8 kB pages (1 GiB): a round trip per gigabyte read is nothing, a round trip per small table is most of a freeze
     * window's verify. A larger table has a statement of its own (and its own time in the report).
     */
    static final long GROUP_PAGES = 131_072;

    /**
     * At most this many tables in one statement: planning a UNION ALL grows faster than its branches, and a statement
     * of a few thousand branches plans slower than a few of a thousand.
     */
    static final int GROUP_TABLES = 1000;

    /**
     * With several sessions per side, a plain table of at least twice this many pages (64 MiB each) is read in
     * ranges of at least this size, at most one per session.
     */
    static final long RANGE_PAGES = 8_192;

    /** The statements of a single session's groups of more than one table (what {@link #measure} runs). */
    private static List<String> groupStatements(List<TableQuery> queries, Map<QualifiedName, Long> pages) {
        return groups(queries, pages).stream().filter(g -> g.size() > 1).map(Verification::groupSql).toList();
    }

    private static PreparedGroups preparedOrNull(Future<PreparedGroups> side) {
        try {
            return side.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return null; // planned when run
        }
    }

    /** The default number of sessions per side ({@code verify --jobs}): how many both sides can spare. */
    public static int defaultJobs(Cluster origin, Cluster destination) {
        try {
            return SessionBudget.sessions(origin.connection(), destination.connection());
        } catch (SQLException e) {
            return 1; // a role that cannot read pg_stat_activity: one session per side, as before
        }
    }

    /** What one statement measures: a group of whole tables, or one range of one table. */
    private record Work(List<TableQuery> queries, long pages) {
    }

    /**
     * Runs one side's queries in one REPEATABLE READ, READ ONLY transaction: the session settings in one round trip,
     * then one statement per {@link #groups group} of tables (a UNION ALL of their queries) under a savepoint. When a
     * group's statement fails (a table locked, a permission, a type that cannot be rendered), that group is measured
     * again one table at a time, each under a savepoint of its own, so that each error names its table and the other
     * tables still get their answer. So the number of statements does not grow with the number of tables, only with
     * their size.
     *
     * <p>With {@code jobs} above 1, a plain table of at least 2 x {@link #RANGE_PAGES} is cut into ranges ({@link
     * #ranges}: ctid ranges of whole pages on 14+, where a TID range scan reads only those pages; on 13 ranges of
     * its key, or not cut without a usable one), and the groups and ranges are shared
     * out, largest first, over up to {@code jobs} sessions: this one and {@code jobs - 1} opened for the run. This
     * session exports its snapshot ({@code pg_export_snapshot()}) and every other session imports it ({@code SET
     * TRANSACTION SNAPSHOT}) before its first query, so the side is still read at one point in time, as {@code
     * FreezeVerify} needs. A table's ranges add up (counts and hash sums are sums) to what one statement over the
     * whole table gives, so the result and digest are per table, as before; a range that fails makes its table's
     * answer an error. A session that cannot be opened (max_connections) leaves its share to the others.
     */
    private static Map<QualifiedName, Measured> measure(Cluster cluster, List<TableQuery> queries,
            Map<QualifiedName, Long> pages, Listener listener, int jobs, boolean tidRanges, long rangePages,
            PreparedGroups prepared) throws SQLException {
        Map<QualifiedName, Measured> results = new LinkedHashMap<>();
        if (queries.isEmpty()) {
            return results;
        }
        String role = cluster.role();
        Connection c = cluster.connection();
        if (!c.getAutoCommit()) {
            throw new IllegalStateException("verify needs the " + role
                    + " session in autocommit mode, not inside a transaction");
        }
        c.setAutoCommit(false);
        try {
            try (Statement st = c.createStatement()) {
                String settings = String.join(";\n", SESSION);
                listener.statement(role, settings);
                st.execute(settings); // one round trip for all of them
            }
            List<Work> work = new ArrayList<>();
            Map<QualifiedName, Integer> parts = new HashMap<>();
            List<TableQuery> whole = new ArrayList<>();
            for (TableQuery query : queries) {
                long p = Math.max(0, pages.getOrDefault(query.table(), 0L));
                List<String> ranges = jobs > 1 && !query.partitioned() && p >= 2 * rangePages
                        ? ranges(role, c, query.table(), p, jobs, tidRanges, rangePages, listener) : List.of();
                if (ranges.size() > 1) {
                    for (String range : ranges) {
                        work.add(new Work(List.of(query.inRange(range)), p / ranges.size()));
                    }
                    parts.put(query.table(), ranges.size());
                } else {
                    whole.add(query);
                    parts.put(query.table(), 1);
                }
            }
            for (List<TableQuery> group : groups(whole, pages, jobs > 1 ? GROUP_PAGES / jobs : GROUP_PAGES)) {
                work.add(new Work(group, group.stream().mapToLong(q -> pages.getOrDefault(q.table(), 0L)).sum()));
            }
            if (jobs > 1) {
                work.sort((a, b) -> Long.compare(b.pages(), a.pages())); // the long ones start first
            }
            Collector collector = new Collector(role, queries, parts, listener);
            java.util.Queue<Work> queue = new java.util.concurrent.ConcurrentLinkedQueue<>(work);
            int sessions = Math.min(jobs, work.size());
            if (sessions <= 1) {
                run(role, c, queue, collector, listener, prepared);
            } else {
                String snapshot = exportSnapshot(role, c, listener);
                ExecutorService threads = Executors.newFixedThreadPool(sessions, r -> {
                    Thread t = new Thread(r, "upshift-verify-" + role);
                    t.setDaemon(true);
                    return t;
                });
                try {
                    List<Future<?>> running = new ArrayList<>();
                    running.add(threads.submit(() -> {
                        run(role, c, queue, collector, listener, null);
                        return null;
                    }));
                    for (int i = 1; i < sessions; i++) {
                        running.add(threads.submit(() -> {
                            another(cluster, snapshot, queue, collector, listener);
                            return null;
                        }));
                    }
                    for (Future<?> f : running) {
                        awaitQuietly(f); // every session done before this one's transaction (the snapshot) ends
                    }
                    for (Future<?> f : running) {
                        rethrow(f);
                    }
                } finally {
                    threads.shutdownNow();
                }
            }
            for (TableQuery query : queries) {
                results.put(query.table(), collector.result(query.table()));
            }
        } finally {
            try {
                c.rollback(); // read only: nothing to keep; also ends the SET LOCALs
            } finally {
                c.setAutoCommit(true);
            }
        }
        return results;
    }

    /** The statements of one session: work items from the queue until it is empty. */
    private static void run(String role, Connection c, java.util.Queue<Work> queue, Collector collector,
            Listener listener, PreparedGroups prepared) throws SQLException {
        for (Work w = queue.poll(); w != null; w = queue.poll()) {
            if (w.queries().size() == 1) {
                TableQuery query = w.queries().get(0);
                collector.add(query.table(), measure(role, c, query, listener));
            } else {
                measureGroup(role, c, w.queries(), listener, prepared).forEach(collector::add);
            }
        }
    }

    /** One more session on the side's snapshot; when it cannot be opened, the other sessions do its share. */
    private static void another(Cluster cluster, String snapshot, java.util.Queue<Work> queue, Collector collector,
            Listener listener) throws SQLException {
        Connection c;
        try {
            c = cluster.openAnother();
        } catch (RuntimeException e) {
            return; // e.g. too many connections: the sessions already open take the queue
        }
        try (c) {
            c.setAutoCommit(false);
            List<String> begin = new ArrayList<>(SESSION);
            // before any query of the transaction: SET TRANSACTION SNAPSHOT right after the isolation level
            begin.add(1, "SET TRANSACTION SNAPSHOT " + upshift.sql.Sql.literal(snapshot));
            try (Statement st = c.createStatement()) {
                String settings = String.join(";\n", begin);
                listener.statement(cluster.role(), settings);
                st.execute(settings);
            }
            try {
                run(cluster.role(), c, queue, collector, listener, null);
            } finally {
                c.rollback();
            }
        }
    }

    private static String exportSnapshot(String role, Connection c, Listener listener) throws SQLException {
        String sql = "SELECT pg_catalog.pg_export_snapshot()";
        listener.statement(role, sql);
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void rethrow(Future<?> f) throws SQLException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpshiftException("interrupted while verifying", null, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException s) {
                throw s;
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * A table's parts as they come in from the side's sessions; the table's answer once all are in (counts and
     * sums added up; the first error, if any). Thread-safe: the sessions report at once.
     */
    private static final class Collector {
        private final String role;
        private final Map<QualifiedName, TableQuery> queries = new HashMap<>();
        private final Map<QualifiedName, Integer> expected;
        private final Map<QualifiedName, List<Part>> parts = new HashMap<>();
        private final Map<QualifiedName, Measured> done = new HashMap<>();
        private final Listener listener;

        Collector(String role, List<TableQuery> queries, Map<QualifiedName, Integer> expected, Listener listener) {
            this.role = role;
            queries.forEach(q -> this.queries.put(q.table(), q));
            this.expected = expected;
            this.listener = listener;
        }

        void add(QualifiedName table, Part part) {
            Measured m;
            synchronized (this) {
                List<Part> in = parts.computeIfAbsent(table, t -> new ArrayList<>());
                in.add(part);
                if (in.size() < expected.get(table)) {
                    return;
                }
                m = combine(queries.get(table), in);
                done.put(table, m);
            }
            listener.tableDone(role, table, m.rows(), m.seconds(), m.error());
        }

        synchronized Measured result(QualifiedName table) {
            Measured m = done.get(table);
            if (m == null) {
                throw new IllegalStateException("no answer for " + table + " in " + role + "'s verify");
            }
            return m;
        }
    }

    /** A table's answer from its parts: the whole table, or its ranges, which add up. */
    private static Measured combine(TableQuery query, List<Part> parts) {
        long started = parts.stream().mapToLong(Part::startedNanos).min().orElseThrow();
        long ended = parts.stream().mapToLong(Part::endedNanos).max().orElseThrow();
        double seconds = Math.round((ended - started) / 1e6) / 1e3;
        for (Part p : parts) {
            if (p.error() != null) {
                return new Measured(null, null, seconds, parts.size() > 1 ? "in one of " + parts.size()
                        + " ranges: " + p.error() : p.error());
            }
        }
        long rows = parts.stream().mapToLong(Part::rows).sum();
        BigInteger sum = parts.stream().map(Part::sum).filter(java.util.Objects::nonNull)
                .reduce(BigInteger.ZERO, BigInteger::add);
        return new Measured(rows, query.checksum() ? digest(query.hash(), rows, sum) : null, seconds, null);
    }

    /**
     * The range conditions for a large table, or none (not worth cutting, or no way to): up to {@code jobs} ranges
     * of at least {@link #RANGE_PAGES}. With TID range scans (14+) ctid ranges of whole pages by the table's size;
     * on 13 ranges of its key ({@link KeyRanges}: a single integer column between its min and max, any other key at
     * the quantiles of a sample), each read with the key's index or a scan that only renders and hashes the range's
     * rows. The bounds need not be exact: the first and last ranges are open, so every row is in exactly one range.
     * KeyRanges reads under a savepoint: a failure leaves this side's transaction usable and the table read whole.
     */
    private static List<String> ranges(String role, Connection c, QualifiedName table, long pages, int jobs,
            boolean tidRanges, long rangePages, Listener listener) throws SQLException {
        int wanted = (int) Math.min(jobs, pages / rangePages);
        if (wanted < 2) {
            return List.of();
        }
        if (tidRanges) {
            long per = (pages + wanted - 1) / wanted;
            List<String> bounds = new ArrayList<>();
            for (long p = per; p < pages; p += per) {
                bounds.add("'(" + p + ",0)'::pg_catalog.tid");
            }
            return KeyRanges.between("ctid", bounds);
        }
        return KeyRanges.conditions(c, table, wanted, sql -> listener.statement(role, sql));
    }

    /**
     * The queries in order, cut into groups of at most {@link #GROUP_TABLES} tables whose estimated pages stay within
     * {@link #GROUP_PAGES}; a table at or above that is a group of its own.
     */
    static List<List<TableQuery>> groups(List<TableQuery> queries, Map<QualifiedName, Long> pages) {
        return groups(queries, pages, GROUP_PAGES);
    }

    static List<List<TableQuery>> groups(List<TableQuery> queries, Map<QualifiedName, Long> pages, long groupPages) {
        List<List<TableQuery>> groups = new ArrayList<>();
        List<TableQuery> current = new ArrayList<>();
        long size = 0;
        for (TableQuery query : queries) {
            long p = Math.max(0, pages.getOrDefault(query.table(), 0L));
            if (p >= groupPages) {
                groups.add(List.of(query));
                continue;
            }
            if (!current.isEmpty() && (size + p > groupPages || current.size() >= GROUP_TABLES)) {
                groups.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(query);
            size += p;
        }
        if (!current.isEmpty()) {
            groups.add(current);
        }
        return groups;
    }

    /**
     * One statement for the group: each table's aggregate as a branch of a UNION ALL, tagged with its position (not
     * as a subquery: see {@link TableQuery#selectList}); a count-only query gets a NULL hash sum. Every identifier in
     * it is quoted by {@link TableQuery}.
     */
    static String groupSql(List<TableQuery> group) {
        StringBuilder sql = new StringBuilder();
        for (int i = 0; i < group.size(); i++) {
            TableQuery query = group.get(i);
            if (i > 0) {
                sql.append("\nUNION ALL\n");
            }
            sql.append("SELECT ").append(i).append(" AS table_index, ").append(query.selectList())
                    .append(query.checksum() ? "" : ", NULL::pg_catalog.text")
                    .append(" FROM ").append(query.from());
        }
        return sql.toString();
    }

    /**
     * The group in one statement (its prepared statement when {@code prepared} has one); on an error (other than a
     * lost session), each of its tables on its own.
     */
    private static Map<QualifiedName, Part> measureGroup(String role, Connection c, List<TableQuery> group,
            Listener listener, PreparedGroups prepared) throws SQLException {
        String sql = groupSql(group);
        String text = prepared == null ? sql : prepared.statement(c, sql);
        listener.statement(role, text);
        long started = System.nanoTime();
        Savepoint savepoint = c.setSavepoint();
        Map<QualifiedName, Part> results = new LinkedHashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(text)) {
            Map<Integer, Object[]> rows = new HashMap<>();
            while (rs.next()) {
                rows.put(rs.getInt(1), new Object[] {rs.getLong(2), rs.getString(3)});
            }
            c.releaseSavepoint(savepoint);
            long ended = System.nanoTime();
            for (int i = 0; i < group.size(); i++) {
                TableQuery query = group.get(i);
                Object[] row = rows.get(i);
                if (row == null) {
                    throw new IllegalStateException("no answer for " + query.table() + " in " + role + "'s verify");
                }
                results.put(query.table(), new Part((Long) row[0], sum((String) row[1]), started, ended, null));
            }
            return results;
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
                throw e; // the session is gone: nothing more to learn on this side
            }
            c.rollback(savepoint);
            if (!text.equals(sql) && PreparedGroups.missing(e)) {
                return measureGroup(role, c, group, listener, null); // not prepared after all: the SQL itself
            }
            // which table failed is not in the error: measure each on its own, so that each error names its table
            for (TableQuery query : group) {
                results.put(query.table(), measure(role, c, query, listener));
            }
            return results;
        }
    }

    /** One table's (or range's) query under a savepoint of its own: an error is that table's answer. */
    private static Part measure(String role, Connection c, TableQuery query, Listener listener)
            throws SQLException {
        String sql = query.sql();
        listener.statement(role, sql);
        long started = System.nanoTime();
        Savepoint savepoint = c.setSavepoint();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            long rows = rs.getLong(1);
            BigInteger sum = query.checksum() ? sum(rs.getString(2)) : null;
            c.releaseSavepoint(savepoint);
            return new Part(rows, sum, started, System.nanoTime(), null);
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
                throw e; // the session is gone: nothing more to learn on this side
            }
            c.rollback(savepoint);
            return new Part(null, null, started, System.nanoTime(), Queries.firstLine(e.getMessage()));
        }
    }

    private static BigInteger sum(String text) {
        return text == null ? null : new BigInteger(text);
    }

    private static void awaitQuietly(Future<?> side) {
        try {
            side.get();
        } catch (ExecutionException e) {
            // reported by result()
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Map<QualifiedName, Measured> result(Future<Map<QualifiedName, Measured>> side) {
        try {
            return side.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpshiftException("interrupted while verifying", null, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UpshiftException u) {
                throw u;
            }
            throw new UpshiftException("verify failed: " + cause.getMessage(),
                    "check the connection to both servers and retry", cause);
        }
    }

    /**
     * A short digest of one side's count and hash sum, and the hash spelling (digests of two spellings never agree):
     * the first 128 bits of SHA-256, so that equal digests mean equal counts and sums but for a chance of about
     * 2^-128, far below the row hash's own 2^-64 (see {@link TableQuery}).
     */
    static String digest(RowHash hash, long rows, BigInteger sum) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((hash + ":" + rows + ":" + sum).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- judging -----------------------------------------------------------------------------------------------

    private static TableResult judge(QualifiedName table, Columns columns, Measured o, Measured d,
            boolean checksum) {
        Long originRows = o == null ? null : o.rows();
        Long destinationRows = d == null ? null : d.rows();
        String originDigest = o == null ? null : o.digest();
        String destinationDigest = d == null ? null : d.digest();
        Status status;
        String error = null;
        Boolean match = null;
        if (o == null && d == null) {
            status = Status.MISSING_ON_ORIGIN;
            error = "neither side has it";
        } else if (o == null) {
            status = Status.MISSING_ON_ORIGIN;
        } else if (d == null) {
            status = Status.MISSING_ON_DESTINATION;
        } else if (o.error() != null || d.error() != null) {
            status = Status.ERROR;
            error = o.error() != null ? "origin: " + o.error() : "destination: " + d.error();
        } else {
            if (checksum) {
                match = originDigest.equals(destinationDigest);
            }
            status = !originRows.equals(destinationRows) ? Status.ROW_COUNT_DIFFERS
                    : Boolean.FALSE.equals(match) ? Status.CHECKSUM_DIFFERS : Status.EQUAL;
        }
        if (status == Status.MISSING_ON_ORIGIN || status == Status.MISSING_ON_DESTINATION) {
            Measured present = o != null ? o : d;
            if (present != null && present.error() != null) {
                error = present.error();
            }
        }
        return new TableResult(table, status, originRows, destinationRows, originDigest, destinationDigest, match,
                columns == null ? List.of() : columns.compared(),
                columns == null ? List.of() : columns.originOnly(),
                columns == null ? List.of() : columns.destinationOnly(),
                o == null ? null : o.seconds(), d == null ? null : d.seconds(), error);
    }

    private static double seconds(long startedNanos) {
        return Math.round((System.nanoTime() - startedNanos) / 1e6) / 1e3;
    }
}
