package upshift.copy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Objects;

import upshift.server.Capabilities;
import upshift.server.Feature;
import upshift.sql.KeyRanges;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;

/**
 * What the snapshot copy copies: for each destination table, the origin relations read into it, the columns both
 * sides have, the format (binary when origin can produce every destination type itself, text otherwise), and its
 * chunks.
 *
 * <p>Which rows, as the publication publishes them ({@link #targets}): an ordinary table's own rows ({@code ONLY}: an
 * inheritance child is a table of its own, published or not by itself). A partitioned table published through its
 * root ({@code publish_via_partition_root}, as create-publication makes it) is copied into destination's root, which
 * routes each row to its own partitions as it does the streamed changes (destination may partition differently); the
 * rows are read from origin's leaf partitions, each one chunked by itself, so a partitioned table is copied by every
 * worker at once. Published without the root, each leaf partition is a table of its own on both sides.
 *
 * <p>Chunks: a relation larger than {@code chunkBytes} is split. With an origin of 14+ (TID range scans) into ctid
 * ranges of whole pages; on 13 into ranges of its key ({@link KeyRanges}: a ctid condition there scans the whole table
 * for each chunk), or not at all without a usable one.
 */
public final class CopyPlan {

    /** One origin relation read into a destination table (the table itself, or a leaf partition), and its size. */
    public record Source(QualifiedName relation, long bytes) {
    }

    /** One destination table's copy: what it is read from, its column lists and format. */
    public record TableCopy(QualifiedName table, List<Source> sources, List<String> columns,
            List<String> selectExpressions, boolean binary, long bytes) {

        String selectList() {
            return String.join(", ", selectExpressions);
        }

        String columnList() {
            return String.join(", ", columns.stream().map(Sql::ident).toList());
        }
    }

    /** Columns of one side: name to (type oid, typname, format_type without typmod). */
    private record Col(String name, long typeOid, String typname, String type) {
    }

    private final List<TableCopy> tables;
    private final List<TableChunk> chunks;

    private CopyPlan(List<TableCopy> tables, List<TableChunk> chunks) {
        this.tables = tables;
        this.chunks = chunks;
    }

    public List<TableCopy> tables() {
        return tables;
    }

    /** Every chunk, largest tables first, so the long ones start early. */
    public List<TableChunk> chunks() {
        return chunks;
    }

    public long totalBytes() {
        return tables.stream().mapToLong(TableCopy::bytes).sum();
    }

    /**
     * The destination tables the copy fills for the publication's member tables, as the publication publishes them:
     * each member, except that a partitioned member published without its root ({@code viaPartitionRoot} false) is
     * its leaf partitions.
     */
    public static List<QualifiedName> targets(Connection origin, List<QualifiedName> members, boolean viaPartitionRoot)
            throws SQLException {
        List<QualifiedName> targets = new ArrayList<>();
        for (QualifiedName t : members) {
            if (viaPartitionRoot || !partitioned(origin, t)) {
                targets.add(t);
            } else {
                leaves(origin, t).forEach(l -> targets.add(l.relation()));
            }
        }
        return targets;
    }

    /**
     * Plans the copy of {@code targets} ({@link #targets}). {@code snapshotSession} is an origin session inside the
     * exported snapshot (it reads the key ranges the copy will see); {@code destination} any destination session.
     */
    public static CopyPlan plan(Connection snapshotSession, Capabilities origin, Connection destination,
            List<QualifiedName> targets, long chunkBytes) throws SQLException {
        List<TableCopy> tables = new ArrayList<>();
        for (QualifiedName t : targets) {
            tables.add(tableCopy(snapshotSession, destination, t));
        }
        tables.sort(Comparator.comparingLong(TableCopy::bytes).reversed());
        List<TableChunk> chunks = new ArrayList<>();
        for (TableCopy t : tables) {
            chunks.addAll(split(snapshotSession, origin, t, chunkBytes));
        }
        return new CopyPlan(List.copyOf(tables), List.copyOf(chunks));
    }

    static TableCopy tableCopy(Connection origin, Connection destination, QualifiedName table) throws SQLException {
        Map<String, Col> originCols = columns(origin, table, false);
        Map<String, Col> destCols = columns(destination, table, true);
        List<String> names = new ArrayList<>();
        List<Col[]> pairs = new ArrayList<>();
        for (Col d : destCols.values()) {
            Col o = originCols.get(d.name());
            if (o != null) {
                names.add(d.name());
                pairs.add(new Col[] {o, d});
            }
        }
        boolean binary = binaryCapable(origin, pairs);
        List<String> select = new ArrayList<>();
        for (Col[] p : pairs) {
            boolean same = p[0].typeOid() == p[1].typeOid();
            // the cast has no typmod: destination's receive function applies it, as text input does (no silent
            // truncation to varchar(n))
            select.add(binary && !same ? Sql.ident(p[0].name()) + "::" + p[1].type() : Sql.ident(p[0].name()));
        }
        List<Source> sources = partitioned(origin, table) ? leaves(origin, table)
                : List.of(new Source(table, relationSize(origin, table)));
        long bytes = sources.stream().mapToLong(Source::bytes).sum();
        return new TableCopy(table, List.copyOf(sources), List.copyOf(names), List.copyOf(select), binary, bytes);
    }

    /** Whether origin's {@code table} is a partitioned table (relkind 'p'). */
    static boolean partitioned(Connection origin, QualifiedName table) throws SQLException {
        try (PreparedStatement st = origin.prepareStatement("SELECT relkind = 'p' FROM pg_catalog.pg_class"
                + " WHERE oid = ?::regclass")) {
            st.setString(1, table.sql());
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** A partitioned table's leaf partitions at every level (the default partition too), with their sizes. */
    static List<Source> leaves(Connection origin, QualifiedName root) throws SQLException {
        List<Source> leaves = new ArrayList<>();
        try (PreparedStatement st = origin.prepareStatement("SELECT n.nspname, c.relname,"
                + " pg_catalog.pg_relation_size(c.oid) FROM pg_catalog.pg_partition_tree(?::regclass) t"
                + " JOIN pg_catalog.pg_class c ON c.oid = t.relid JOIN pg_catalog.pg_namespace n"
                + " ON n.oid = c.relnamespace WHERE t.isleaf AND c.relkind IN ('r', 'f')"
                + " ORDER BY n.nspname, c.relname")) {
            st.setString(1, root.sql());
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    leaves.add(new Source(new QualifiedName(rs.getString(1), rs.getString(2)), rs.getLong(3)));
                }
            }
        }
        return leaves;
    }

    private static long relationSize(Connection origin, QualifiedName table) throws SQLException {
        try (PreparedStatement st = origin.prepareStatement("SELECT pg_catalog.pg_relation_size(?::regclass)")) {
            st.setString(1, table.sql());
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Function casts whose result is the value that text I/O gives (what logical replication's apply does: the
     * destination type's input of origin's text): integers widened or narrowed (a value out of range fails either
     * way) and integers to numeric. Other function casts convert differently: real to double precision widens the
     * binary value (0.1 becomes 0.100000001490116) where text carries "0.1"; char(n) to text strips the padding;
     * boolean to integer gives 1 where text input fails; a timestamp to timestamptz is read in the copy session's
     * TimeZone.
     */
    private static final Set<String> EXACT_FUNCTION_CASTS = Set.of("int2>int4", "int2>int8", "int4>int8",
            "int4>int2", "int8>int2", "int8>int4", "int2>numeric", "int4>numeric", "int8>numeric");

    /**
     * Binary COPY needs origin to send the destination's exact type for every column: a built-in type (oid below
     * 10000, the same on every version) that origin also has under that oid and name, reached from origin's type by
     * itself, by a cast that keeps the bytes (binary-coercible) or goes through text I/O, or by one of the {@link
     * #EXACT_FUNCTION_CASTS}, so that the copy writes what replication would write. One query for all the table's
     * columns (the pairs bound as arrays): a wide table costs one round trip, not one per column.
     */
    private static boolean binaryCapable(Connection origin, List<Col[]> pairs) throws SQLException {
        if (pairs.stream().anyMatch(p -> p[0].typeOid() >= 10000 || p[1].typeOid() >= 10000)) {
            return false;
        }
        if (pairs.isEmpty()) {
            return true;
        }
        try (PreparedStatement st = origin.prepareStatement("SELECT pg_catalog.bool_and(EXISTS (SELECT FROM"
                + " pg_catalog.pg_type t WHERE t.oid = p.d::pg_catalog.oid AND t.typname = p.dname) AND (p.o = p.d"
                + " OR p.exact OR EXISTS (SELECT FROM pg_catalog.pg_cast c WHERE c.castsource = p.o::pg_catalog.oid"
                + " AND c.casttarget = p.d::pg_catalog.oid AND c.castmethod IN ('b', 'i'))))"
                + " FROM unnest(?::pg_catalog.int8[], ?::pg_catalog.int8[], ?::pg_catalog.text[],"
                + " ?::pg_catalog.bool[]) AS p(o, d, dname, exact)")) {
            st.setArray(1, origin.createArrayOf("int8", pairs.stream().map(p -> p[0].typeOid()).toArray()));
            st.setArray(2, origin.createArrayOf("int8", pairs.stream().map(p -> p[1].typeOid()).toArray()));
            st.setArray(3, origin.createArrayOf("text", pairs.stream().map(p -> p[1].typname()).toArray()));
            st.setArray(4, origin.createArrayOf("bool", pairs.stream()
                    .map(p -> EXACT_FUNCTION_CASTS.contains(p[0].typname() + ">" + p[1].typname())).toArray()));
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static Map<String, Col> columns(Connection c, QualifiedName table, boolean destination)
            throws SQLException {
        Map<String, Col> cols = new LinkedHashMap<>();
        try (PreparedStatement st = c.prepareStatement("SELECT a.attname, a.atttypid, t.typname,"
                + " pg_catalog.format_type(a.atttypid, NULL), " + (destination ? "a.attgenerated <> ''" : "false")
                + " FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid"
                + " WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
            st.setString(1, table.sql());
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    if (!rs.getBoolean(5)) {
                        cols.put(rs.getString(1), new Col(rs.getString(1), rs.getLong(2), rs.getString(3),
                                rs.getString(4)));
                    }
                }
            }
        }
        return cols;
    }

    /** Every source of the table split into chunks, numbered across the table's sources. */
    static List<TableChunk> split(Connection origin, Capabilities caps, TableCopy t, long chunkBytes)
            throws SQLException {
        List<TableChunk> chunks = new ArrayList<>();
        List<Object[]> ranges = new ArrayList<>(); // {source, where, estimated bytes}
        for (Source source : t.sources()) {
            for (String[] r : split(origin, caps, source, chunkBytes)) {
                ranges.add(new Object[] {source, r[0], Long.parseLong(r[1])});
            }
        }
        for (int i = 0; i < ranges.size(); i++) {
            Object[] r = ranges.get(i);
            chunks.add(new TableChunk(t.table(), ((Source) r[0]).relation(), i, ranges.size(), (String) r[1],
                    (Long) r[2], t));
        }
        return chunks;
    }

    /** One relation's ranges: {where (null for all of it), estimated bytes}. */
    private static List<String[]> split(Connection origin, Capabilities caps, Source source, long chunkBytes)
            throws SQLException {
        long size = source.bytes();
        int wanted = chunkBytes <= 0 ? 1 : (int) Math.min(1024, Math.max(1, (size + chunkBytes - 1) / chunkBytes));
        List<String> conditions = List.of();
        if (wanted > 1 && caps.has(Feature.TID_RANGE_SCAN)) {
            long blockSize = 8192;
            try (PreparedStatement st = origin.prepareStatement("SELECT current_setting('block_size')::bigint");
                    ResultSet rs = st.executeQuery()) {
                rs.next();
                blockSize = rs.getLong(1);
            }
            long pages = Math.max(1, size / blockSize);
            long per = Math.max(1, (pages + wanted - 1) / wanted);
            List<String> bounds = new ArrayList<>();
            for (long p = per; p < pages; p += per) {
                bounds.add("'(" + p + ",0)'::tid");
            }
            conditions = KeyRanges.between("ctid", bounds);
        } else if (wanted > 1) {
            // the planner's session is inside the snapshot's transaction: KeyRanges reads under a savepoint
            conditions = KeyRanges.conditions(origin, source.relation(), wanted, sql -> {
            });
        }
        List<String[]> ranges = new ArrayList<>();
        if (conditions.isEmpty()) {
            ranges.add(new String[] {null, Long.toString(size)});
        }
        for (String where : conditions) {
            ranges.add(new String[] {where, Long.toString(size / conditions.size())});
        }
        return ranges;
    }

    @Override
    public String toString() {
        return tables.size() + " tables, " + chunks.size() + " chunks" + (Objects.isNull(tables) ? "" : "");
    }
}
