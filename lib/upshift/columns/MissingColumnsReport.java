package upshift.columns;

import java.sql.SQLException;
import java.util.List;

import upshift.UpshiftException;
import upshift.cli.Output;
import upshift.cli.Table;
import upshift.connect.Cluster;
import upshift.schema.SchemaComparison;
import upshift.schema.TableDrift;
import upshift.schema.TableSelection;
import upshift.sql.QualifiedName;

/**
 * What add-missing-columns finds: the columns to add, and the replicated tables the destination does not have.
 *
 * @param toAdd                      the columns to add on destination
 * @param tablesMissingOnDestination replicated tables the destination lacks altogether
 * @param tablesChecked              how many replicated tables were compared
 */
public record MissingColumnsReport(List<AddedColumn> toAdd, List<QualifiedName> tablesMissingOnDestination,
        int tablesChecked) {

    public static MissingColumnsReport find(Cluster origin, Cluster destination, TableSelection selection) {
        try {
            List<QualifiedName> tables = selection.select(origin.connection()).stream()
                    .map(TableSelection.Table::name).toList();
            if (tables.isEmpty()) {
                throw new UpshiftException("no tables to replicate: role \"" + selection.owner()
                        + "\" owns none outside the exclusions", "check --owner, --schema and --exclude");
            }
            List<TableDrift> drifts = SchemaComparison.compare(origin.connection(), destination.connection(), tables);
            return new MissingColumnsReport(AddedColumns.plan(drifts),
                    drifts.stream().filter(d -> !d.onDestination()).map(TableDrift::table).toList(), tables.size());
        } catch (SQLException e) {
            throw new UpshiftException("cannot compare origin and destination tables: " + e.getMessage(),
                    "the roles need to read pg_catalog on both servers", e);
        }
    }

    /** The human summary (the --dry-run script itself went to stdout already), or the JSON result. */
    public void print(Output out, boolean dryRun) {
        if (out.json()) {
            out.json(this);
            return;
        }
        if (toAdd.isEmpty()) {
            out.note("Nothing to add: the destination has every origin column of the " + tablesChecked
                    + " replicated tables.");
            return;
        }
        Table table = Table.of("table", "column", "type", "default", "origin NOT NULL");
        toAdd.forEach(c -> table.row(c.table(), c.column(), c.type(), c.defaultExpr(), c.originNotNull() ? "yes" : ""));
        if (dryRun) {
            out.note("-- would add " + toAdd.size() + " columns (nothing changed)");
        } else {
            out.line("Added " + toAdd.size() + " columns on destination, marked for drop-added-columns:");
            out.table(table);
        }
    }
}
