package upshift.cleanup;

import java.util.List;
import java.util.function.Consumer;

import upshift.cleanup.DropColumnsReport.Check;
import upshift.cleanup.DropColumnsReport.ColumnResult;
import upshift.report.Output;
import upshift.report.Table;

/** Prints a {@link DropColumnsReport}; under --dry-run to stderr, so that stdout stays a psql script. */
public final class DropColumnsView {

    private DropColumnsView() {
    }

    /** One line per check: what was looked for where, and what was found. */
    public static List<String> describe(List<Check> checks) {
        return checks.stream().map(c -> c.server() + ": " + c.kind() + " " + c.name() + " "
                + (!c.checked() ? c.why() : c.present() ? "EXISTS: " + c.why() : "absent")).toList();
    }

    public static void print(Output out, DropColumnsReport report) {
        if (out.json()) {
            out.json(report);
            return;
        }
        Consumer<String> line = report.dryRun() ? out::note : out::line;
        String prefix = report.dryRun() ? "-- " : "";
        line.accept(prefix + "Checked before dropping:");
        describe(report.checks()).forEach(c -> line.accept(prefix + "  " + c));
        if (report.columns().isEmpty()) {
            line.accept(prefix + "Nothing to drop: no column on destination is marked as added by"
                    + " add-missing-columns for migration \"" + report.migration() + "\".");
            return;
        }
        Table table = Table.of("table", "column", "type", "backup table", "backup size", "result", "detail");
        for (ColumnResult c : report.columns()) {
            table.row(c.table(), c.column(), c.type(), c.backupTable() == null ? "(none)" : c.backupTable(),
                    c.backupSize(), c.result(), c.detail());
        }
        table.render().lines().forEach(l -> line.accept(prefix + l));
        if (report.backup() && report.columns().stream().anyMatch(c -> c.result().equals("dropped"))) {
            line.accept("Backups are in the tables above (primary key + column), on destination beside each table."
                    + " Restore a column with ALTER TABLE ... ADD COLUMN and an UPDATE ... FROM the backup;"
                    + " drop a backup once it is no longer needed.");
        }
    }
}
