package upshift.columns;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonIgnore;

import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.migration.MigrationNames;
import upshift.report.Output;
import upshift.report.Table;
import upshift.schema.Catalog;
import upshift.schema.Column;
import upshift.schema.TableDrift;
import upshift.schema.TableSelection;
import upshift.sql.QualifiedName;

/**
 * What add-missing-columns finds and will do: the columns to add, the {@code --default}s to set, the added columns
 * still without any default although origin declares them NOT NULL, and the replicated tables the destination does
 * not have.
 *
 * @param toAdd                      the columns to add on destination; each one's default is the one it gets
 *                                   ({@code --default}'s expression, else origin's carried over)
 * @param defaults                   what each {@code --default} does
 * @param missingDefaults            added (or to be added) columns NOT NULL on origin with no default on destination:
 *                                   rows the new application inserts there fail on origin through rollback
 *                                   replication
 * @param tablesMissingOnDestination replicated tables the destination lacks altogether
 * @param tablesChecked              how many replicated tables were compared
 * @param statements                 what runs on destination, in one transaction (empty: nothing to do)
 */
public record MissingColumnsReport(List<AddedColumn> toAdd, List<DefaultChange> defaults,
        List<MissingDefault> missingDefaults, List<QualifiedName> tablesMissingOnDestination, int tablesChecked,
        @JsonIgnore List<String> statements) {

    /**
     * One {@code --default}.
     *
     * @param table      the column's table
     * @param column     the column
     * @param target     the column, for display ({@code public.shop_product.is_legacy}; text report only)
     * @param expression the expression as given
     * @param previous   the column's default on destination before (null: none, or the column is new)
     * @param result     the default as the server stores it after this step (checked in a transaction rolled
     *                   back, so also known under --dry-run)
     * @param action     {@code added with the column}, {@code set} (on a column added before) or {@code unchanged}
     *                   (it already had it: nothing runs)
     */
    public record DefaultChange(QualifiedName table, String column, @JsonIgnore String target, String expression,
            String previous, String result, String action) {
    }

    /**
     * An added column origin declares NOT NULL that has no default on destination.
     *
     * @param table  the column's table
     * @param column the column
     * @param type   its type
     * @param option the option that gives it one (the value is a suggestion for the type: use the old model's)
     */
    public record MissingDefault(QualifiedName table, String column, String type, String option) {

        /** The column, for display: {@code public.shop_product.is_legacy}. */
        public String target() {
            return table + "." + column;
        }
    }

    static final String ADDED = "added with the column";
    static final String SET = "set";
    static final String UNCHANGED = "unchanged";

    /** Compares the selected tables and plans the change; checks every --default on destination (rolled back). */
    public static MissingColumnsReport find(Cluster origin, Cluster destination, TableSelection selection,
            MigrationNames names, List<ColumnDefault> defaults) {
        List<QualifiedName> tables;
        Map<QualifiedName, List<Column>> originColumns;
        Map<QualifiedName, List<Column>> destinationColumns;
        try {
            tables = selection.select(origin.connection()).stream().map(TableSelection.Table::name).toList();
            if (tables.isEmpty()) {
                throw new UpshiftException("no tables to replicate: role \"" + selection.owner()
                        + "\" owns none outside the exclusions", "check --owner, --schema and --exclude");
            }
            originColumns = Catalog.columns(origin.connection(), tables);
            destinationColumns = Catalog.columns(destination.connection(), tables);
        } catch (SQLException e) {
            throw new UpshiftException("cannot compare origin and destination tables: " + e.getMessage(),
                    "the roles need to read pg_catalog on both servers", e);
        }
        List<TableDrift> drifts = new ArrayList<>();
        for (QualifiedName table : tables) {
            if (originColumns.containsKey(table)) {
                drifts.add(TableDrift.compare(table, originColumns.get(table), destinationColumns.get(table)));
            }
        }
        List<AddedColumn> planned = AddedColumns.plan(drifts);
        String marker = AddedColumns.marker(names);

        // each --default goes to a column to add, or to one added before (marked); anything else is a usage error
        List<AddedColumn> toAdd = new ArrayList<>();
        Map<ColumnDefault, Column> onAdded = new LinkedHashMap<>();
        List<ColumnDefault> unmatched = new ArrayList<>(defaults);
        for (AddedColumn c : planned) {
            ColumnDefault d = find(defaults, c.table(), c.column());
            unmatched.remove(d);
            toAdd.add(d == null ? c : new AddedColumn(c.table(), c.column(), c.type(), d.expression(),
                    c.originNotNull()));
        }
        for (ColumnDefault d : List.copyOf(unmatched)) {
            Column existing = column(destinationColumns, d.table(), d.column());
            if (existing != null && marker.equals(existing.comment())) {
                onAdded.put(d, existing);
                unmatched.remove(d);
            }
        }
        if (!unmatched.isEmpty()) {
            ColumnDefault d = unmatched.get(0);
            throw UpshiftException.usage("--default " + d.target() + ": not a column add-missing-columns adds or"
                    + " has added for migration \"" + names.name() + "\"",
                    "--default is for a column origin's table has and the new model dropped; run without it to"
                            + " see them");
        }

        // a --default goes after SET DEFAULT (never into ADD COLUMN, where words after it would be column
        // constraints; and a volatile expression there would rewrite the table)
        List<String> statements = new ArrayList<>();
        Map<String, ColumnDefault> bySql = new LinkedHashMap<>();
        for (AddedColumn c : toAdd) {
            ColumnDefault d = find(defaults, c.table(), c.column());
            statements.addAll(AddedColumns.statements(List.of(d == null ? c
                    : new AddedColumn(c.table(), c.column(), c.type(), null, c.originNotNull())), names));
            if (d != null) {
                String sql = AddedColumns.setDefault(d);
                statements.add(sql);
                bySql.put(sql, d);
            }
        }
        Map<ColumnDefault, String> setStatements = new LinkedHashMap<>();
        for (ColumnDefault d : onAdded.keySet()) {
            String sql = AddedColumns.setDefault(d);
            setStatements.put(d, sql);
            bySql.put(sql, d);
        }
        statements.addAll(setStatements.values());

        Map<ColumnDefault, String> results = defaults.isEmpty() ? Map.of()
                : AddedColumns.check(destination, statements, bySql);
        List<DefaultChange> changes = new ArrayList<>();
        for (ColumnDefault d : defaults) {
            Column existing = onAdded.get(d);
            String result = results.get(d);
            String action = existing == null ? ADDED : Objects.equals(existing.defaultExpr(), result) ? UNCHANGED
                    : SET;
            if (action.equals(UNCHANGED)) {
                statements.remove(setStatements.get(d));
            }
            changes.add(new DefaultChange(d.table(), d.column(), d.target(), d.expression(), existing == null ? null
                    : existing.defaultExpr(), result, action));
        }

        List<MissingDefault> missing = new ArrayList<>();
        for (AddedColumn c : toAdd) {
            if (c.originNotNull() && c.defaultExpr() == null) {
                missing.add(missingDefault(c.table(), c.column(), c.type()));
            }
        }
        for (Map.Entry<QualifiedName, List<Column>> e : destinationColumns.entrySet()) {
            for (Column added : e.getValue()) {
                Column onOrigin = column(originColumns, e.getKey(), added.name());
                if (marker.equals(added.comment()) && onOrigin != null && onOrigin.notNull()
                        && added.defaultExpr() == null && find(defaults, e.getKey(), added.name()) == null) {
                    missing.add(missingDefault(e.getKey(), added.name(), added.type()));
                }
            }
        }
        return new MissingColumnsReport(List.copyOf(toAdd), List.copyOf(changes), List.copyOf(missing),
                drifts.stream().filter(d -> !d.onDestination()).map(TableDrift::table).toList(), tables.size(),
                List.copyOf(statements));
    }

    /** The human summary (the --dry-run script itself went to stdout already), or the JSON result. */
    public void print(Output out, boolean dryRun) {
        missingDefaults.forEach(m -> out.warn(m.target() + " is NOT NULL on origin and has no default on"
                + " destination: rows the new application inserts there omit it and fail on origin through"
                + " rollback replication. Add " + m.option() + " (with the old model's default value); preflight"
                + " and switchover refuse until then"));
        if (out.json()) {
            out.json(this);
            return;
        }
        for (DefaultChange d : defaults) {
            if (d.action().equals(ADDED)) {
                continue; // shown in the table of added columns
            }
            String what = d.action().equals(UNCHANGED) ? "already has DEFAULT " + d.result() + " (unchanged)"
                    : (dryRun ? "would get DEFAULT " : "DEFAULT set to ") + d.result()
                            + (d.previous() == null ? " (had none)" : " (was " + d.previous() + ")");
            String text = d.target() + ", added before: " + what;
            if (dryRun) {
                out.note("-- " + text); // stdout holds only the script
            } else {
                out.line(text);
            }
        }
        if (toAdd.isEmpty()) {
            out.note("Nothing to add: the destination has every origin column of the " + tablesChecked
                    + " replicated tables.");
            return;
        }
        Table table = Table.of("table", "column", "type", "default", "origin NOT NULL");
        toAdd.forEach(c -> table.row(c.table(), c.column(), c.type(), defaultShown(c), c.originNotNull() ? "yes"
                : ""));
        if (dryRun) {
            out.note("-- would add " + toAdd.size() + " columns (nothing changed)");
        } else {
            out.line("Added " + toAdd.size() + " columns on destination, marked for drop-added-columns:");
            out.table(table);
        }
    }

    private String defaultShown(AddedColumn c) {
        for (DefaultChange d : defaults) {
            if (d.action().equals(ADDED) && d.table().equals(c.table()) && d.column().equals(c.column())) {
                return d.result() + " (--default)";
            }
        }
        return c.defaultExpr();
    }

    private static MissingDefault missingDefault(QualifiedName table, String column, String type) {
        return new MissingDefault(table, column, type, ColumnDefault.option(table, column, suggestion(type)));
    }

    /** A value of that type to start from; the operator puts the old model's default there. */
    static String suggestion(String type) {
        String t = type.toLowerCase(java.util.Locale.ROOT);
        if (t.equals("boolean")) {
            return "false";
        }
        if (t.matches("(smallint|integer|bigint|real|double precision|numeric.*)")) {
            return "0";
        }
        if (t.matches("(text|character varying.*|character.*|citext)")) {
            return "''";
        }
        if (t.startsWith("timestamp") || t.equals("date")) {
            return "now()";
        }
        if (t.equals("jsonb") || t.equals("json")) {
            return "'{}'";
        }
        return "VALUE";
    }

    private static ColumnDefault find(List<ColumnDefault> defaults, QualifiedName table, String column) {
        return defaults.stream().filter(d -> d.isFor(table, column)).findFirst().orElse(null);
    }

    private static Column column(Map<QualifiedName, List<Column>> columns, QualifiedName table, String name) {
        return columns.getOrDefault(table, List.of()).stream().filter(c -> c.name().equals(name)).findFirst()
                .orElse(null);
    }
}
