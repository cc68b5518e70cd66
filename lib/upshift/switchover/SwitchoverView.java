package upshift.switchover;

import java.util.Locale;

import upshift.report.Output;
import upshift.report.Table;

/** Prints a switchover's or switchback's phases and the freeze window, the headline number. */
public final class SwitchoverView {

    private SwitchoverView() {
    }

    public static void print(Output out, Cutover.Report report) {
        if (out.json()) {
            out.json(report);
            return;
        }
        // a dry run's stdout is the psql script(s): the plan goes to stderr, so that the script pipes into psql
        boolean dryRun = report.outcome().startsWith("dry run");
        java.util.function.Consumer<String> line = dryRun ? out::note : out::line;
        if (!report.phases().isEmpty()) {
            Table table = Table.of("phase", "status", "seconds", "detail");
            report.phases().forEach(p -> table.row(p.phase(), p.status(),
                    String.format(Locale.ROOT, "%.2f", p.seconds()), p.detail()));
            if (dryRun) {
                out.note(table.render().stripTrailing());
            } else {
                out.table(table);
            }
        }
        boolean ready = Boolean.TRUE.equals(report.destinationReady()) || Boolean.TRUE.equals(report.originReady());
        String primary = report.destinationReady() != null ? "destination" : "origin";
        line.accept(report.step() + " " + report.migration() + ": " + report.outcome()
                + (report.freezeWindowSeconds() != null
                        ? String.format(Locale.ROOT, "; writes frozen for %.1f s", report.freezeWindowSeconds()) : "")
                + (ready ? "; the " + primary + " is ready for writes" : "")
                + (Boolean.FALSE.equals(report.reverseStreaming()) ? "; the way back is NOT streaming (see monitor)"
                        : ""));
    }
}
