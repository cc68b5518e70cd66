package upshift.generate;

import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import upshift.report.Progress;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;

/**
 * Fills a database with generated rows for any schema: tables in foreign-key order (parents first; a
 * self-reference or a cycle is broken at a nullable foreign key, loaded NULL and set by an UPDATE once every table
 * is loaded), rows through COPY in batches. A batch the server rejects (a CHECK, a unique key with too little room,
 * a domain) is inserted row by row, each failing row retried with other values ({@link Values}), and a row that
 * still fails is skipped and counted with the server's reason. What cannot be satisfied is reported per table;
 * the other tables go on.
 */
public final class DataGenerator {

    /** One table's outcome. {@code problems}: each reason with how many rows it cost, or a note. */
    public record TableResult(QualifiedName table, long requested, long inserted, long skipped, List<String> problems,
            double seconds) {
    }

    /** The whole run. */
    public record Result(List<TableResult> tables, double seconds) {
        public long inserted() {
            return tables.stream().mapToLong(TableResult::inserted).sum();
        }

        public List<TableResult> unsatisfied() {
            return tables.stream().filter(t -> !t.problems().isEmpty()).toList();
        }
    }

    static final int BATCH_ROWS = 2000;
    static final int BATCH_CHARS = 8 << 20;
    static final int RETRIES = 5;
    static final int GIVE_UP_AFTER = 100;
    static final int PARENT_KEYS = 100_000;

    private final Connection connection;
    private final SchemaModel model;
    private final long seed;
    private final RowCounts.Stats stats;
    private final Progress progress;

    public DataGenerator(Connection connection, SchemaModel model, long seed, RowCounts.Stats stats,
            Progress progress) {
        this.connection = connection;
        this.model = model;
        this.seed = seed;
        this.stats = stats;
        this.progress = progress;
    }

    /** The load order, and the foreign keys broken to get it (by table). */
    public record Order(List<QualifiedName> tables, Map<QualifiedName, Set<String>> broken) {
        public Set<String> broken(QualifiedName table) {
            return broken.getOrDefault(table, Set.of());
        }
    }

    /** Parents before children; self-references and cycles broken at nullable foreign keys where there are any. */
    public static Order order(SchemaModel model) {
        Map<QualifiedName, Set<String>> broken = new HashMap<>();
        List<QualifiedName> done = new ArrayList<>();
        Set<QualifiedName> remaining = new LinkedHashSet<>(model.tables().keySet());
        for (SchemaModel.Table t : model.tables().values()) {
            for (SchemaModel.ForeignKey fk : t.foreignKeys()) {
                if (fk.parent().equals(t.name()) || model.table(fk.parent()) == null) {
                    if (fk.parent().equals(t.name())) {
                        broken.computeIfAbsent(t.name(), k -> new HashSet<>()).add(fk.name());
                    }
                }
            }
        }
        while (!remaining.isEmpty()) {
            QualifiedName ready = null;
            for (QualifiedName name : remaining) {
                if (dependencies(model.table(name), broken, model).stream().noneMatch(remaining::contains)) {
                    ready = name;
                    break;
                }
            }
            if (ready != null) {
                remaining.remove(ready);
                done.add(ready);
                continue;
            }
            // a cycle: break one foreign key among the remaining tables, a nullable one if there is one
            SchemaModel.Table child = null;
            SchemaModel.ForeignKey chosen = null;
            for (QualifiedName name : remaining) {
                SchemaModel.Table t = model.table(name);
                for (SchemaModel.ForeignKey fk : t.foreignKeys()) {
                    if (!remaining.contains(fk.parent()) || broken(broken, t.name(), fk)) {
                        continue;
                    }
                    boolean nullable = fk.columns().stream().allMatch(c -> t.column(c) != null
                            && !t.column(c).column().notNull());
                    if (chosen == null || nullable && !nullableOf(child, chosen)) {
                        child = t;
                        chosen = fk;
                    }
                }
            }
            broken.computeIfAbsent(child.name(), k -> new HashSet<>()).add(chosen.name());
        }
        return new Order(done, broken);
    }

    private static boolean nullableOf(SchemaModel.Table t, SchemaModel.ForeignKey fk) {
        return fk.columns().stream().allMatch(c -> t.column(c) != null && !t.column(c).column().notNull());
    }

    private static boolean broken(Map<QualifiedName, Set<String>> broken, QualifiedName t, SchemaModel.ForeignKey fk) {
        return broken.getOrDefault(t, Set.of()).contains(fk.name());
    }

    private static Set<QualifiedName> dependencies(SchemaModel.Table t, Map<QualifiedName, Set<String>> broken,
            SchemaModel model) {
        return t.foreignKeys().stream().filter(fk -> !broken(broken, t.name(), fk))
                .map(SchemaModel.ForeignKey::parent).filter(p -> model.table(p) != null)
                .collect(Collectors.toSet());
    }

    /** Loads {@code rows} rows into each table. */
    public Result fill(Map<QualifiedName, Long> rows) throws SQLException {
        long started = System.nanoTime();
        Order order = order(model);
        Map<QualifiedName, TableResult> results = new LinkedHashMap<>();
        for (QualifiedName name : order.tables()) {
            long n = rows.getOrDefault(name, 0L);
            SchemaModel.Table table = model.table(name);
            results.put(name, fillTable(table, n, order.broken(name)));
        }
        for (QualifiedName name : order.tables()) {
            for (String fk : order.broken(name)) {
                String note = deferredUpdate(model.table(name), fk);
                if (note != null) {
                    TableResult r = results.get(name);
                    List<String> problems = new ArrayList<>(r.problems());
                    problems.add(note);
                    results.put(name, new TableResult(r.table(), r.requested(), r.inserted(), r.skipped(), problems,
                            r.seconds()));
                }
            }
        }
        try (Statement st = connection.createStatement()) {
            for (QualifiedName name : order.tables()) {
                st.execute("ANALYZE " + name.sql());
            }
        }
        List<TableResult> ordered = model.tables().keySet().stream().map(results::get).toList();
        return new Result(ordered, (System.nanoTime() - started) / 1e9);
    }

    private TableResult fillTable(SchemaModel.Table table, long requested, Set<String> broken) throws SQLException {
        long started = System.nanoTime();
        RowMaker maker = new RowMaker(model, table, seed, stats, broken,
                RowMaker.parentKeys(connection, table, broken, PARENT_KEYS));
        List<String> problems = new ArrayList<>(maker.problems());
        if (requested == 0) {
            return new TableResult(table.name(), 0, 0, 0, problems, 0);
        }
        if (maker.impossible() != null) {
            problems.add(0, "no rows: " + maker.impossible());
            return new TableResult(table.name(), requested, 0, requested, problems, 0);
        }
        long n = requested;
        long capacity = maker.capacity();
        if (capacity >= 0 && capacity < n) {
            problems.add(String.format(Locale.ROOT, "%,d rows, not %,d: its key has %,d distinct values", capacity,
                    requested, capacity));
            n = capacity;
        }
        progress.note(String.format(Locale.ROOT, "generating %,d rows into %s", n, table.name()));
        Map<String, Long> reasons = new LinkedHashMap<>();
        long inserted = 0;
        long skipped = 0;
        int failedCopies = maker.columns().isEmpty() ? 3 : 0;
        // the retry variant that last worked: later batches are made with it, and row by row it is tried first
        int[] preferred = {0};
        long[] used = new long[RETRIES];
        long ordinal = 0;
        boolean gaveUp = false;
        String copy = "COPY " + table.name().sql() + " (" + columnList(maker) + ") FROM STDIN";
        CopyManager copier = connection.unwrap(PGConnection.class).getCopyAPI();
        while (ordinal < n && !gaveUp) {
            long first = ordinal;
            StringBuilder batch = new StringBuilder();
            while (ordinal < n && ordinal - first < BATCH_ROWS && batch.length() < BATCH_CHARS) {
                appendCopyLine(batch, maker.row(ordinal, preferred[0]));
                ordinal++;
            }
            if (failedCopies < 3) {
                try {
                    copier.copyIn(copy, new StringReader(batch.toString()));
                    inserted += ordinal - first;
                    used[preferred[0]] += ordinal - first;
                    failedCopies = 0;
                    continue;
                } catch (SQLException e) {
                    failedCopies++;
                } catch (IOException e) {
                    throw new SQLException("COPY into " + table.name() + " failed: " + e.getMessage(), e);
                }
            }
            int consecutive = 0;
            long[] before = used.clone();
            for (long o = first; o < ordinal; o++) {
                String reason = insertRow(table, maker, o, preferred, used);
                if (reason == null) {
                    inserted++;
                    consecutive = 0;
                } else {
                    skipped++;
                    reasons.merge(reason, 1L, Long::sum);
                    if (++consecutive >= GIVE_UP_AFTER) {
                        gaveUp = true;
                        break;
                    }
                }
            }
            // the next batches are made with the variant most of this batch's rows needed
            int best = preferred[0];
            for (int v = 0; v < RETRIES; v++) {
                if (used[v] - before[v] > used[best] - before[best]) {
                    best = v;
                }
            }
            preferred[0] = best;
        }
        if (used[1] > 0) {
            problems.add(String.format(Locale.ROOT, "%,d row(s) with small positive numbers only: the server"
                    + " rejected random ones (a CHECK or a domain)", used[1]));
        }
        long nulls = java.util.Arrays.stream(used, 2, RETRIES).sum();
        if (nulls > 0) {
            problems.add(String.format(Locale.ROOT, "%,d row(s) with their nullable columns NULL: the server"
                    + " rejected every generated value (a CHECK or a domain)", nulls));
        }
        reasons.forEach((reason, count) -> problems.add(String.format(Locale.ROOT, "%,d row(s) skipped: %s", count,
                reason)));
        if (gaveUp) {
            problems.add(String.format(Locale.ROOT, "gave up after %d rows in a row failed; %,d of %,d rows loaded",
                    GIVE_UP_AFTER, inserted, requested));
            skipped = requested - inserted;
        }
        return new TableResult(table.name(), requested, inserted, skipped, problems,
                (System.nanoTime() - started) / 1e9);
    }

    /** Inserts row {@code ordinal}, retrying with other values; null when it went in, else the last reason. */
    private String insertRow(SchemaModel.Table table, RowMaker maker, long ordinal, int[] preferred, long[] used)
            throws SQLException {
        String reason = null;
        String sql = insertStatement(table, maker);
        for (int attempt = 0; attempt < RETRIES; attempt++) {
            // the preferred variant first, then the others in order
            int variant = attempt == 0 ? preferred[0] : attempt <= preferred[0] ? attempt - 1 : attempt;
            String[] row = maker.row(ordinal, variant);
            try (PreparedStatement st = connection.prepareStatement(sql)) {
                bind(st, row);
                st.executeUpdate();
                used[variant]++;
                return null;
            } catch (SQLException e) {
                if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
                    throw e;
                }
                reason = firstLine(e);
            }
        }
        return reason;
    }

    /** {@code INSERT INTO t (cols) VALUES (?, ...)}, every parameter untyped so that the server reads the text. */
    static String insertStatement(SchemaModel.Table table, RowMaker maker) {
        String params = maker.columns().stream().map(c -> "?").collect(Collectors.joining(", "));
        return maker.columns().isEmpty() ? "INSERT INTO " + table.name().sql() + " DEFAULT VALUES"
                : "INSERT INTO " + table.name().sql() + " (" + columnList(maker) + ") VALUES (" + params + ")";
    }

    static void bind(PreparedStatement st, String[] row) throws SQLException {
        for (int i = 0; i < row.length; i++) {
            if (row[i] == null) {
                st.setNull(i + 1, Types.OTHER);
            } else {
                st.setObject(i + 1, row[i], Types.OTHER);
            }
        }
    }

    static String columnList(RowMaker maker) {
        return maker.columns().stream().map(c -> Sql.ident(c.name())).collect(Collectors.joining(", "));
    }

    /**
     * Sets the columns of a broken foreign key once every table is loaded: nine rows in ten refer to a parent row
     * (spread over the parent's rows; one-to-one where the columns are unique). Null when it worked, else a note.
     */
    private String deferredUpdate(SchemaModel.Table child, String fkName) {
        SchemaModel.ForeignKey fk = child.foreignKeys().stream().filter(f -> f.name().equals(fkName)).findFirst()
                .orElseThrow();
        if (fk.columns().stream().anyMatch(c -> child.column(c).column().notNull())) {
            return null;
        }
        boolean unique = child.unique().stream().anyMatch(u -> fk.columns().containsAll(u));
        String notNull = fk.refColumns().stream().map(c -> Sql.ident(c) + " IS NOT NULL")
                .collect(Collectors.joining(" AND "));
        List<String> refs = new ArrayList<>();
        for (int i = 0; i < fk.refColumns().size(); i++) {
            refs.add(Sql.ident(fk.refColumns().get(i)) + " AS r" + i);
        }
        String set = fk.columns().size() == 1 ? Sql.ident(fk.columns().get(0)) + " = p.r0"
                : "(" + fk.columns().stream().map(Sql::ident).collect(Collectors.joining(", ")) + ") = ("
                        + java.util.stream.IntStream.range(0, fk.columns().size()).mapToObj(i -> "p.r" + i)
                                .collect(Collectors.joining(", ")) + ")";
        try (Statement st = connection.createStatement()) {
            long parents;
            try (var rs = st.executeQuery("SELECT count(*) FROM " + fk.parent().sql() + " WHERE " + notNull)) {
                rs.next();
                parents = rs.getLong(1);
            }
            if (parents == 0) {
                return "foreign key " + fk.name() + " left NULL: " + fk.parent() + " has no rows";
            }
            String match = unique ? "p.pn = k.rn - 1" : "p.pn = (k.rn * 7919) % " + parents + " AND k.rn % 10 <> 0";
            st.executeUpdate("UPDATE " + child.name().sql() + " c SET " + set
                    + " FROM (SELECT ctid AS row_id, row_number() OVER () AS rn FROM " + child.name().sql() + ") k,"
                    + " (SELECT " + String.join(", ", refs) + ", row_number() OVER () - 1 AS pn FROM "
                    + fk.parent().sql() + " WHERE " + notNull + ") p"
                    + " WHERE c.ctid = k.row_id AND " + match);
            return null;
        } catch (SQLException e) {
            return "foreign key " + fk.name() + " left NULL (its later update failed: " + firstLine(e) + ")";
        }
    }

    /** One COPY text-format line. */
    static void appendCopyLine(StringBuilder out, String[] row) {
        for (int i = 0; i < row.length; i++) {
            if (i > 0) {
                out.append('\t');
            }
            String v = row[i];
            if (v == null) {
                out.append("\\N");
                continue;
            }
            for (int j = 0; j < v.length(); j++) {
                char ch = v.charAt(j);
                switch (ch) {
                    case '\\' -> out.append("\\\\");
                    case '\t' -> out.append("\\t");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    default -> out.append(ch);
                }
            }
        }
        out.append('\n');
    }

    /** The server's message without its detail lines (which name the row's values). */
    static String firstLine(SQLException e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        String line = m.split("\n")[0].strip();
        if (line.startsWith("ERROR: ")) {
            line = line.substring("ERROR: ".length());
        }
        return line.length() > 200 ? line.substring(0, 197) + "..." : line;
    }
}
