package upshift.cleanup;

import java.util.List;
import java.util.function.Consumer;

import upshift.cleanup.CleanupReport.Action;
import upshift.cleanup.CleanupReport.OrphanedSlot;
import upshift.report.Output;
import upshift.report.Table;

/**
 * Prints a {@link CleanupReport} for a person. Under --dry-run the report goes to stderr so that stdout stays a
 * psql script.
 */
public final class CleanupView {

    private CleanupView() {
    }

    public static void print(Output out, CleanupReport report) {
        if (out.json()) {
            out.json(report);
            return;
        }
        Consumer<String> line = report.dryRun() ? out::note : out::line;
        line.accept((report.dryRun() ? "-- " : "") + "cleanup of migration \"" + report.migration() + "\" ("
                + String.join(" and ", report.directions()) + ")" + (report.dryRun() ? ": nothing changed" : ""));
        Table actions = Table.of("server", "kind", "name", "result", "detail");
        for (Action a : report.actions()) {
            actions.row(a.server(), a.kind(), a.name(), a.result(), a.detail());
        }
        print(line, actions);

        List<OrphanedSlot> orphans = report.orphanedSlots();
        if (orphans.isEmpty()) {
            line.accept("No orphaned replication slots on either server.");
        } else {
            line.accept("");
            line.accept("Orphaned slots: logical, inactive, used by no subscription of this migration. Each keeps"
                    + " WAL on its server until it is dropped.");
            Table slots = Table.of("server", "slot", "database", "retained WAL", "wal_status", "result");
            for (OrphanedSlot o : orphans) {
                slots.row(o.server(), o.slot(), o.database(), o.retained() == null ? "unknown" : o.retained(),
                        o.walStatus(), o.result());
            }
            print(line, slots);
            List<OrphanedSlot> others = orphans.stream().filter(o -> !o.thisMigration()).toList();
            if (!others.isEmpty()) {
                line.accept("Not this migration's, so left alone. If nothing will ever use one again (a disabled"
                        + " subscription elsewhere may), drop it in a session on its database:");
                others.forEach(o -> line.accept("  -- on " + o.server() + ", database " + o.database() + ":  "
                        + o.dropSql() + ";"));
            }
        }
        if (!report.dryRun()) {
            line.accept("");
            if (report.remaining().isEmpty()) {
                line.accept("Nothing of migration \"" + report.migration() + "\" is left on either server.");
            } else {
                line.accept("Still present:");
                report.remaining().forEach(r -> line.accept("  " + r));
            }
        }
    }

    private static void print(Consumer<String> line, Table table) {
        table.render().lines().forEach(line);
    }
}
