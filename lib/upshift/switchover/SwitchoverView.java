package upshift.switchover;

import java.util.Locale;

import upshift.cli.Output;
import upshift.cli.Table;

/** Prints the switchover's phases and the freeze window, the headline number. */
public final class SwitchoverView {

    private SwitchoverView() {
    }

    public static void print(Output out, SwitchoverRunner.Report report) {
        if (out.json()) {
            out.json(report);
            return;
        }
        if (!report.phases().isEmpty()) {
            Table table = Table.of("phase", "seconds", "detail");
            report.phases().forEach(p -> table.row(p.phase(), String.format(Locale.ROOT, "%.2f", p.seconds()),
                    p.detail()));
            out.table(table);
        }
        out.line("switchover " + report.migration() + ": " + report.outcome()
                + (report.freezeWindowSeconds() != null
                        ? String.format(Locale.ROOT, "; writes frozen for %.1f s", report.freezeWindowSeconds()) : "")
                + (report.destinationReady() ? "; the destination is ready for writes" : ""));
    }
}
