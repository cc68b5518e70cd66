package upshift.sequences;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import upshift.sql.QualifiedName;

/**
 * The --json result of sync-sequences (and its --check): per sequence origin's value, destination's before and
 * after, the action; counts per action; and how long reading and writing took.
 *
 * @param mode      {@code sync}, {@code dry-run} or {@code check}
 * @param inSync    destination needs nothing (nothing behind, missing or in error) — after this run for a sync
 * @param counts    entries per action, keyed by the action in camelCase ({@code alreadyAhead})
 * @param sequences every origin sequence, in schema/name order
 */
public record SequenceReport(String mode, boolean inSync, long margin, List<String> excludes,
        Map<String, Integer> counts, Timing timing, List<Item> sequences) {

    /**
     * One origin sequence. Values are null where unknown (excluded, missing, unreadable).
     *
     * @param destinationSequence the destination sequence's name when it differs (matched by owning column)
     * @param destinationAfter    what destination holds after this run (= before unless it was set; under
     *                            --dry-run and --check, what it would hold)
     */
    public record Item(QualifiedName sequence, QualifiedName destinationSequence, String action, String originType,
            String destinationType, Long originLastValue, Boolean originIsCalled, Long destinationBeforeLastValue,
            Boolean destinationBeforeIsCalled, Long destinationAfterLastValue, Boolean destinationAfterIsCalled,
            String problem) {
    }

    /** Seconds and round trips of each phase. */
    public record Timing(double originReadSeconds, int originRoundTrips, double destinationReadSeconds,
            int destinationRoundTrips, double writeSeconds, int writeStatements) {
    }

    public static SequenceReport of(SequencePlan plan, SequencePlan.Applied applied, String mode) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (SequenceAction a : SequenceAction.values()) {
            int n = plan.withAction(a).size();
            if (n > 0) {
                counts.put(camelCase(a.label()), n);
            }
        }
        List<Item> items = plan.entries().stream().map(SequenceReport::item).toList();
        boolean inSync = "sync".equals(mode)
                ? plan.errors().isEmpty() && plan.missingOnDestination().isEmpty()
                : plan.inSync();
        Timing timing = new Timing(round(plan.originRead().millis()), plan.originRead().roundTrips(),
                round(plan.destinationRead().millis()), plan.destinationRead().roundTrips(),
                applied == null ? 0 : round(applied.millis()), applied == null ? 0 : applied.statements());
        return new SequenceReport(mode, inSync, plan.margin(), plan.excludes(), counts, timing, items);
    }

    private static Item item(SequencePlan.Entry e) {
        SequenceState o = e.originState();
        SequenceState before = e.destinationBefore();
        SequenceState after = e.target() != null ? e.target() : before;
        return new Item(e.name(),
                e.destination() != null && e.matchedByColumn() ? e.destination().name() : null,
                e.action().label(), e.origin().type(), e.destination() == null ? null : e.destination().type(),
                o == null ? null : o.lastValue(), o == null ? null : o.isCalled(),
                before == null ? null : before.lastValue(), before == null ? null : before.isCalled(),
                after == null ? null : after.lastValue(), after == null ? null : after.isCalled(), e.problem());
    }

    /** Milliseconds as seconds, to the tenth of a millisecond. */
    private static double round(double millis) {
        return Math.round(millis * 10) / 10_000.0;
    }

    /** {@code already-ahead} as a JSON key: {@code alreadyAhead}. */
    static String camelCase(String kebab) {
        StringBuilder key = new StringBuilder();
        boolean upper = false;
        for (char c : kebab.toCharArray()) {
            if (c == '-') {
                upper = true;
            } else {
                key.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return key.toString();
    }
}
