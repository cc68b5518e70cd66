package upshift.sequences;

import java.util.List;
import java.util.Locale;

import upshift.report.Output;
import upshift.report.Table;

/** sync-sequences' human output: what was (or would be) set, what is missing or wrong, and the timings. */
public final class SequenceView {

    /** Rows a table shows before "... and N more" (all with -v; --json always lists every sequence). */
    static final int MAX_ROWS = 50;

    private SequenceView() {
    }

    /** The sync (or --dry-run) report. Under --dry-run only notes (stderr): stdout carries the script. */
    public static void printSync(Output out, SequencePlan plan, SequencePlan.Applied applied) {
        if (!applied.dryRun() && !plan.toSet().isEmpty()) {
            Table table = Table.of("sequence", "origin", "destination before", "destination after", "types");
            List<SequencePlan.Entry> rows = shown(out, plan.toSet());
            rows.forEach(e -> table.row(e.name() + renamed(e), e.originState(), e.destinationBefore(), e.target(),
                    types(e)));
            out.table(table);
            more(out, plan.toSet().size() - rows.size());
        }
        if (plan.toSet().isEmpty()) {
            out.note("Nothing to set: " + summary(plan) + ".");
        } else {
            out.note((applied.dryRun() ? "Would set " : "Set ") + plan.toSet().size() + " sequence(s); "
                    + summary(plan) + ".");
        }
        out.note(timing(plan, applied));
    }

    /** The --check report: every sequence behind, missing or in error. */
    public static void printCheck(Output out, SequencePlan plan) {
        List<SequencePlan.Entry> behind = plan.withAction(SequenceAction.SET);
        if (!behind.isEmpty()) {
            Table table = Table.of("behind on destination", "origin", "destination", "would become");
            List<SequencePlan.Entry> rows = shown(out, behind);
            rows.forEach(e -> table.row(e.name() + renamed(e), e.originState(), e.destinationBefore(), e.target()));
            out.table(table);
            more(out, behind.size() - rows.size());
        }
        if (plan.inSync()) {
            out.line("In sync: every destination sequence is at or ahead of origin"
                    + (plan.margin() > 0 ? " + " + plan.margin() : "") + " (" + summary(plan) + ").");
        } else {
            out.line("Not in sync: " + behind.size() + " sequence(s) behind; " + summary(plan) + ".");
        }
        out.note(timing(plan, null));
    }

    /**
     * One warning line (stderr, also under --json) per sequence missing on destination and per sequence in error,
     * and a note per sequence matched by its owning column.
     */
    public static void warnings(Output out, SequencePlan plan) {
        plan.withAction(SequenceAction.MISSING_ON_DESTINATION).forEach(e -> out.warn("sequence " + e.name()
                + " exists on origin only: not synced (create it on destination, or --exclude it)"));
        plan.errors().forEach(e -> out.warn("sequence " + e.name() + ": " + e.action() + ": " + e.problem()));
        plan.entries().stream().filter(e -> e.matchedByColumn() && e.action() == SequenceAction.SET).forEach(e ->
                out.note("sequence " + e.name() + " has no namesake on destination; using "
                        + e.destination().name() + ", owned by the same column " + e.origin().ownedBy()));
    }

    private static String summary(SequencePlan plan) {
        StringBuilder s = new StringBuilder();
        s.append(plan.withAction(SequenceAction.ALREADY_AHEAD).size()).append(" already at or ahead of origin");
        if (plan.margin() > 0) {
            s.append(" + ").append(plan.margin());
        }
        int excluded = plan.withAction(SequenceAction.EXCLUDED).size();
        if (excluded > 0) {
            s.append(", ").append(excluded).append(" excluded");
        }
        int missing = plan.missingOnDestination().size();
        if (missing > 0) {
            s.append(", ").append(missing).append(" missing on destination");
        }
        int errors = plan.errors().size();
        if (errors > 0) {
            s.append(", ").append(errors).append(" in error");
        }
        return s.toString();
    }

    private static String timing(SequencePlan plan, SequencePlan.Applied applied) {
        String read = String.format(Locale.ROOT, "read %d origin sequence(s) in %d round trip(s) (%.0f ms),"
                + " %d destination sequence(s) in %d (%.0f ms)", plan.originRead().sequences().size(),
                plan.originRead().roundTrips(), plan.originRead().millis(), plan.destinationRead().sequences().size(),
                plan.destinationRead().roundTrips(), plan.destinationRead().millis());
        if (applied == null || applied.dryRun() || applied.statements() == 0) {
            return read;
        }
        return read + String.format(Locale.ROOT, "; wrote %d in %d statement(s) (%.0f ms)", applied.sequencesSet(),
                applied.statements(), applied.millis());
    }

    private static List<SequencePlan.Entry> shown(Output out, List<SequencePlan.Entry> entries) {
        return out.verbose() || entries.size() <= MAX_ROWS ? entries : entries.subList(0, MAX_ROWS);
    }

    private static void more(Output out, int hidden) {
        if (hidden > 0) {
            out.line("... and " + hidden + " more (-v shows all, --json lists every sequence)");
        }
    }

    private static String renamed(SequencePlan.Entry e) {
        return e.matchedByColumn() ? " -> " + e.destination().name() : "";
    }

    private static String types(SequencePlan.Entry e) {
        return e.origin().type().equals(e.destination().type()) ? e.origin().type()
                : e.origin().type() + " -> " + e.destination().type();
    }
}
