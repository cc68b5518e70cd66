package upshift.verify;

import java.util.ArrayList;
import java.util.List;

import upshift.report.Output;
import upshift.report.Table;
import upshift.verify.TableResult.Status;

/** Prints a {@link VerifyReport} for a person. */
public final class VerifyView {

    private VerifyView() {
    }

    public static void print(Output out, VerifyReport r) {
        out.heading("Verify: " + (r.checksum() ? "row counts and checksums" : "row counts") + " of the tables of "
                + (r.source().equals("selection") ? "the table selection" : r.source()));
        Table table = Table.of("table", "origin rows", "destination rows", "checksum", "status");
        for (TableResult t : r.tables()) {
            table.row(t.table(), t.originRows(), t.destinationRows(), checksumCell(r, t), t.status().label());
        }
        out.table(table);

        if (r.checksum()) {
            out.blank();
            out.line("Columns compared (origin type -> destination type, how compared):");
            for (TableResult t : r.tables()) {
                if (t.status() == Status.MISSING_ON_ORIGIN || t.status() == Status.MISSING_ON_DESTINATION) {
                    continue;
                }
                out.line("  " + t.table() + ": " + columns(t));
            }
        }

        if (!r.differences().isEmpty() || !r.errors().isEmpty()) {
            out.blank();
            out.line("Differences:");
            for (TableResult t : r.differences()) {
                out.line("  " + t.table() + ": " + detail(t));
            }
            for (TableResult t : r.errors()) {
                out.line("  " + t.table() + ": not verified: " + t.error());
            }
        }
        out.blank();
        out.line(r.summary());
        scope(out, r.notReplicated(), "so not verified");
    }

    /**
     * What a verdict does not cover, next to it: each group with its count and (up to 10) names.
     *
     * @param consequence e.g. "so not verified"
     */
    public static void scope(Output out, List<NotReplicated> groups, String consequence) {
        if (groups.isEmpty()) {
            return;
        }
        int tables = groups.stream().filter(g -> !g.reason().equals(NotReplicated.NOT_COMPARED))
                .mapToInt(NotReplicated::count).sum();
        out.line(tables > 0 ? "Not replicated, " + consequence + ": " + tables + " table(s) of this database"
                : "Not covered by this verdict:");
        for (NotReplicated g : groups) {
            out.line("  " + g.describe(10));
        }
    }

    private static String checksumCell(VerifyReport r, TableResult t) {
        if (!r.checksum()) {
            return "not checked";
        }
        if (t.checksumMatch() == null) {
            return "";
        }
        return t.checksumMatch() ? "match" : "DIFFERS";
    }

    private static String columns(TableResult t) {
        List<String> parts = new ArrayList<>();
        List<String> left = new ArrayList<>();
        for (ComparedColumn c : t.compared()) {
            if (!c.compared()) {
                left.add(c.name() + " (" + c.originType() + " -> " + c.destinationType() + ", " + c.comparedAs()
                        + ")");
            } else if (c.typeChanged() || c.acceptedLossy()) {
                parts.add(c.name() + " (" + c.originType() + " -> " + c.destinationType() + ", "
                        + (c.acceptedLossy() ? "" : "as ") + c.comparedAs() + ")");
            } else {
                parts.add(c.name());
            }
        }
        StringBuilder sb = new StringBuilder(parts.isEmpty() ? "no compared columns: rows counted only"
                : String.join(", ", parts));
        t.originOnlyColumns().forEach(c -> left.add(c + " (origin only)"));
        t.destinationOnlyColumns().forEach(c -> left.add(c + " (destination only)"));
        if (!left.isEmpty()) {
            sb.append("; not compared: ").append(String.join(", ", left));
        }
        return sb.toString();
    }

    private static String detail(TableResult t) {
        return switch (t.status()) {
            case ROW_COUNT_DIFFERS -> "row counts differ: origin " + t.originRows() + ", destination "
                    + t.destinationRows() + " (" + signed(t.destinationRows() - t.originRows()) + ")";
            case CHECKSUM_DIFFERS -> "same row count (" + t.originRows()
                    + ") but the row checksums differ: some rows hold different values";
            case MISSING_ON_DESTINATION -> "the destination has no such table (origin has "
                    + (t.originRows() == null ? "?" : t.originRows()) + " rows)";
            case MISSING_ON_ORIGIN -> "the origin has no such table"
                    + (t.destinationRows() == null ? "" : " (destination has " + t.destinationRows() + " rows)");
            default -> t.status().label();
        };
    }

    private static String signed(long n) {
        return n > 0 ? "+" + n : Long.toString(n);
    }
}
