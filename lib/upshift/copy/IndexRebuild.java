package upshift.copy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import upshift.UpshiftException;
import upshift.copy.CopyState.Deferred;
import upshift.report.Progress;
import upshift.sql.QualifiedName;
import upshift.sql.Queries;
import upshift.sql.Sql;

/**
 * The destination's indexes and non-check constraints, dropped before the snapshot copy and rebuilt after it, on the
 * copied tables and, for a partitioned table, its partitions. Dropped: foreign keys from or to a copied table, primary
 * keys, UNIQUE and EXCLUDE constraints, other indexes. Kept: a replica identity index ({@code REPLICA IDENTITY USING
 * INDEX}) and CHECK / NOT NULL constraints. The primary key can go because nothing applies a change before the
 * rebuild: enable-subscription enables the subscription only after it, and a copy never commits a chunk twice (each
 * chunk commits with its record), so the key has nothing to catch. Loading a table without its key, then building it,
 * is what pg_restore and pgcopydb do; with the key in place every row also goes into a btree.
 *
 * <p>A primary key or unique constraint of an ordinary table is rebuilt as its unique index ({@code CREATE UNIQUE
 * INDEX}, which shares the table with the other index builds), then {@code ADD CONSTRAINT ... USING INDEX}, a
 * catalog change: {@code ADD CONSTRAINT ... PRIMARY KEY} alone would build the index under an ACCESS EXCLUSIVE lock and
 * hold off every other index build on the table. Deferrable constraints and partitioned tables (no USING INDEX there)
 * are added whole. Each definition is recorded in {@code upshift.deferred_object} in the transaction that drops it,
 * and deleted in the transaction that rebuilds it.
 */
public final class IndexRebuild {

    /** maintenance_work_mem of each rebuild session. */
    public static final String MAINTENANCE_WORK_MEM = "512MB";

    private IndexRebuild() {
    }

    /** What would be dropped, foreign keys first (they depend on the unique indexes). */
    static List<Deferred> toDefer(Connection destination, List<QualifiedName> tables, int firstSeq)
            throws SQLException {
        List<Deferred> list = new ArrayList<>();
        // each copied table and, when destination partitions it, every partition in its tree: a partitioned index
        // is dropped and rebuilt through its table (its partitions' indexes with it), an index of one partition alone
        // by itself
        String oids = "(ARRAY(SELECT m.relid FROM unnest(?::text[]) t CROSS JOIN LATERAL (SELECT to_regclass(t)::oid"
                + " UNION SELECT p.relid FROM pg_catalog.pg_partition_tree(to_regclass(t)) p) m(relid)))";
        // a replica identity index, or one a partition's replica identity descends from, stays
        String replIdent = "EXISTS (SELECT FROM pg_catalog.pg_index ri WHERE ri.indisreplident AND ri.indexrelid IN"
                + " (SELECT %1$s UNION SELECT pt.relid FROM pg_catalog.pg_partition_tree(%1$s) pt))";
        String constraints = "SELECT c.contype = 'f', n.nspname, r.relname, c.conname,"
                + " pg_catalog.pg_get_constraintdef(c.oid), c.convalidated, r.relkind = 'p',"
                + " CASE WHEN c.contype IN ('p', 'u') AND NOT c.condeferrable AND r.relkind <> 'p'"
                + " THEN pg_catalog.pg_get_indexdef(c.conindid) END, c.contype,"
                + " (SELECT pg_catalog.quote_ident(ic.relname) FROM pg_catalog.pg_class ic WHERE ic.oid = c.conindid)"
                + " FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_class r ON r.oid = c.conrelid"
                + " JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace"
                + " WHERE c.conparentid = 0 AND ((c.contype = 'f' AND (c.conrelid = ANY " + oids
                + " OR c.confrelid = ANY " + oids + ")) OR (c.contype IN ('p', 'u', 'x') AND c.conrelid = ANY " + oids
                + " AND NOT " + String.format(replIdent, "c.conindid") + "))"
                + " ORDER BY c.contype <> 'f', n.nspname, r.relname, c.conname";
        String[] names = tables.stream().map(QualifiedName::sql).toArray(String[]::new);
        int seq = firstSeq;
        try (PreparedStatement st = destination.prepareStatement(constraints)) {
            for (int i = 1; i <= 3; i++) {
                st.setArray(i, destination.createArrayOf("text", names));
            }
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    String table = Sql.qualified(rs.getString(2), rs.getString(3));
                    String def = rs.getString(5);
                    boolean fk = rs.getBoolean(1);
                    // before 18 a partitioned table takes no NOT VALID foreign key: it is added validated
                    boolean validate = fk && rs.getBoolean(6) && !rs.getBoolean(7);
                    String indexDef = rs.getString(8);
                    String prefix = "CREATE UNIQUE INDEX ";
                    if (indexDef != null && indexDef.startsWith(prefix)) {
                        // its index first (IF NOT EXISTS: built and committed before the constraint is added)
                        list.add(new Deferred(seq++, CopyState.CONSTRAINT_INDEX, table, rs.getString(4),
                                prefix + "IF NOT EXISTS " + indexDef.substring(prefix.length()), false));
                        list.add(new Deferred(seq++, CopyState.USING_INDEX, table, rs.getString(4), "ALTER TABLE "
                                + table + " ADD CONSTRAINT " + Sql.ident(rs.getString(4)) + " "
                                + (rs.getString(9).equals("p") ? "PRIMARY KEY" : "UNIQUE") + " USING INDEX "
                                + rs.getString(10), false));
                        continue;
                    }
                    String create = "ALTER TABLE " + table + " ADD CONSTRAINT " + Sql.ident(rs.getString(4)) + " "
                            + (validate ? def + " NOT VALID" : def);
                    list.add(new Deferred(seq++, fk ? CopyState.FOREIGN_KEY : "constraint", table, rs.getString(4),
                            create, validate));
                }
            }
        }
        String indexes = "SELECT n.nspname, ic.relname, pg_catalog.pg_get_indexdef(i.indexrelid), r.relname,"
                + " ic.relkind = 'I', i.indisunique, pg_catalog.quote_ident(ic.relname)"
                + " FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid"
                + " JOIN pg_catalog.pg_class r ON r.oid = i.indrelid"
                + " JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace"
                + " WHERE i.indrelid = ANY " + oids + " AND NOT i.indisprimary AND NOT "
                + String.format(replIdent, "i.indexrelid")
                + " AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint c WHERE c.conindid = i.indexrelid"
                + " AND c.contype IN ('p', 'u', 'x'))"
                + " AND NOT EXISTS (SELECT FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.indexrelid)"
                + " ORDER BY n.nspname, ic.relname";
        try (PreparedStatement st = destination.prepareStatement(indexes)) {
            st.setArray(1, destination.createArrayOf("text", names));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    String def = rs.getString(3);
                    if (rs.getBoolean(5)) {
                        // a partitioned index reads "ON ONLY table": rebuilt for every partition, not the root alone
                        String only = "CREATE " + (rs.getBoolean(6) ? "UNIQUE " : "") + "INDEX " + rs.getString(7)
                                + " ON ONLY ";
                        if (def.startsWith(only)) {
                            def = only.substring(0, only.length() - "ONLY ".length()) + def.substring(only.length());
                        }
                    }
                    list.add(new Deferred(seq++, "index", Sql.qualified(rs.getString(1), rs.getString(4)),
                            rs.getString(2), def, false));
                }
            }
        }
        return list;
    }

    /** Records and drops them, in one transaction: a crash leaves them either in place or recorded. */
    static List<Deferred> defer(Connection destination, String subscription, List<QualifiedName> tables,
            Progress out) throws SQLException {
        List<Deferred> already = CopyState.deferred(destination, subscription);
        int next = already.stream().mapToInt(Deferred::seq).max().orElse(0) + 1;
        List<Deferred> now = toDefer(destination, tables, next);
        if (now.isEmpty()) {
            return already;
        }
        destination.setAutoCommit(false);
        try (Statement st = destination.createStatement()) {
            for (Deferred d : now) {
                CopyState.recordDeferred(destination, subscription, d);
                if (d.kind().equals(CopyState.CONSTRAINT_INDEX)) {
                    continue; // dropped with its constraint, the next record
                }
                String drop = d.kind().equals("index")
                        ? "DROP INDEX " + Sql.qualified(schemaOf(destination, d), d.name())
                        : "ALTER TABLE " + d.table() + " DROP CONSTRAINT " + Sql.ident(d.name());
                out.statement("destination", drop);
                st.execute(drop);
            }
            destination.commit();
        } catch (SQLException e) {
            destination.rollback();
            throw e;
        } finally {
            destination.setAutoCommit(true);
        }
        out.note("deferred " + now.size() + " indexes and constraints until the copy is done (recorded in "
                + CopyState.DEFERRED + ")");
        List<Deferred> all = new ArrayList<>(already);
        all.addAll(now);
        return all;
    }

    private static String schemaOf(Connection c, Deferred d) throws SQLException {
        String schema = Queries.single(c, "SELECT n.nspname FROM pg_catalog.pg_class r JOIN pg_catalog.pg_namespace n"
                + " ON n.oid = r.relnamespace WHERE r.oid = ?::regclass", d.table());
        return schema;
    }

    /**
     * Rebuilds every recorded object: indexes, the unique indexes of primary keys and unique constraints, and the
     * other constraints first; then the constraints onto their indexes; then foreign keys (added NOT VALID, then
     * validated), each in its own transaction with its record, on up to {@code workers} sessions.
     *
     * @return how many were rebuilt
     */
    static int rebuild(Supplier<Connection> sessions, Connection destination, String subscription, int workers,
            Progress out) throws SQLException {
        List<Deferred> all = CopyState.deferred(destination, subscription);
        if (all.isEmpty()) {
            return 0;
        }
        out.note("rebuilding " + all.size() + " indexes and constraints on " + Math.min(workers, all.size())
                + " sessions (maintenance_work_mem " + MAINTENANCE_WORK_MEM + ")");
        long started = System.nanoTime();
        runAll(sessions, subscription, all.stream().filter(d -> !d.foreignKey()
                && !d.kind().equals(CopyState.USING_INDEX)).toList(), workers, out);
        runAll(sessions, subscription, all.stream().filter(d -> d.kind().equals(CopyState.USING_INDEX)).toList(),
                workers, out);
        runAll(sessions, subscription, all.stream().filter(Deferred::foreignKey).toList(), workers, out);
        out.note("rebuilt " + all.size() + " indexes and constraints in " + String.format(java.util.Locale.ROOT,
                "%.1f s", (System.nanoTime() - started) / 1e9));
        return all.size();
    }

    private static void runAll(Supplier<Connection> sessions, String subscription, List<Deferred> items,
            int workers, Progress out) throws SQLException {
        if (items.isEmpty()) {
            return;
        }
        int n = Math.max(1, Math.min(workers, items.size()));
        ExecutorService pool = Executors.newFixedThreadPool(n);
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < n; w++) {
            futures.add(pool.submit(() -> {
                try (Connection c = sessions.get()) {
                    try (Statement st = c.createStatement()) {
                        st.execute("SET maintenance_work_mem = " + Sql.literal(MAINTENANCE_WORK_MEM));
                    }
                    int i;
                    while ((i = next.getAndIncrement()) < items.size()) {
                        rebuildOne(c, subscription, items.get(i), out);
                    }
                }
                return null;
            }));
        }
        pool.shutdown();
        try {
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pool.shutdownNow();
            throw new UpshiftException("interrupted while rebuilding indexes", "re-run enable-subscription");
        } catch (java.util.concurrent.ExecutionException e) {
            pool.shutdownNow();
            Throwable cause = e.getCause();
            if (cause instanceof SQLException s) {
                throw s;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new UpshiftException("rebuilding indexes failed: " + cause, "re-run enable-subscription");
        }
    }

    private static void rebuildOne(Connection c, String subscription, Deferred d, Progress out) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                out.statement("destination", d.create());
                st.execute(d.create());
                if (d.validate()) {
                    String validate = "ALTER TABLE " + d.table() + " VALIDATE CONSTRAINT " + Sql.ident(d.name());
                    out.statement("destination", validate);
                    st.execute(validate);
                }
                CopyState.rebuilt(c, subscription, d);
                c.commit();
                return;
            } catch (SQLException e) {
                c.rollback();
                // two foreign keys between the same tables can deadlock; the loser tries again
                if (!"40P01".equals(e.getSQLState()) || attempt >= 5) {
                    throw new UpshiftException("cannot rebuild " + d.kind() + " " + d.name() + " on " + d.table()
                            + ": " + Queries.firstLine(e.getMessage()), "its definition stays in "
                                    + CopyState.DEFERRED + "; fix the cause and re-run enable-subscription", e);
                }
            } finally {
                c.setAutoCommit(true);
            }
        }
    }
}
