package upshift.generate;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

import upshift.sql.QualifiedName;
import upshift.sql.Sql;

/**
 * Makes the rows of one table: a value per filled column ({@link SchemaModel.Table#filled}), unique where a
 * primary key or unique index needs it, foreign-key columns taken together from a sample of the parent's keys,
 * and the columns of a foreign key whose order is broken (a self-reference, a cycle) left NULL for a later update.
 * Row {@code ordinal} with retry {@code variant} always gives the same values for the same seed.
 */
public final class RowMaker {

    /** How a column gets its value. */
    private enum Source { VALUE, FOREIGN_KEY, NULL, OMIT }

    private final SchemaModel.Table table;
    private final Values values;
    private final long seed;
    private final RowCounts.Stats stats;
    private final List<SchemaModel.Col> columns = new ArrayList<>();
    private final List<Source> sources = new ArrayList<>();
    private final List<Boolean> unique = new ArrayList<>();
    /** For a FOREIGN_KEY column: which foreign key and which of its columns. */
    private final List<int[]> fkPosition = new ArrayList<>();
    private final List<SchemaModel.ForeignKey> foreignKeys = new ArrayList<>();
    private final List<List<String[]>> parentKeys = new ArrayList<>();
    private final List<Boolean> fkUnique = new ArrayList<>();
    private final Set<String> problems = new LinkedHashSet<>();
    private final Map<String, CheckHint> hints = new HashMap<>();
    private String impossible;

    /**
     * @param broken names of the foreign keys whose columns stay NULL (filled later)
     * @param keys   a sample of each parent's referenced key tuples (as text), by foreign-key name
     */
    public RowMaker(SchemaModel model, SchemaModel.Table table, long seed, RowCounts.Stats stats, Set<String> broken,
            Map<String, List<String[]>> keys) {
        this.table = table;
        this.values = new Values(model);
        this.seed = seed;
        this.stats = stats;
        for (SchemaModel.Col col : table.columns()) {
            CheckHint hint = CheckHint.of(table.checks(), col.name());
            if (hint != null) {
                hints.put(col.name(), hint);
            }
        }
        Set<String> uniqueColumns = new HashSet<>();
        table.unique().forEach(uniqueColumns::addAll);
        Map<String, int[]> byColumn = new HashMap<>();
        for (SchemaModel.ForeignKey fk : table.foreignKeys()) {
            if (broken.contains(fk.name())) {
                continue;
            }
            int index = foreignKeys.size();
            foreignKeys.add(fk);
            parentKeys.add(keys.getOrDefault(fk.name(), List.of()));
            fkUnique.add(table.unique().stream().anyMatch(u -> fk.columns().containsAll(u)));
            for (int i = 0; i < fk.columns().size(); i++) {
                byColumn.putIfAbsent(fk.columns().get(i), new int[] {index, i});
            }
        }
        Set<String> brokenColumns = table.foreignKeys().stream().filter(fk -> broken.contains(fk.name()))
                .flatMap(fk -> fk.columns().stream()).collect(Collectors.toSet());
        for (SchemaModel.Col col : table.filled()) {
            Source source;
            int[] position = byColumn.get(col.name());
            if (position != null) {
                source = Source.FOREIGN_KEY;
                if (parentKeys.get(position[0]).isEmpty()) {
                    SchemaModel.ForeignKey fk = foreignKeys.get(position[0]);
                    if (col.column().notNull()) {
                        impossible = "foreign key " + fk.name() + ": " + fk.parent() + " has no rows to refer to";
                    } else {
                        problems.add("column " + col.name() + " left NULL: " + fk.parent() + " has no rows");
                        source = Source.NULL;
                    }
                }
            } else if (brokenColumns.contains(col.name())) {
                source = Source.NULL;
                if (col.column().notNull()) {
                    impossible = "column " + col.name() + " is NOT NULL in a foreign-key cycle";
                }
            } else {
                source = Source.VALUE;
                try {
                    values.value(request(col, 0, 0, uniqueColumns.contains(col.name())), new SplittableRandom(1),
                            false);
                } catch (Values.Unsupported e) {
                    if (!col.column().notNull()) {
                        problems.add("column " + col.name() + " left NULL: " + e.getMessage());
                        source = Source.NULL;
                    } else if (col.column().defaultExpr() != null) {
                        problems.add("column " + col.name() + " left to its default: " + e.getMessage());
                        source = Source.OMIT;
                    } else {
                        impossible = "column " + col.name() + " is NOT NULL and has " + e.getMessage();
                    }
                }
            }
            if (source == Source.OMIT) {
                continue;
            }
            columns.add(col);
            sources.add(source);
            unique.add(uniqueColumns.contains(col.name()));
            fkPosition.add(position);
        }
    }

    /** Reads up to {@code limit} key tuples of the parent each foreign key refers to, as text. */
    public static Map<String, List<String[]>> parentKeys(Connection c, SchemaModel.Table table, Set<String> broken,
            int limit) throws SQLException {
        Map<String, List<String[]>> result = new HashMap<>();
        for (SchemaModel.ForeignKey fk : table.foreignKeys()) {
            if (broken.contains(fk.name())) {
                continue;
            }
            result.put(fk.name(), keys(c, fk.parent(), fk.refColumns(), limit));
        }
        return result;
    }

    /** Key tuples of a table as text, none with a NULL part. */
    static List<String[]> keys(Connection c, QualifiedName table, List<String> columns, int limit)
            throws SQLException {
        String select = columns.stream().map(col -> Sql.ident(col) + "::text").collect(Collectors.joining(", "));
        String notNull = columns.stream().map(col -> Sql.ident(col) + " IS NOT NULL")
                .collect(Collectors.joining(" AND "));
        List<String[]> keys = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT " + select + " FROM " + table.sql() + " WHERE " + notNull
                     + " LIMIT " + limit)) {
            while (rs.next()) {
                String[] key = new String[columns.size()];
                for (int i = 0; i < key.length; i++) {
                    key[i] = rs.getString(i + 1);
                }
                keys.add(key);
            }
        }
        return keys;
    }

    public SchemaModel.Table table() {
        return table;
    }

    /** The columns this maker gives values for, in the order of {@link #row}. */
    public List<SchemaModel.Col> columns() {
        return columns;
    }

    /** Why no row can be made (a NOT NULL column without a value), or null. */
    public String impossible() {
        return impossible;
    }

    /** What it fills in a way other than asked (columns left NULL or to their default). */
    public Set<String> problems() {
        return problems;
    }

    /**
     * The most distinct rows the keys allow when a key is made only of small types (enum, boolean), else -1.
     */
    public long capacity() {
        long best = -1;
        for (List<String> key : table.unique()) {
            long product = 1;
            for (String name : key) {
                int i = indexOf(name);
                CheckHint hint = hints.get(name);
                long c = i < 0 || sources.get(i) != Source.VALUE ? -1
                        : hint != null && !hint.allowed().isEmpty() ? hint.allowed().size()
                        : values.capacity(columns.get(i).type());
                if (c < 0) {
                    product = -1;
                    break;
                }
                product *= c;
            }
            if (product >= 0 && (best < 0 || product < best)) {
                best = product;
            }
        }
        return best;
    }

    /** The values of row {@code ordinal} (retry {@code variant}), as text input; null for NULL. */
    public String[] row(long ordinal, int variant) {
        SplittableRandom random = new SplittableRandom(mix(seed, table.name().toString().hashCode(), ordinal,
                variant));
        String[] row = new String[columns.size()];
        String[][] chosen = new String[foreignKeys.size()][];
        for (int i = 0; i < row.length; i++) {
            SchemaModel.Col col = columns.get(i);
            switch (sources.get(i)) {
                case NULL -> row[i] = null;
                case FOREIGN_KEY -> {
                    int[] p = fkPosition.get(i);
                    if (chosen[p[0]] == null) {
                        List<String[]> keys = parentKeys.get(p[0]);
                        boolean nullable = foreignKeys.get(p[0]).columns().stream()
                                .allMatch(name -> table.column(name) != null && !table.column(name).column().notNull());
                        if (nullable && !fkUnique.get(p[0]) && (variant >= 3 || random.nextInt(20) == 0)) {
                            chosen[p[0]] = new String[foreignKeys.get(p[0]).columns().size()];
                        } else {
                            chosen[p[0]] = keys.get(fkUnique.get(p[0]) ? (int) (ordinal % keys.size())
                                    : random.nextInt(keys.size()));
                        }
                    }
                    row[i] = chosen[p[0]][p[1]];
                }
                default -> row[i] = values.value(request(col, ordinal, variant, unique.get(i)), random,
                        !col.column().notNull() && !unique.get(i));
            }
        }
        return row;
    }

    private Values.Request request(SchemaModel.Col col, long ordinal, int variant, boolean isUnique) {
        return new Values.Request(col.type(), col.typmod(), ordinal, isUnique, variant,
                stats.width(table.name(), col.name()), false, hints.get(col.name()));
    }

    private int indexOf(String name) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static long mix(long seed, long table, long ordinal, long variant) {
        long h = seed * 0x9E3779B97F4A7C15L;
        h = (h ^ table) * 0xBF58476D1CE4E5B9L;
        h = (h ^ ordinal) * 0x94D049BB133111EBL;
        return h ^ (variant * 0x2545F4914F6CDD1DL);
    }
}
