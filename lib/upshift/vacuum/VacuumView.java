package upshift.vacuum;

import java.util.Locale;

import upshift.report.Output;
import upshift.report.Table;
import upshift.vacuum.VacuumReport.TableResult;

/** Prints a {@link VacuumReport} for a person. */
public final class VacuumView {

    private VacuumView() {
    }

    public static void print(Output out, VacuumReport r) {
        Table table = Table.of("table", "size", "status", "seconds", "error");
        for (TableResult t : r.tables()) {
            table.row(t.table(), t.size(), t.status(),
                    t.seconds() == null ? null : String.format(Locale.ROOT, "%.1f", t.seconds()), t.error());
        }
        out.heading("VACUUM (ANALYZE) on destination: tables of " + r.source() + " " + r.sourceName());
        out.table(table);
        out.line((r.tables().size() - r.failed()) + " of " + r.tables().size() + " tables vacuumed and analyzed in "
                + String.format(Locale.ROOT, "%.1f s", r.seconds()) + (r.failed() > 0 ? ", " + r.failed()
                        + " FAILED" : ""));
        out.line(r.autovacuumResumed().isEmpty() ? "autovacuum: nothing to switch back on"
                : "autovacuum switched back on: " + names(r.autovacuumResumed()));
        if (!r.autovacuumStillOff().isEmpty()) {
            out.line("autovacuum still off (not paused by upshift): " + names(r.autovacuumStillOff()));
        }
    }

    private static String names(java.util.List<upshift.sql.QualifiedName> tables) {
        return String.join(", ", tables.stream().map(Object::toString).toList());
    }
}
