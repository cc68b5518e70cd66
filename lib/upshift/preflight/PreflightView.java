package upshift.preflight;

import java.util.ArrayList;
import java.util.List;

import upshift.report.Output;
import upshift.report.Table;

/** Prints a {@link PreflightReport} for a person: the servers, the findings table, how to fix each, the verdict. */
public final class PreflightView {

    /** Problems longer than this continue on the next row, so the table fits a terminal. */
    private static final int PROBLEM_WIDTH = 80;

    private PreflightView() {
    }

    public static void print(Output out, PreflightReport report) {
        out.heading("upshift preflight: migration \"" + report.migration() + "\"");
        server(out, "origin", report.origin());
        server(out, "destination", report.destination());
        out.blank();

        List<Finding> findings = report.findings();
        Table table = Table.of("#", "severity", "side", "subject", "problem");
        for (int i = 0; i < findings.size(); i++) {
            Finding f = findings.get(i);
            List<String> lines = wrap(f.problem(), PROBLEM_WIDTH);
            table.row(i + 1, f.severity(), f.side(), f.subject(), lines.get(0));
            for (String more : lines.subList(1, lines.size())) {
                table.row("", "", "", "", more);
            }
        }
        out.table(table);

        boolean anyFix = findings.stream().anyMatch(f -> f.fix() != null);
        if (anyFix) {
            out.blank();
            out.line("How to fix");
            out.line("----------");
            for (int i = 0; i < findings.size(); i++) {
                Finding f = findings.get(i);
                if (f.fix() == null) {
                    continue;
                }
                out.line("#" + (i + 1) + " " + f.severity() + " " + f.subject() + " (" + f.side() + ")");
                f.fix().lines().forEach(line -> out.line("   " + line));
            }
        }

        PreflightReport.Summary s = report.summary();
        out.blank();
        out.line(s.blocking() + " blocking, " + s.warnings() + " warning(s), " + s.info() + " info; binary = true "
                + (s.binarySafe() ? "is safe" : "is not safe"));
        out.line(s.ready() ? "READY: no blocking finding (read the warnings before create-subscription)"
                : "NOT READY: fix the blocking findings and run preflight again");
    }

    /** Splits text at spaces into lines of at most {@code width} characters (a longer word keeps its own line). */
    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        lines.add(line.toString());
        return lines;
    }

    private static void server(Output out, String role, PreflightReport.Server server) {
        out.line(String.format("%-12s PostgreSQL %s (%s), database %s as %s — %s", role, server.version(),
                server.flavour(), server.database(), server.user(), server.endpoint()));
    }
}
