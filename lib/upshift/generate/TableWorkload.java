package upshift.generate;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

import upshift.sample.PacedWriter;
import upshift.sample.Workload.Target;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;

/**
 * The application writing to the operator's own tables while the migration runs: INSERT, UPDATE and DELETE of
 * generated rows on every table with a primary key, one autocommit statement at a time, at a steady rate. It
 * remembers every acknowledged write: the primary key of each row it inserted, the value its last acknowledged
 * UPDATE gave the row's version column (as the server's text, compared on the final server as that server's type;
 * a scalar of a type whose text is stable where the table has one, else an array, composite or range column), and
 * each key it deleted, so that
 * {@link #check} finds on the final server every write that was lost. A write the server refused (a frozen server
 * answers read-only) is counted and forgotten; one whose outcome is unknown (the connection broke before the
 * answer) is counted in doubt and left out of the check.
 *
 * <p>The table models are read from the server it writes to, on each (re)connection, so that after switchover it
 * writes as the new model's application does. It updates and deletes only rows it inserted.
 */
public final class TableWorkload extends PacedWriter {

    /** One table's accounting at the end. {@code lost}: acknowledged writes the final server does not show. */
    public record TableAccount(QualifiedName table, long inserted, long updated, long deleted, long rejected, long inDoubt,
            long checked, long lost, List<String> lostExamples) {
    }

    /** Ordinals of the workload's rows start far above any loaded row's, so that its unique values are new. */
    static final long FIRST_ORDINAL = 1_000_000_000L;

    private static final Set<String> STABLE = Set.of("int2", "int4", "int8", "numeric", "text", "varchar", "bpchar",
            "date", "timestamp", "timestamptz", "bool", "uuid", "citext");

    /** What the workload remembers of one table, whatever server it writes to. */
    private static final class Tracked {
        final QualifiedName name;
        final List<String> key;
        final String version;
        final Map<String, String> live = new LinkedHashMap<>();
        final List<String> liveKeys = new ArrayList<>();
        final Set<String> deleted = new HashSet<>();
        final Set<String> doubtful = new HashSet<>();
        long ordinal = FIRST_ORDINAL;
        long inserted;
        long updated;
        long deletedCount;
        long rejected;
        long inDoubt;

        Tracked(QualifiedName name, List<String> key, String version) {
            this.name = name;
            this.key = key;
            this.version = version;
        }
    }

    /** A table's maker on the server written to now. */
    private record Live(Tracked tracked, RowMaker maker, int versionIndex, List<String> keyTypes) {
    }

    private final long seed;
    private final SplittableRandom random;
    private final Map<QualifiedName, Tracked> tracked = new LinkedHashMap<>();
    private List<Live> tables = List.of();
    private final java.util.function.Predicate<QualifiedName> skipped;
    private final List<SchemaModel> limits;

    public TableWorkload(Target target, int writesPerSecond, long seed) {
        this(target, writesPerSecond, seed, name -> false);
    }

    /**
     * {@code skipped}: tables the workload leaves alone, as an application's own bookkeeping that the migration
     * does not replicate (the publication's exclusions, django_migrations by default): a write there would be
     * counted lost.
     */
    public TableWorkload(Target target, int writesPerSecond, long seed,
            java.util.function.Predicate<QualifiedName> skipped) {
        this(target, writesPerSecond, seed, skipped, List.of());
    }

    /**
     * {@code limits}: both sides' models, which bound the values written on any server so that they fit the other
     * side too ({@link SchemaModel#narrowedTo}); the application of the server written to writes its own model's
     * columns only.
     */
    public TableWorkload(Target target, int writesPerSecond, long seed,
            java.util.function.Predicate<QualifiedName> skipped, List<SchemaModel> limits) {
        super(target, writesPerSecond, "upshift-table-workload");
        this.skipped = skipped;
        this.limits = List.copyOf(limits);
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        start();
    }

    public synchronized long acknowledged() {
        return tracked.values().stream().mapToLong(t -> t.inserted + t.updated + t.deletedCount).sum();
    }

    public synchronized long rejected() {
        return tracked.values().stream().mapToLong(t -> t.rejected).sum();
    }

    public synchronized long inDoubt() {
        return tracked.values().stream().mapToLong(t -> t.inDoubt).sum();
    }

    /** The tables it writes to (those with a primary key), once it has connected. */
    public synchronized List<String> tables() {
        return tracked.keySet().stream().map(QualifiedName::toString).toList();
    }

    /**
     * Every acknowledged write, looked for on the final server (call after {@link #close}): each row inserted and
     * not deleted must be there with the version its last UPDATE gave it, each deleted row must be gone.
     */
    public synchronized List<TableAccount> check(Connection server) throws SQLException {
        List<TableAccount> accounts = new ArrayList<>();
        for (Tracked t : tracked.values()) {
            Map<String, Boolean> found = find(server, t);
            long lost = 0;
            long checked = 0;
            List<String> examples = new ArrayList<>();
            for (Map.Entry<String, String> row : t.live.entrySet()) {
                if (t.doubtful.contains(row.getKey())) {
                    continue;
                }
                checked++;
                boolean there = found.containsKey(row.getKey());
                if (!there || !found.get(row.getKey())) {
                    lost++;
                    if (examples.size() < 3) {
                        examples.add((there ? "stale " : "missing ") + display(row.getKey()));
                    }
                }
            }
            for (String key : t.deleted) {
                if (t.doubtful.contains(key)) {
                    continue;
                }
                checked++;
                if (found.containsKey(key)) {
                    lost++;
                    if (examples.size() < 3) {
                        examples.add("deleted but present " + display(key));
                    }
                }
            }
            accounts.add(new TableAccount(t.name, t.inserted, t.updated, t.deletedCount, t.rejected,
                    t.inDoubt, checked, lost, examples));
        }
        return accounts;
    }

    private static String display(String key) {
        return "(" + key.replace(SEPARATOR, ", ") + ")";
    }

    private static final String SEPARATOR = "\u001f";

    /**
     * What the server holds of the workload's rows: for each key it has, whether the row's version column equals the
     * last acknowledged one. Keys and versions are remembered as the writing server's text; here each is cast to the
     * type its column has <em>on this server</em> and compared as that type, so that a key or version whose type or
     * text changed with the new model (integer to numeric, a timestamptz printed in another TimeZone, varchar to
     * text) still matches the row it names, and the primary key's index finds it.
     */
    private static Map<String, Boolean> find(Connection server, Tracked t) throws SQLException {
        Map<String, Boolean> found = new HashMap<>();
        List<String> keys = new ArrayList<>(t.live.keySet());
        keys.addAll(t.deleted);
        if (keys.isEmpty()) {
            return found;
        }
        Map<String, ColumnType> types = columnTypes(server, t.name);
        String version = t.version != null && types.containsKey(t.version) ? t.version : null;
        List<String> aliases = new ArrayList<>();
        List<String> join = new ArrayList<>();
        for (int i = 0; i < t.key.size(); i++) {
            String column = t.key.get(i);
            ColumnType type = types.get(column);
            if (type == null) {
                throw new SQLException("key column " + column + " of " + t.name + " is not on this server");
            }
            aliases.add("k" + i);
            join.add(type.ordered() ? "t." + Sql.ident(column) + " = CAST(u.k" + i + " AS " + type.sql() + ")"
                    : "t." + Sql.ident(column) + "::text = u.k" + i);
        }
        String versionEqual;
        if (version == null) {
            versionEqual = "true"; // no version column, or the new model dropped it: the row's presence is what counts
        } else if (types.get(version).ordered()) {
            versionEqual = "t." + Sql.ident(version) + " IS NOT DISTINCT FROM CAST(u.v AS " + types.get(version).sql()
                    + ")";
        } else {
            versionEqual = "t." + Sql.ident(version) + "::text IS NOT DISTINCT FROM u.v";
        }
        String arrays = "?::text[], ".repeat(t.key.size()) + "?::text[], ?::int4[]";
        String sql = "SELECT u.ord, " + versionEqual + " FROM unnest(" + arrays + ") AS u("
                + String.join(", ", aliases) + ", v, ord) JOIN " + t.name.sql() + " AS t ON "
                + String.join(" AND ", join);
        try (PreparedStatement st = server.prepareStatement(sql)) {
            for (int i = 0; i < t.key.size(); i++) {
                int part = i;
                st.setArray(i + 1, server.createArrayOf("text",
                        keys.stream().map(k -> k.split(SEPARATOR, -1)[part]).toArray()));
            }
            st.setArray(t.key.size() + 1, server.createArrayOf("text",
                    keys.stream().map(k -> t.live.containsKey(k) ? t.live.get(k) : null).toArray()));
            st.setArray(t.key.size() + 2, server.createArrayOf("int4",
                    java.util.stream.IntStream.range(0, keys.size()).boxed().toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    found.put(keys.get(rs.getInt(1)), rs.getBoolean(2));
                }
            }
        }
        return found;
    }

    /**
     * A column's type on the final server as SQL writes it (format_type, schema-qualified where needed), and whether
     * it has a default btree operator class: an equality to compare with. json, xml, point and the like have none,
     * and an array, enum or domain's opclass is declared on its polymorphic or base type; those are compared by
     * their text, which is stable for them.
     */
    private record ColumnType(String sql, boolean ordered) {
    }

    /** Each column of the table on this server, with its type. */
    private static Map<String, ColumnType> columnTypes(Connection server, QualifiedName table) throws SQLException {
        Map<String, ColumnType> types = new HashMap<>();
        try (PreparedStatement st = server.prepareStatement("SELECT a.attname, format_type(a.atttypid, a.atttypmod),"
                + " EXISTS (SELECT FROM pg_opclass oc JOIN pg_am am ON am.oid = oc.opcmethod"
                + " WHERE am.amname = 'btree' AND oc.opcdefault AND oc.opcintype = a.atttypid)"
                + " FROM pg_attribute a WHERE a.attrelid = CAST(? AS regclass) AND a.attnum > 0"
                + " AND NOT a.attisdropped")) {
            st.setString(1, table.sql());
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    types.put(rs.getString(1), new ColumnType(rs.getString(2), rs.getBoolean(3)));
                }
            }
        }
        return types;
    }

    @Override
    protected void opened(Connection session) throws SQLException {
        tables = models(session);
    }

    @Override
    protected void write(Connection c) throws SQLException {
        Live table = null;
        String key = null;
        try {
            if (tables.isEmpty()) {
                return;
            }
            table = tables.get(random.nextInt(tables.size()));
            Tracked t = table.tracked();
            int op = random.nextInt(10);
            synchronized (this) {
                if (op < 2 && t.liveKeys.size() > 2) {
                    key = t.liveKeys.get(random.nextInt(t.liveKeys.size()));
                    delete(c, table, key);
                } else if (op < 5 && table.versionIndex() >= 0 && !t.liveKeys.isEmpty()) {
                    key = t.liveKeys.get(random.nextInt(t.liveKeys.size()));
                    update(c, table, key);
                } else {
                    insert(c, table);
                }
            }
        } catch (SQLException | RuntimeException e) {
            synchronized (this) {
                if (table != null) {
                    String state = e instanceof SQLException s && s.getSQLState() != null ? s.getSQLState() : "";
                    if (state.startsWith("08") || state.isEmpty() && e instanceof SQLException) {
                        table.tracked().inDoubt++;
                        if (key != null) {
                            table.tracked().doubtful.add(key);
                        }
                    } else {
                        table.tracked().rejected++;
                    }
                }
            }
            throw e;
        }
    }

    private void insert(Connection c, Live table) throws SQLException {
        Tracked t = table.tracked();
        RowMaker maker = table.maker();
        String[] row = maker.row(t.ordinal++, 0);
        String returning = t.key.stream().map(k -> Sql.ident(k) + "::text").collect(Collectors.joining(", "))
                + (t.version == null ? "" : ", " + Sql.ident(t.version) + "::text");
        try (PreparedStatement st = c.prepareStatement(DataGenerator.insertStatement(maker.table(), maker)
                + " RETURNING " + returning)) {
            DataGenerator.bind(st, row);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                String key = keyOf(rs, t.key.size());
                t.live.put(key, t.version == null ? "" : rs.getString(t.key.size() + 1));
                t.liveKeys.add(key);
                t.inserted++;
            }
        }
    }

    private void update(Connection c, Live table, String key) throws SQLException {
        Tracked t = table.tracked();
        String value = table.maker().row(t.ordinal++, 0)[table.versionIndex()];
        try (PreparedStatement st = c.prepareStatement("UPDATE " + t.name.sql() + " SET " + Sql.ident(t.version)
                + " = ? WHERE " + where(table) + " RETURNING " + Sql.ident(t.version) + "::text")) {
            if (value == null) {
                st.setNull(1, Types.OTHER);
            } else {
                st.setObject(1, value, Types.OTHER);
            }
            bindKey(st, 2, key);
            try (ResultSet rs = st.executeQuery()) {
                if (rs.next()) {
                    t.live.put(key, rs.getString(1));
                    t.updated++;
                }
            }
        }
    }

    private void delete(Connection c, Live table, String key) throws SQLException {
        Tracked t = table.tracked();
        try (PreparedStatement st = c.prepareStatement("DELETE FROM " + t.name.sql() + " WHERE " + where(table))) {
            bindKey(st, 1, key);
            if (st.executeUpdate() == 1) {
                t.live.remove(key);
                t.liveKeys.remove(key);
                t.deleted.add(key);
                t.deletedCount++;
            }
        }
    }

    /** The key's columns, each compared with its value cast to the column's type on this server. */
    private static String where(Live table) {
        List<String> key = table.tracked().key;
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < key.size(); i++) {
            parts.add(Sql.ident(key.get(i)) + " = CAST(? AS " + table.keyTypes().get(i) + ")");
        }
        return String.join(" AND ", parts);
    }

    private static void bindKey(PreparedStatement st, int first, String key) throws SQLException {
        String[] parts = key.split(SEPARATOR, -1);
        for (int i = 0; i < parts.length; i++) {
            st.setString(first + i, parts[i]);
        }
    }

    private static String keyOf(ResultSet rs, int n) throws SQLException {
        StringBuilder k = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                k.append(SEPARATOR);
            }
            k.append(rs.getString(i + 1));
        }
        return k.toString();
    }

    /** The makers of this server's tables with a primary key; tracking carries over from the last server. */
    private List<Live> models(Connection c) throws SQLException {
        SchemaModel read = SchemaModel.read(c);
        SchemaModel limited = read;
        for (SchemaModel limit : limits) {
            limited = limited.narrowedTo(limit);
        }
        SchemaModel model = limited;
        DataGenerator.Order order = DataGenerator.order(model);
        List<Live> result = new ArrayList<>();
        for (SchemaModel.Table table : model.tables().values()) {
            if (table.primaryKey().isEmpty() || skipped.test(table.name())) {
                continue;
            }
            Set<String> broken = order.broken(table.name());
            RowMaker maker = new RowMaker(model, table, seed, RowCounts.Stats.NONE, broken,
                    RowMaker.parentKeys(c, table, broken, 1000));
            if (maker.impossible() != null) {
                continue;
            }
            Tracked t;
            synchronized (this) {
                t = tracked.computeIfAbsent(table.name(), n -> new Tracked(n, table.primaryKey(),
                        versionColumn(model, table, maker)));
            }
            int versionIndex = -1;
            for (int i = 0; i < maker.columns().size(); i++) {
                if (maker.columns().get(i).name().equals(t.version)) {
                    versionIndex = i;
                }
            }
            List<String> keyTypes = new ArrayList<>();
            for (String k : t.key) {
                SchemaModel.Col col = table.column(k);
                SchemaModel.Type type = col == null ? null : model.type(col.type());
                keyTypes.add(type == null ? "text" : type.format());
            }
            result.add(new Live(t, maker, versionIndex, keyTypes));
        }
        return result;
    }

    /**
     * A non-key, non-foreign-key column the maker fills: a scalar whose text is the same on every server where the
     * table has one, else any other (an array, a composite, a range), compared by its text too.
     */
    private static String versionColumn(SchemaModel model, SchemaModel.Table table, RowMaker maker) {
        Set<String> fkColumns = table.foreignKeys().stream().flatMap(fk -> fk.columns().stream())
                .collect(Collectors.toSet());
        String other = null;
        for (SchemaModel.Col col : maker.columns()) {
            SchemaModel.Type type = model.type(col.type());
            if (table.primaryKey().contains(col.name()) || fkColumns.contains(col.name()) || type == null) {
                continue;
            }
            if (type.kind() == 'b' && STABLE.contains(type.name())) {
                return col.name();
            }
            if (other == null) {
                other = col.name();
            }
        }
        return other;
    }
}
