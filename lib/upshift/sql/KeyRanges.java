package upshift.sql;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Cuts a table into ranges of its key, so that several sessions read it at once where the server has no TID range
 * scan (13: a ctid condition there reads the whole table for every range). The snapshot copy's chunks and verify
 * --jobs both use it; on 14+ they cut by ctid instead.
 *
 * <p>The key is the primary key, or else a unique index with neither predicate nor expressions whose columns are all
 * NOT NULL (the fewest columns first): the conditions are comparisons with NOT NULL values, so that each row is on
 * exactly one side of every bound. Any column type with a default btree order serves, with any number of columns.
 * A single integer column is cut evenly between its min and max (two index probes, and bounds that are exact
 * numbers); any other key is cut at quantiles of a sample of its values, sorted as the conditions compare them.
 *
 * <p>The conditions are {@code key < b1}, {@code key >= b1 AND key < b2}, ..., {@code key >= bn}: the ends are open,
 * so every row is in exactly one range whatever was written after the sample, and the bounds only decide how even
 * the ranges are. A key of several columns is compared as a row ({@code ("a", "b") >= ('x'::text, '1'::integer)}:
 * lexicographic, column by column, in each type's default btree order), and each bound value is the text of the
 * type's output function, cast back to the column's exact type, with the index column's collation written out
 * ({@code COLLATE}), which is what the column compares with anyway (a column's implicit collation wins over a
 * literal's default; the tests check it) and what the index on it is sorted by. The bounds are parsed and compared
 * once more on the server before they are used: bounds that do not increase (a type whose output does not read back
 * as the same value) give no ranges rather than rows counted twice.
 *
 * <p>Whatever fails while reading the key or its sample (a type without text input, a permission, a lock timeout)
 * gives no ranges: the caller reads the table whole, and that statement says what is wrong. A lost session (SQLState
 * class 08) is thrown. The statements run in the caller's session: inside its transaction under a savepoint that is
 * rolled back afterwards (verify's REPEATABLE READ transaction, the copy planner's snapshot), or in a transaction of
 * their own, so that neither an error nor the output setting pinned for the sample outlives the call.
 */
public final class KeyRanges {

    /** pg_type oids of smallint, integer, bigint: the keys cut evenly between min and max. */
    private static final Set<Long> INTEGER_TYPES = Set.of(21L, 23L, 20L);

    /**
     * The key: the primary key, else the first unique index without predicate and expressions whose key columns are
     * all NOT NULL; its key columns in index order (INCLUDE columns are not part of it), each with its exact type
     * and the index's collation for it (none for a type without collation).
     */
    private static final String KEY = """
            SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.atttypid::pg_catalog.int8,
                   cn.nspname, co.collname
              FROM (SELECT i.indrelid, i.indkey, i.indcollation, i.indnkeyatts
                      FROM pg_catalog.pg_index i
                     WHERE i.indrelid = ?::pg_catalog.regclass
                       AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
                       AND NOT EXISTS (SELECT FROM pg_catalog.generate_series(0, i.indnkeyatts - 1) AS k(n)
                                         JOIN pg_catalog.pg_attribute n ON n.attrelid = i.indrelid
                                          AND n.attnum = i.indkey[k.n]
                                        WHERE NOT n.attnotnull)
                     ORDER BY i.indisprimary DESC, i.indnkeyatts, i.indexrelid
                     LIMIT 1) i
             CROSS JOIN LATERAL pg_catalog.generate_series(0, i.indnkeyatts - 1) AS k(n)
              JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.n]
              LEFT JOIN pg_catalog.pg_collation co ON co.oid = i.indcollation[k.n]
              LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
             ORDER BY k.n
            """;

    /** The table's size as the statistics know it (pages, rows) and as it is on disk (pages). */
    private static final String SIZE = """
            SELECT greatest(c.relpages, 0)::pg_catalog.int8, c.reltuples::pg_catalog.float8,
                   (pg_catalog.pg_relation_size(c.oid)
                    / pg_catalog.current_setting('block_size')::pg_catalog.int8)::pg_catalog.int8
              FROM pg_catalog.pg_class c
             WHERE c.oid = ?::pg_catalog.regclass
            """;

    /**
     * How much of a table is read to place the bounds: a table of at most {@code wholeKeyPages} pages is read whole
     * (exact quantiles, and cheap); a larger one is sampled by pages ({@code TABLESAMPLE SYSTEM}, which reads only
     * the pages it picks), enough for {@code rowsPerRange} rows and {@code pagesPerRange} pages per range, since
     * the rows of one page are often neighbours in the key and the pages are what is random. Tests cut small tables.
     */
    record Sampling(long wholeKeyPages, int rowsPerRange, int pagesPerRange) {

        /** 32 MiB read whole; above that about 100 rows and 10 pages per range. */
        static final Sampling DEFAULT = new Sampling(4_096, 100, 10);
    }

    /** One key column as the conditions compare it: quoted name, exact type, quoted collation or null. */
    record KeyColumn(String name, String type, String collation) {

        /** A bound value of this column: its text as a literal, cast to the column's type, in its collation. */
        String literal(String text) {
            return Sql.literal(text) + "::" + type + (collation == null ? "" : " COLLATE " + collation);
        }
    }

    private KeyRanges() {
    }

    /**
     * Up to {@code wanted} range conditions over {@code table}'s key (see the class comment), or none: no usable
     * key, fewer than two distinct bounds, or a failure reading them. {@code statements} sees each statement run.
     */
    public static List<String> conditions(Connection c, QualifiedName table, int wanted, Consumer<String> statements)
            throws SQLException {
        return conditions(c, table, wanted, statements, Sampling.DEFAULT);
    }

    static List<String> conditions(Connection c, QualifiedName table, int wanted, Consumer<String> statements,
            Sampling sampling) throws SQLException {
        if (wanted < 2) {
            return List.of();
        }
        boolean own = c.getAutoCommit();
        Savepoint savepoint = null;
        if (own) {
            c.setAutoCommit(false);
        } else {
            savepoint = c.setSavepoint();
        }
        try {
            return read(c, table, wanted, statements, sampling);
        } catch (SQLException e) {
            if (lost(e) || c.isClosed()) {
                throw e; // the session is gone (also after a FATAL such as 57P01): the caller cannot go on with it
            }
            return List.of();
        } finally {
            undo(c, own, savepoint);
        }
    }

    /**
     * Open ranges of an ordered expression between increasing bounds (SQL text): below the first, between
     * consecutive bounds, from the last on, so that every row is in exactly one of them; no bounds, no conditions.
     * Also the form of the callers' ctid ranges.
     */
    public static List<String> between(String expression, List<String> bounds) {
        if (bounds.isEmpty()) {
            return List.of();
        }
        List<String> conditions = new ArrayList<>();
        int n = bounds.size() + 1;
        for (int i = 0; i < n; i++) {
            String lower = i == 0 ? null : expression + " >= " + bounds.get(i - 1);
            String upper = i == n - 1 ? null : expression + " < " + bounds.get(i);
            conditions.add(lower == null ? upper : upper == null ? lower : lower + " AND " + upper);
        }
        return conditions;
    }

    /**
     * The conditions for a key and its bounds, each bound one text value per key column: a single column compared
     * as itself, several as a row.
     */
    static List<String> conditions(List<KeyColumn> key, List<List<String>> bounds) {
        return between(rowOf(key.stream().map(KeyColumn::name).toList()), boundRows(key, bounds));
    }

    // ---- reading ----------------------------------------------------------------------------------------------

    private static List<String> read(Connection c, QualifiedName table, int wanted, Consumer<String> statements,
            Sampling sampling) throws SQLException {
        List<KeyColumn> key = new ArrayList<>();
        boolean integer = false;
        statements.accept(KEY.strip());
        try (PreparedStatement st = c.prepareStatement(KEY)) {
            st.setString(1, table.sql());
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    String collation = rs.getString(5) == null ? null : Sql.qualified(rs.getString(4),
                            rs.getString(5));
                    key.add(new KeyColumn(Sql.ident(rs.getString(1)), rs.getString(2), collation));
                    integer = INTEGER_TYPES.contains(rs.getLong(3));
                }
            }
        }
        if (key.isEmpty()) {
            return List.of();
        }
        if (key.size() == 1 && integer) {
            return evenly(c, table, key.get(0).name(), wanted, statements);
        }
        List<List<String>> bounds = quantiles(c, table, key, wanted, statements, sampling);
        if (bounds.isEmpty()) {
            return List.of();
        }
        List<String> rows = boundRows(key, bounds);
        if (!increasing(c, rows, statements)) {
            return List.of();
        }
        return between(rowOf(key.stream().map(KeyColumn::name).toList()), rows);
    }

    /** An integer key cut evenly between its min and max. */
    private static List<String> evenly(Connection c, QualifiedName table, String column, int wanted,
            Consumer<String> statements) throws SQLException {
        String sql = "SELECT min(" + column + ")::pg_catalog.int8, max(" + column + ")::pg_catalog.int8 FROM ONLY "
                + table.sql();
        statements.accept(sql);
        long min;
        long max;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            min = rs.getLong(1);
            max = rs.getLong(2);
            if (rs.wasNull() || max <= min) {
                return List.of();
            }
        }
        List<String> bounds = new ArrayList<>();
        double step = ((double) max - min) / wanted;
        long last = min;
        for (int i = 1; i < wanted; i++) {
            long b = min + (long) Math.ceil(step * i);
            if (b > last && b <= max) {
                bounds.add(Long.toString(b));
                last = b;
            }
        }
        return between(column, bounds);
    }

    /**
     * The first key of each of the sample's last {@code wanted - 1} equal parts ({@code ntile}), sorted as the
     * conditions compare, each as the texts of its columns. Floats are rendered exactly (extra_float_digits 3, for
     * this statement only: the savepoint or transaction of {@link #conditions} ends it); dates are in ISO, which
     * pgjdbc insists on in every session. Other output settings are the session's, as they are in the sessions the
     * callers run the conditions in (opened alike), and the bounds are read back in this one ({@link #increasing}).
     */
    private static List<List<String>> quantiles(Connection c, QualifiedName table, List<KeyColumn> key, int wanted,
            Consumer<String> statements, Sampling sampling) throws SQLException {
        String settings = "SET LOCAL extra_float_digits = 3";
        statements.accept(settings);
        try (Statement st = c.createStatement()) {
            st.execute(settings);
        }
        String sample = sample(c, table, wanted, statements, sampling);
        List<String> columns = new ArrayList<>();
        List<String> inner = new ArrayList<>();
        List<String> sorted = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < key.size(); i++) {
            KeyColumn k = key.get(i);
            String collate = k.collation() == null ? "" : " COLLATE " + k.collation();
            columns.add("t." + k.name() + " AS k" + i);
            inner.add("t." + k.name() + collate);
            sorted.add("q.k" + i + collate);
            texts.add("pg_catalog.format('%s', q.k" + i + ")");
        }
        String sql = "SELECT DISTINCT ON (q.upshift_range) " + String.join(", ", texts)
                + " FROM (SELECT " + String.join(", ", columns) + ", pg_catalog.ntile(" + wanted + ") OVER (ORDER BY "
                + String.join(", ", inner) + ") AS upshift_range FROM ONLY " + table.sql() + " AS t" + sample
                + ") AS q WHERE q.upshift_range > 1 ORDER BY q.upshift_range, " + String.join(", ", sorted);
        statements.accept(sql);
        List<List<String>> bounds = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                List<String> bound = new ArrayList<>();
                for (int i = 0; i < key.size(); i++) {
                    bound.add(rs.getString(i + 1));
                }
                bounds.add(bound);
            }
        }
        return bounds;
    }

    /**
     * The TABLESAMPLE clause for the table's size, or "" to read the whole key: a small table, or one where the
     * sample would be most of it. Without statistics (never analyzed) the sample is sized by pages alone.
     */
    private static String sample(Connection c, QualifiedName table, int wanted, Consumer<String> statements,
            Sampling sampling) throws SQLException {
        statements.accept(SIZE.strip());
        long relpages;
        double reltuples;
        long pages;
        try (PreparedStatement st = c.prepareStatement(SIZE)) {
            st.setString(1, table.sql());
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                relpages = rs.getLong(1);
                reltuples = rs.getDouble(2);
                pages = Math.max(1, Math.max(relpages, rs.getLong(3)));
            }
        }
        if (pages <= sampling.wholeKeyPages()) {
            return "";
        }
        double rows = relpages > 0 && reltuples > 0 ? reltuples / relpages * pages : -1;
        double fraction = (double) sampling.pagesPerRange() * wanted / pages;
        if (rows > 0) {
            fraction = Math.max(fraction, (double) sampling.rowsPerRange() * wanted / rows);
        }
        if (fraction >= 0.5) {
            return ""; // most pages would be read anyway: the whole key gives exact quantiles
        }
        // a fixed seed: the same rows give the same plan
        return " TABLESAMPLE SYSTEM (" + BigDecimal.valueOf(100 * fraction).toPlainString() + ") REPEATABLE (0)";
    }

    /** Whether the bounds, parsed and compared by the server as the conditions will be, increase strictly. */
    private static boolean increasing(Connection c, List<String> rows, Consumer<String> statements)
            throws SQLException {
        List<String> steps = new ArrayList<>();
        if (rows.size() == 1) {
            steps.add(rows.get(0) + " = " + rows.get(0)); // at least parsed and comparable
        }
        for (int i = 1; i < rows.size(); i++) {
            steps.add(rows.get(i - 1) + " < " + rows.get(i));
        }
        String sql = "SELECT " + String.join(" AND ", steps);
        statements.accept(sql);
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    // ---- building ---------------------------------------------------------------------------------------------

    private static List<String> boundRows(List<KeyColumn> key, List<List<String>> bounds) {
        List<String> rows = new ArrayList<>();
        for (List<String> bound : bounds) {
            if (bound.size() != key.size()) {
                throw new IllegalArgumentException("a bound of " + bound.size() + " values for a key of "
                        + key.size() + " columns");
            }
            List<String> literals = new ArrayList<>();
            for (int i = 0; i < key.size(); i++) {
                literals.add(key.get(i).literal(bound.get(i)));
            }
            rows.add(rowOf(literals));
        }
        return rows;
    }

    private static String rowOf(List<String> parts) {
        return parts.size() == 1 ? parts.get(0) : "(" + String.join(", ", parts) + ")";
    }

    private static boolean lost(SQLException e) {
        return e.getSQLState() != null && e.getSQLState().startsWith("08");
    }

    /** Back to where the caller was: nothing read here is kept, and the pinned settings end. */
    private static void undo(Connection c, boolean own, Savepoint savepoint) throws SQLException {
        if (c.isClosed()) {
            return; // nothing to undo, and the failure that closed it is the one to report
        }
        try {
            if (own) {
                c.rollback();
            } else {
                c.rollback(savepoint);
                c.releaseSavepoint(savepoint);
            }
        } finally {
            if (own) {
                c.setAutoCommit(true);
            }
        }
    }
}
