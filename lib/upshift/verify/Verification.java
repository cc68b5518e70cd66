package upshift.verify;

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
import upshift.sql.QualifiedName;
import upshift.sql.Queries;
import upshift.verify.TableResult.Status;

/**
 * Compares tables between origin and destination: row counts, and optionally an order-independent checksum of
 * every row's columns that both sides have (see {@link TableQuery} and {@link ComparedColumn}).
 *
 * <p>Each side runs in one REPEATABLE READ, READ ONLY transaction on the cluster's session, so all its tables
 * are read from one snapshot; the two sides run at the same time, on two threads, so the wall time is the slower
 * side's, not the sum. Each side sends a constant number of statements whatever the number of tables (small tables
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
        long started = System.nanoTime();
        return planAhead(origin, destination, tables, checksum, accepted).run(listener, started);
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

        public VerifyReport run(Listener listener) {
            return run(listener, System.nanoTime());
        }

        private VerifyReport run(Listener listener, long started) {
            ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "upshift-verify");
                t.setDaemon(true);
                return t;
            });
            Map<QualifiedName, Measured> o;
            Map<QualifiedName, Measured> d;
            try {
                Future<Map<QualifiedName, Measured>> originSide =
                        threads.submit(() -> measure(origin, plan.originQueries(), plan.originPages(), listener));
                Future<Map<QualifiedName, Measured>> destinationSide =
                        threads.submit(() -> measure(destination, plan.destinationQueries(),
                                plan.destinationPages(), listener));
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
            Map<QualifiedName, Long> destinationPages) {
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
                originQueries.add(new TableQuery(table, ok == 'p', both ? columns : null, ComparedColumn.Side.ORIGIN));
                originPages.put(table, or.pages());
            }
            if (dk != null) {
                destinationQueries.add(new TableQuery(table, dk == 'p', both ? columns : null,
                        ComparedColumn.Side.DESTINATION));
                destinationPages.put(table, dr.pages());
            }
        }
        return new Plan(layouts, originQueries, destinationQueries, originPages, destinationPages);
    }

    /** One side's tables: kind and size, and columns. */
    private record Definitions(Map<QualifiedName, Relation> kinds, Map<QualifiedName, List<Column>> columns) {
    }

    private static Definitions definitions(Cluster cluster, List<QualifiedName> tables) {
        try {
            return new Definitions(kinds(cluster.connection(), tables), Catalog.columns(cluster.connection(), tables));
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
     * Runs one side's queries in one REPEATABLE READ, READ ONLY transaction: the session settings in one round trip,
     * then one statement per {@link #groups group} of tables (a UNION ALL of their queries) under a savepoint. When a
     * group's statement fails (a table locked, a permission, a type that cannot be rendered), that group is measured
     * again one table at a time, each under a savepoint of its own, so that each error names its table and the other
     * tables still get their answer. So the number of statements does not grow with the number of tables, only with
     * their size.
     */
    private static Map<QualifiedName, Measured> measure(Cluster cluster, List<TableQuery> queries,
            Map<QualifiedName, Long> pages, Listener listener) throws SQLException {
        Map<QualifiedName, Measured> results = new LinkedHashMap<>();
        if (queries.isEmpty()) {
            return results;
        }
        Connection c = cluster.connection();
        if (!c.getAutoCommit()) {
            throw new IllegalStateException("verify needs the " + cluster.role()
                    + " session in autocommit mode, not inside a transaction");
        }
        c.setAutoCommit(false);
        try {
            try (Statement st = c.createStatement()) {
                String settings = String.join(";\n", SESSION);
                listener.statement(cluster.role(), settings);
                st.execute(settings); // one round trip for all of them
            }
            for (List<TableQuery> group : groups(queries, pages)) {
                Map<QualifiedName, Measured> measured = group.size() == 1
                        ? Map.of(group.get(0).table(), measure(cluster.role(), c, group.get(0), listener))
                        : measureGroup(cluster.role(), c, group, listener);
                for (TableQuery query : group) {
                    Measured m = measured.get(query.table());
                    results.put(query.table(), m);
                    listener.tableDone(cluster.role(), query.table(), m.rows(), m.seconds(), m.error());
                }
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

    /**
     * The queries in order, cut into groups of at most {@link #GROUP_TABLES} tables whose estimated pages stay within
     * {@link #GROUP_PAGES}; a table at or above that is a group of its own.
     */
    static List<List<TableQuery>> groups(List<TableQuery> queries, Map<QualifiedName, Long> pages) {
        List<List<TableQuery>> groups = new ArrayList<>();
        List<TableQuery> current = new ArrayList<>();
        long size = 0;
        for (TableQuery query : queries) {
            long p = Math.max(0, pages.getOrDefault(query.table(), 0L));
            if (p >= GROUP_PAGES) {
                groups.add(List.of(query));
                continue;
            }
            if (!current.isEmpty() && (size + p > GROUP_PAGES || current.size() >= GROUP_TABLES)) {
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
     * One statement for the group: each table's query as a subquery, tagged with its position, under UNION ALL; a
     * count-only query gets NULL hash sums. Every identifier in it is quoted by {@link TableQuery#sql()}.
     */
    static String groupSql(List<TableQuery> group) {
        StringBuilder sql = new StringBuilder();
        for (int i = 0; i < group.size(); i++) {
            TableQuery query = group.get(i);
            if (i > 0) {
                sql.append("\nUNION ALL\n");
            }
            sql.append("SELECT ").append(i).append(" AS table_index, q.*")
                    .append(query.checksum() ? "" : ", NULL::pg_catalog.text, NULL::pg_catalog.text")
                    .append(" FROM (").append(query.sql()).append(") AS q");
        }
        return sql.toString();
    }

    /** The group in one statement; on an error (other than a lost session), each of its tables on its own. */
    private static Map<QualifiedName, Measured> measureGroup(String role, Connection c, List<TableQuery> group,
            Listener listener) throws SQLException {
        String sql = groupSql(group);
        listener.statement(role, sql);
        long started = System.nanoTime();
        Savepoint savepoint = c.setSavepoint();
        Map<QualifiedName, Measured> results = new LinkedHashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            Map<Integer, Object[]> rows = new HashMap<>();
            while (rs.next()) {
                rows.put(rs.getInt(1), new Object[] {rs.getLong(2), rs.getString(3), rs.getString(4)});
            }
            c.releaseSavepoint(savepoint);
            double seconds = seconds(started);
            for (int i = 0; i < group.size(); i++) {
                TableQuery query = group.get(i);
                Object[] row = rows.get(i);
                if (row == null) {
                    throw new IllegalStateException("no answer for " + query.table() + " in " + role + "'s verify");
                }
                long count = (Long) row[0];
                String digest = query.checksum() ? digest(count, (String) row[1], (String) row[2]) : null;
                results.put(query.table(), new Measured(count, digest, seconds, null));
            }
            return results;
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
                throw e; // the session is gone: nothing more to learn on this side
            }
            c.rollback(savepoint);
            // which table failed is not in the error: measure each on its own, so that each error names its table
            for (TableQuery query : group) {
                results.put(query.table(), measure(role, c, query, listener));
            }
            return results;
        }
    }

    /** One table's query under a savepoint of its own: an error is that table's answer. */
    private static Measured measure(String role, Connection c, TableQuery query, Listener listener)
            throws SQLException {
        String sql = query.sql();
        listener.statement(role, sql);
        long started = System.nanoTime();
        Savepoint savepoint = c.setSavepoint();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            long rows = rs.getLong(1);
            String digest = query.checksum() ? digest(rows, rs.getString(2), rs.getString(3)) : null;
            c.releaseSavepoint(savepoint);
            return new Measured(rows, digest, seconds(started), null);
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
                throw e; // the session is gone: nothing more to learn on this side
            }
            c.rollback(savepoint);
            return new Measured(null, null, seconds(started), Queries.firstLine(e.getMessage()));
        }
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

    /** A short digest of one side's count and hash sums; equal digests mean equal tables (to 1 in 2^64). */
    static String digest(long rows, String sum1, String sum2) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest((rows + ":" + sum1 + ":" + sum2).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 8);
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
