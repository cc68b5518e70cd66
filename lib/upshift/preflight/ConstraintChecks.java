package upshift.preflight;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import upshift.schema.Catalog;
import upshift.schema.Column;
import upshift.schema.TableDrift;
import upshift.schema.TableKeys;
import upshift.server.Feature;
import upshift.sql.QualifiedName;
import upshift.sql.Queries;
import upshift.sql.Sql;

/**
 * Constraints the new model has on destination and origin lacks, checked against origin's data: the rows that
 * replication will carry there. A FOREIGN KEY is not checked by the apply worker (it runs with
 * session_replication_role = replica, so the foreign-key triggers do not fire): the orphans arrive and the
 * constraint stays VALID yet violated. CHECK, UNIQUE and NOT NULL are checked by the apply worker: the first
 * violating row stops replication. Each is counted on origin, read-only, in one scan per table for the CHECK and
 * NOT NULL constraints and one query per foreign key and unique index.
 *
 * <p>Only constraints whose columns all exist on origin can be checked; the others are listed with why.
 */
final class ConstraintChecks {

    private static final String FOREIGN_KEYS = """
            SELECT n.nspname, c.relname, con.conname, con.convalidated,
                   ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                           JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
                          ORDER BY k.ord),
                   rn.nspname, rc.relname,
                   ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                           JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
                          ORDER BY k.ord),
                   con.confmatchtype::text, pg_catalog.pg_get_constraintdef(con.oid)
              FROM pg_catalog.pg_constraint con
              JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
              JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
             WHERE con.contype = 'f'
               AND (n.nspname, c.relname) IN (SELECT * FROM unnest(?::text[], ?::text[]))
             ORDER BY 1, 2, 3
            """;

    private static final String CHECKS = """
            SELECT n.nspname, c.relname, con.conname, con.convalidated,
                   pg_catalog.pg_get_expr(con.conbin, con.conrelid), pg_catalog.pg_get_constraintdef(con.oid)
              FROM pg_catalog.pg_constraint con
              JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE con.contype = 'c'
               AND (n.nspname, c.relname) IN (SELECT * FROM unnest(?::text[], ?::text[]))
             ORDER BY 1, 2, 3
            """;

    private static final String UNIQUE = """
            SELECT n.nspname, c.relname, ic.relname, con.conname,
                   ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true)
                           FROM generate_series(1, i.indnkeyatts) k ORDER BY k),
                   ARRAY(SELECT coalesce(a.attname::text, '')
                           FROM unnest((i.indkey::int2[])[0:i.indnkeyatts - 1]) WITH ORDINALITY k(attnum, ord)
                           LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                          ORDER BY k.ord),
                   pg_catalog.pg_get_expr(i.indpred, i.indrelid, true), %s,
                   pg_catalog.pg_get_indexdef(i.indexrelid)
              FROM pg_catalog.pg_index i
              JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
              JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              LEFT JOIN pg_catalog.pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u')
             WHERE i.indisunique
               AND (n.nspname, c.relname) IN (SELECT * FROM unnest(?::text[], ?::text[]))
             ORDER BY 1, 2, 3
            """;

    private record ForeignKey(QualifiedName table, String name, boolean validated, List<String> columns,
            QualifiedName references, List<String> referencedColumns, boolean matchFull, String definition) {

        boolean sameAs(ForeignKey o) {
            return columns.equals(o.columns) && references.equals(o.references)
                    && referencedColumns.equals(o.referencedColumns);
        }
    }

    private record Check(QualifiedName table, String name, boolean validated, String expression, String definition) {
    }

    private record Unique(QualifiedName table, String index, String constraint, List<String> keys,
            List<String> columns, String predicate, boolean nullsNotDistinct, String definition) {

        /** Key columns that are plain columns, or null when one key is an expression. */
        Set<String> plainColumns() {
            return columns.contains("") ? null : new HashSet<>(columns);
        }
    }

    private final Context ctx;
    private final Connection origin;

    ConstraintChecks(Context ctx) {
        this.ctx = ctx;
        this.origin = ctx.origin.connection();
    }

    void run(List<TableDrift> drifts) throws SQLException {
        List<QualifiedName> onBoth = drifts.stream().filter(TableDrift::onDestination).map(TableDrift::table)
                .toList();
        if (onBoth.isEmpty()) {
            return;
        }
        Connection destination = ctx.destination.connection();
        Map<QualifiedName, List<Column>> originColumns = Catalog.columns(origin, onBoth);
        Map<QualifiedName, List<Column>> destinationColumns = Catalog.columns(destination, onBoth);
        Map<QualifiedName, TableKeys> originKeys = TableKeys.read(origin, onBoth);
        List<ForeignKey> originFks = foreignKeys(origin, onBoth);
        List<Check> originChecks = checks(origin, onBoth);
        List<Unique> originUnique = unique(origin, ctx.o.capabilities().has(Feature.UNIQUE_NULLS_NOT_DISTINCT),
                onBoth);
        for (ForeignKey fk : foreignKeys(destination, onBoth)) {
            if (originFks.stream().noneMatch(o -> o.table().equals(fk.table()) && o.sameAs(fk))) {
                foreignKey(fk, originColumns, originKeys.get(fk.table()));
            }
        }
        Map<QualifiedName, List<Check>> newChecks = new LinkedHashMap<>();
        for (Check check : checks(destination, onBoth)) {
            boolean onOrigin = originChecks.stream().anyMatch(o -> o.table().equals(check.table())
                    && o.expression().equals(check.expression()));
            if (!onOrigin) {
                newChecks.computeIfAbsent(check.table(), k -> new ArrayList<>()).add(check);
            }
        }
        for (QualifiedName t : onBoth) {
            List<String> newNotNull = newNotNull(originColumns.get(t), destinationColumns.get(t));
            List<Check> checks = newChecks.getOrDefault(t, List.of());
            if (!newNotNull.isEmpty() || !checks.isEmpty()) {
                rows(t, checks, newNotNull, originKeys.get(t));
            }
        }
        for (Unique u : unique(destination, ctx.d.capabilities().has(Feature.UNIQUE_NULLS_NOT_DISTINCT), onBoth)) {
            if (!enforcedByOrigin(u, originUnique)) {
                unique(u, originColumns.get(u.table()), originKeys.get(u.table()));
            }
        }
    }

    // ---- foreign keys -------------------------------------------------------------------------------------------

    private void foreignKey(ForeignKey fk, Map<QualifiedName, List<Column>> originColumns, TableKeys keys)
            throws SQLException {
        String subject = fk.table() + "." + fk.name();
        Map<QualifiedName, List<Column>> referenced = fk.references().equals(fk.table()) ? originColumns
                : Catalog.columns(origin, List.of(fk.references()));
        List<String> missing = missing(originColumns.get(fk.table()), fk.columns());
        List<String> missingReferenced = missing(referenced.get(fk.references()), fk.referencedColumns());
        if (!missing.isEmpty() || !missingReferenced.isEmpty()) {
            ctx.add(Severity.WARNING, "foreign-key", Side.DESTINATION, subject, "destination's " + fk.definition()
                    + " cannot be checked against origin's data: " + (missing.isEmpty() ? ""
                    : fk.table() + " lacks " + missing + " on origin") + (!missing.isEmpty()
                    && !missingReferenced.isEmpty() ? ", " : "") + (missingReferenced.isEmpty() ? ""
                    : referenced.containsKey(fk.references()) ? fk.references() + " lacks " + missingReferenced
                            + " on origin" : fk.references() + " is not on origin") + "; the apply worker does not"
                    + " check foreign keys, so VALIDATE it after switchover", validate(fk.table(), fk.name()));
            return;
        }
        String query = orphanQuery(fk, keyExpression(keys, "c"));
        if (ctx.options.skipDataChecks()) {
            ctx.add(Severity.WARNING, "foreign-key", Side.ORIGIN, subject, "not checked (--skip-data-checks):"
                    + " origin rows that violate destination's " + fk.definition() + " would arrive on destination"
                    + " and leave it VALID yet violated", "run on origin: " + query);
            return;
        }
        Violations v = readOnly(query);
        if (v.count() == 0) {
            return;
        }
        boolean blocking = fk.validated();
        ctx.add(blocking ? Severity.BLOCKING : Severity.WARNING, "foreign-key", Side.ORIGIN, subject, v.count()
                + " row(s) of " + fk.table() + " on origin violate destination's " + fk.definition() + " (no "
                + fk.references() + " row for them), e.g. " + v.example() + ": the apply worker does not fire"
                + " foreign-key triggers, so they arrive and " + fk.name() + (blocking
                        ? " stays VALID yet violated on destination"
                        : " (NOT VALID on destination) cannot be validated until they are fixed"),
                "fix those rows on origin first (rows found by: " + query + "), or on destination ALTER TABLE "
                        + fk.table().sql() + " DROP CONSTRAINT " + Sql.ident(fk.name()) + "; ALTER TABLE "
                        + fk.table().sql() + " ADD CONSTRAINT " + Sql.ident(fk.name()) + " " + fk.definition()
                        + " NOT VALID; and after switchover, with the rows fixed, "
                        + validate(fk.table(), fk.name()));
    }

    private static String orphanQuery(ForeignKey fk, String key) {
        List<String> present = fk.columns().stream().map(c -> "c." + Sql.ident(c) + " IS NOT NULL").toList();
        String match = java.util.stream.IntStream.range(0, fk.columns().size())
                .mapToObj(i -> "p." + Sql.ident(fk.referencedColumns().get(i)) + " = c." + Sql.ident(fk.columns()
                        .get(i))).collect(Collectors.joining(" AND "));
        // MATCH SIMPLE (the default) skips a row with any NULL key column; MATCH FULL rejects a partly NULL one
        String where = fk.matchFull() && fk.columns().size() > 1
                ? "(" + String.join(" OR ", present) + ") AND (NOT (" + String.join(" AND ", present)
                        + ") OR NOT EXISTS (SELECT 1 FROM " + fk.references().sql() + " p WHERE " + match + "))"
                : String.join(" AND ", present) + " AND NOT EXISTS (SELECT 1 FROM " + fk.references().sql()
                        + " p WHERE " + match + ")";
        return "SELECT count(*), min(" + key + ") FROM " + fk.table().sql() + " c WHERE " + where;
    }

    // ---- CHECK and NOT NULL: one scan per table -------------------------------------------------------------

    /** Shared columns NOT NULL on destination and nullable on origin. */
    private static List<String> newNotNull(List<Column> origin, List<Column> destination) {
        if (origin == null || destination == null) {
            return List.of();
        }
        Map<String, Column> o = origin.stream().collect(Collectors.toMap(Column::name, c -> c));
        return destination.stream().filter(d -> d.notNull() && !d.generated() && o.containsKey(d.name())
                && !o.get(d.name()).notNull() && !o.get(d.name()).generated()).map(Column::name).toList();
    }

    private void rows(QualifiedName t, List<Check> checks, List<String> notNull, TableKeys keys)
            throws SQLException {
        String key = keyExpression(keys, null);
        List<String> conditions = new ArrayList<>();
        checks.forEach(c -> conditions.add("(" + c.expression() + ") IS FALSE"));
        notNull.forEach(c -> conditions.add(Sql.ident(c) + " IS NULL"));
        if (ctx.options.skipDataChecks()) {
            for (int i = 0; i < conditions.size(); i++) {
                boolean isCheck = i < checks.size();
                ctx.add(Severity.WARNING, isCheck ? "check-constraint" : "not-null", Side.ORIGIN, isCheck ? t + "."
                        + checks.get(i).name() : t + "." + notNull.get(i - checks.size()), "not checked"
                        + " (--skip-data-checks): a row on origin that violates destination's " + (isCheck
                                ? checks.get(i).definition() : "NOT NULL") + " stops replication",
                        "run on origin: " + count(t, conditions.get(i), key));
            }
            return;
        }
        List<Violations> found = scan(t, conditions, key);
        for (int i = 0; i < conditions.size(); i++) {
            Violations v = found.get(i);
            if (i < checks.size()) {
                check(t, checks.get(i), v, count(t, conditions.get(i), key));
            } else {
                notNull(t, notNull.get(i - checks.size()), v);
            }
        }
    }

    /**
     * The counts of every condition in one scan; when that fails (an expression origin cannot evaluate), each
     * condition alone, so that one bad expression does not hide the others. A condition that fails alone has a
     * null entry.
     */
    private List<Violations> scan(QualifiedName t, List<String> conditions, String key) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT ");
        for (int i = 0; i < conditions.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("count(*) FILTER (WHERE ").append(conditions.get(i))
                    .append("), min(").append(key).append(") FILTER (WHERE ").append(conditions.get(i)).append(')');
        }
        sql.append(" FROM ").append(t.sql());
        List<Violations> all = readOnlyAll(sql.toString(), conditions.size());
        if (all != null) {
            return all;
        }
        List<Violations> each = new ArrayList<>();
        for (String condition : conditions) {
            List<Violations> one = readOnlyAll(count(t, condition, key), 1);
            each.add(one == null ? null : one.get(0));
        }
        return each;
    }

    private void check(QualifiedName t, Check check, Violations v, String query) {
        String subject = t + "." + check.name();
        if (v == null) {
            ctx.add(Severity.WARNING, "check-constraint", Side.ORIGIN, subject, "destination's " + check.definition()
                    + " cannot be evaluated on origin (" + lastError + "): a row that violates it stops"
                    + " replication", "check by hand on origin (adapting the expression to origin's columns): "
                    + query);
            return;
        }
        if (v.count() == 0) {
            return;
        }
        ctx.add(Severity.BLOCKING, "check-constraint", Side.ORIGIN, subject, v.count() + " row(s) on origin"
                + " violate destination's " + check.definition() + ", e.g. " + v.example() + ": the initial copy"
                + " or the apply fails on the first one and replication stops",
                "fix those rows on origin first (SELECT * FROM " + t.sql() + " WHERE (" + check.expression()
                        + ") IS FALSE;), or on destination ALTER TABLE " + t.sql()
                        + " DROP CONSTRAINT " + Sql.ident(check.name()) + "; now and after switchover, with the"
                        + " rows fixed, ALTER TABLE " + t.sql() + " ADD CONSTRAINT " + Sql.ident(check.name()) + " "
                        + check.definition() + " NOT VALID; " + validate(t, check.name())
                        + " (a NOT VALID CHECK still rejects every new row that violates it, replicated ones too)");
    }

    private void notNull(QualifiedName t, String column, Violations v) {
        String subject = t + "." + column;
        String alter = "ALTER TABLE " + t.sql() + " ALTER COLUMN " + Sql.ident(column);
        if (v == null) {
            ctx.add(Severity.WARNING, "not-null", Side.ORIGIN, subject, "could not count NULLs on origin ("
                    + lastError + ")", null);
            return;
        }
        if (v.count() == 0) {
            return;
        }
        boolean notValid = ctx.d.capabilities().has(Feature.NOT_NULL_NOT_VALID);
        ctx.add(Severity.BLOCKING, "not-null", Side.ORIGIN, subject, v.count() + " row(s) on origin have NULL in "
                + column + ", which is NOT NULL on destination (nullable on origin), e.g. " + v.example()
                + ": the initial copy or the apply fails on the first one and replication stops",
                "fill them on origin first (UPDATE " + t.sql() + " SET " + Sql.ident(column) + " = <value> WHERE "
                        + Sql.ident(column) + " IS NULL;), or on destination " + alter + " DROP NOT NULL; now and "
                        + (notValid ? "after switchover ALTER TABLE " + t.sql() + " ADD CONSTRAINT "
                                + Sql.ident(t.name() + "_" + column + "_not_null") + " NOT NULL " + Sql.ident(column)
                                + " NOT VALID; then VALIDATE it" : "after switchover, with the rows fixed, " + alter
                                        + " SET NOT NULL;"));
    }

    // ---- UNIQUE -----------------------------------------------------------------------------------------------

    /**
     * Whether origin enforces it already: a non-partial unique index on a subset of its columns (or on the same
     * expressions), no weaker about NULLs.
     */
    private static boolean enforcedByOrigin(Unique u, List<Unique> originUnique) {
        Set<String> columns = u.plainColumns();
        for (Unique o : originUnique) {
            if (!o.table().equals(u.table()) || o.predicate() != null || u.nullsNotDistinct() && !o.nullsNotDistinct()) {
                continue;
            }
            boolean subset = columns != null && o.plainColumns() != null && columns.containsAll(o.plainColumns());
            if (subset || o.keys().equals(u.keys())) {
                return true;
            }
        }
        return false;
    }

    private void unique(Unique u, List<Column> originColumns, TableKeys keys) throws SQLException {
        String name = u.constraint() != null ? u.constraint() : u.index();
        String subject = u.table() + "." + name;
        List<String> plain = u.columns().stream().filter(c -> !c.isEmpty()).toList();
        List<String> missing = missing(originColumns, plain);
        if (!missing.isEmpty()) {
            ctx.add(Severity.INFO, "unique", Side.DESTINATION, subject, "destination's " + u.definition()
                    + " is not checked against origin's data: origin lacks " + missing + ", which destination fills"
                    + " itself", null);
            return;
        }
        String where = (u.nullsNotDistinct() ? "true" : u.keys().stream().map(k -> "(" + k + ") IS NOT NULL")
                .collect(Collectors.joining(" AND "))) + (u.predicate() == null ? "" : " AND (" + u.predicate()
                        + ")");
        String keyList = String.join(", ", u.keys());
        String query = "SELECT count(*), min(k) FROM (SELECT ROW(" + keyList + ")::text AS k FROM " + u.table().sql()
                + " WHERE " + where + " GROUP BY " + keyList + " HAVING count(*) > 1) d";
        if (ctx.options.skipDataChecks()) {
            ctx.add(Severity.WARNING, "unique", Side.ORIGIN, subject, "not checked (--skip-data-checks): duplicates"
                    + " on origin of destination's " + u.definition() + " stop replication", "run on origin: "
                    + query);
            return;
        }
        List<Violations> v = readOnlyAll(query, 1);
        if (v == null) {
            ctx.add(Severity.WARNING, "unique", Side.ORIGIN, subject, "destination's " + u.definition() + " cannot"
                    + " be evaluated on origin (" + lastError + "): a duplicate stops replication",
                    "check by hand on origin: " + query);
            return;
        }
        if (v.get(0).count() == 0) {
            return;
        }
        String drop = u.constraint() != null ? "ALTER TABLE " + u.table().sql() + " DROP CONSTRAINT "
                + Sql.ident(u.constraint()) : "DROP INDEX " + Sql.qualified(u.table().schema(), u.index());
        ctx.add(Severity.BLOCKING, "unique", Side.ORIGIN, subject, v.get(0).count() + " value(s) of (" + keyList
                + ") occur more than once on origin, e.g. " + v.get(0).example() + ", and destination's "
                + u.definition() + " forbids it: the initial copy or the apply fails on the second one and"
                + " replication stops", "remove the duplicates on origin first, or " + drop + "; on destination"
                        + " and build it after switchover with the duplicates removed (" + u.definition()
                        .replaceFirst("^CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX CONCURRENTLY ")
                        + "; a unique index cannot be NOT VALID)");
    }

    // ---- reading ------------------------------------------------------------------------------------------------

    private record Violations(long count, String example) {
    }

    private String lastError;

    private Violations readOnly(String sql) throws SQLException {
        List<Violations> v = readOnlyAll(sql, 1);
        if (v == null) {
            throw new SQLException(lastError);
        }
        return v.get(0);
    }

    /**
     * Runs one query of {@code pairs} (count, example) pairs on origin in a read-only transaction, rolled back;
     * null when origin cannot evaluate it ({@link #lastError} says why).
     */
    private List<Violations> readOnlyAll(String sql, int pairs) throws SQLException {
        try (Statement st = origin.createStatement()) {
            st.execute("BEGIN READ ONLY");
            try (ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                List<Violations> result = new ArrayList<>();
                for (int i = 0; i < pairs; i++) {
                    result.add(new Violations(rs.getLong(2 * i + 1), rs.getString(2 * i + 2)));
                }
                return result;
            } catch (SQLException e) {
                if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
                    throw e;
                }
                String m = e.getMessage() == null ? "error" : e.getMessage();
                lastError = (m.startsWith("ERROR: ") ? m.substring(7) : m).lines().findFirst().orElse(m);
                return null;
            } finally {
                st.execute("ROLLBACK");
            }
        }
    }

    /** How an example row is named: its primary key on origin, e.g. {@code (id)=(42)}, else its ctid. */
    private static String keyExpression(TableKeys keys, String alias) {
        String prefix = alias == null ? "" : alias + ".";
        List<String> pk = keys == null ? List.of() : keys.primaryKey();
        if (pk.isEmpty()) {
            return "'ctid ' || " + prefix + "ctid::text";
        }
        return Sql.literal("(" + String.join(", ", pk) + ")=(") + " || concat_ws(', ', "
                + pk.stream().map(c -> prefix + Sql.ident(c) + "::text").collect(Collectors.joining(", "))
                + ") || ')'";
    }

    private static String count(QualifiedName t, String condition, String key) {
        return "SELECT count(*), min(" + key + ") FROM " + t.sql() + " WHERE " + condition;
    }

    private static String validate(QualifiedName t, String constraint) {
        return "ALTER TABLE " + t.sql() + " VALIDATE CONSTRAINT " + Sql.ident(constraint) + ";";
    }

    private static List<String> missing(List<Column> columns, List<String> wanted) {
        if (columns == null) {
            return wanted;
        }
        Set<String> have = columns.stream().map(Column::name).collect(Collectors.toSet());
        return wanted.stream().filter(c -> !have.contains(c)).toList();
    }

    private static List<ForeignKey> foreignKeys(Connection c, List<QualifiedName> tables) throws SQLException {
        List<ForeignKey> result = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement(FOREIGN_KEYS)) {
            Queries.bindNames(c, st, tables);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    result.add(new ForeignKey(new QualifiedName(rs.getString(1), rs.getString(2)), rs.getString(3),
                            rs.getBoolean(4), strings(rs.getArray(5)), new QualifiedName(rs.getString(6),
                                    rs.getString(7)), strings(rs.getArray(8)), "f".equals(rs.getString(9)),
                            rs.getString(10)));
                }
            }
        }
        return result;
    }

    private static List<Check> checks(Connection c, List<QualifiedName> tables) throws SQLException {
        List<Check> result = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement(CHECKS)) {
            Queries.bindNames(c, st, tables);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    result.add(new Check(new QualifiedName(rs.getString(1), rs.getString(2)), rs.getString(3),
                            rs.getBoolean(4), rs.getString(5), rs.getString(6)));
                }
            }
        }
        return result;
    }

    private static List<Unique> unique(Connection c, boolean nullsNotDistinct, List<QualifiedName> tables)
            throws SQLException {
        List<Unique> result = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement(String.format(UNIQUE,
                nullsNotDistinct ? "i.indnullsnotdistinct" : "false"))) {
            Queries.bindNames(c, st, tables);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    result.add(new Unique(new QualifiedName(rs.getString(1), rs.getString(2)), rs.getString(3),
                            rs.getString(4), strings(rs.getArray(5)), strings(rs.getArray(6)), rs.getString(7),
                            rs.getBoolean(8), rs.getString(9)));
                }
            }
        }
        return result;
    }

    private static List<String> strings(Array array) throws SQLException {
        if (array == null) {
            return List.of();
        }
        return Arrays.stream((Object[]) array.getArray()).map(String::valueOf).toList();
    }
}
