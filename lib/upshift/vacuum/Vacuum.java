package upshift.vacuum;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.migration.MigrationNames;
import upshift.report.Progress;
import upshift.report.Units;
import upshift.sql.QualifiedName;
import upshift.sql.StatementRunner;
import upshift.subscription.AutovacuumPause;
import upshift.vacuum.VacuumReport.TableResult;
import upshift.vacuum.VacuumTargets.Target;

/**
 * VACUUM (ANALYZE) of every replicated table on destination, one at a time with a progress line, then autovacuum
 * switched back on where create-subscription paused it. A table that fails (or that the role may not vacuum,
 * which VACUUM itself would only warn about) is reported and the rest still run; the caller fails the step at the
 * end.
 */
public final class Vacuum {

    /** VACUUM of a large table takes as long as it takes: the session's statement_timeout is lifted first. */
    static final String NO_STATEMENT_TIMEOUT = "SET statement_timeout = 0";

    private Vacuum() {
    }

    public static String statement(QualifiedName table) {
        return "VACUUM (ANALYZE) " + table.sql();
    }

    public static VacuumReport run(Cluster destination, StatementRunner runner, Progress out, MigrationNames names,
            VacuumTargets targets) {
        long start = System.nanoTime();
        boolean dryRun = runner.dryRun();
        List<TableResult> results = new ArrayList<>();
        int failed = 0;
        int n = targets.tables().size();
        if (!dryRun) {
            out.note("VACUUM (ANALYZE) of " + n + " tables of " + targets.source() + " " + targets.sourceName()
                    + " on destination");
        }
        runner.execute(destination, NO_STATEMENT_TIMEOUT);
        for (int i = 0; i < n; i++) {
            Target t = targets.tables().get(i);
            String prefix = "[" + (i + 1) + "/" + n + "] " + t.table();
            String size = t.sizeBytes() == null ? null : Units.pretty(t.sizeBytes());
            String problem = !t.exists() ? "does not exist on destination"
                    : !t.mayVacuum() ? "the role may not vacuum it (VACUUM would only warn and skip it): run as"
                            + " its owner or a superuser" : null;
            if (problem != null) {
                failed++;
                results.add(new TableResult(t.table(), t.sizeBytes(), size, "failed", null, problem));
                out.note(prefix + ": FAILED: " + problem);
                continue;
            }
            if (dryRun) {
                runner.execute(destination, statement(t.table()));
                results.add(new TableResult(t.table(), t.sizeBytes(), size, "planned", null, null));
                continue;
            }
            long began = System.nanoTime();
            try {
                runner.execute(destination, statement(t.table()));
                double seconds = seconds(began);
                results.add(new TableResult(t.table(), t.sizeBytes(), size, "vacuumed", seconds, null));
                out.note(prefix + " (" + size + ") " + String.format(Locale.ROOT, "%.1f s", seconds));
            } catch (UpshiftException e) {
                double seconds = seconds(began);
                failed++;
                results.add(new TableResult(t.table(), t.sizeBytes(), size, "failed", seconds,
                        e.getMessage()));
                out.note(prefix + " (" + size + ") FAILED after " + String.format(Locale.ROOT, "%.1f s", seconds)
                        + ": " + e.getMessage());
            }
        }

        List<QualifiedName> paused;
        try {
            paused = AutovacuumPause.paused(destination.connection(), names);
        } catch (SQLException e) {
            throw new UpshiftException("cannot read which tables upshift paused autovacuum on: " + e.getMessage(),
                    "the role needs to read pg_subscription on destination", e);
        }
        List<String> statements = AutovacuumPause.resumeStatements(names, paused);
        if (!statements.isEmpty()) {
            runner.transaction(destination, statements);
            if (!dryRun) {
                out.note("autovacuum switched back on for " + paused.size() + " tables");
            }
        } else if (!dryRun) {
            out.note("autovacuum: no table is paused by upshift (already resumed, or never paused)");
        }
        List<QualifiedName> stillOff = targets.tables().stream()
                .filter(t -> t.autovacuumOff() && !paused.contains(t.table()))
                .map(VacuumTargets.Target::table).toList();
        for (QualifiedName table : stillOff) {
            out.warn("autovacuum_enabled = false on " + table + " was not set by upshift and stays as it is"
                    + " (ALTER TABLE ... RESET (autovacuum_enabled) switches it back on)");
        }
        return new VacuumReport(targets.source(), targets.sourceName(), dryRun, results, failed,
                List.copyOf(paused), stillOff, seconds(start));
    }

    private static double seconds(long startNanos) {
        return Math.round((System.nanoTime() - startNanos) / 1e8) / 10.0;
    }
}
