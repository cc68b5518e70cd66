package upshift.switchover;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.annotation.JsonInclude;

import upshift.connect.Cluster;
import upshift.migration.MigrationNames;
import upshift.report.Progress;
import upshift.schema.AcceptedLossy;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;
import upshift.switchover.Cutover.VerifyMode;
import upshift.verify.ChangedTables;
import upshift.verify.ChangedTables.Layout;
import upshift.verify.TableResult;
import upshift.verify.TableResult.Status;
import upshift.verify.Verification;
import upshift.verify.VerifyReport;

/**
 * The cutover's verification, exact (checksums) and short inside the freeze.
 *
 * <p><b>Before the freeze</b> ({@link #preCheck}), while replication streams: a temporary test_decoding slot on
 * each side, each in a session of its own ({@link ChangedTables}), then a full checksum verify of every table. Its
 * snapshots S_o and S_d are taken after both slots were consistent, so every change committed after them is in the
 * slots. <b>Inside the freeze</b> ({@link #inFreeze}), after the drain: the slots are decoded to the tables changed
 * on either side since then (the apply worker's changes on destination included); those, the ones that did not
 * match before, and those whose storage or columns changed (a rewrite leaves no decoded change) or that are
 * unlogged, are checksummed again. Every other table is proven equal: origin unchanged since S_o, destination
 * unchanged since S_d, and equal digests at S_o and S_d.
 *
 * <p>When a slot cannot be made or read (wal_level, the plugin, the role's rights, a wait for running transactions
 * that timed out, the slot lost) every table is checksummed inside the freeze, as before, and the report says why.
 * The slots live no longer than this object: closed after the verify phase, and in any case with the run.
 */
public final class FreezeVerify implements AutoCloseable {

    private static final int LISTED = 10;

    /**
     * What the verify phase did, for the report.
     *
     * @param mode                 checksum-delta (pre-check before the freeze, changed tables in it), checksum-full
     *                             (every table checksummed in the freeze), counts, none
     * @param exact                whether every value was compared (checksums): false for counts and none
     * @param tables               tables compared
     * @param preFreezeTables      tables checksummed before the freeze (checksum-delta)
     * @param preFreezeDiffering   of those, the ones that differed or could not be read then (re-verified)
     * @param reverifiedInFreeze   tables checksummed inside the freeze
     * @param provenUnchanged      tables proven equal without reading them in the freeze
     * @param changedOnOrigin      verified tables the origin slot decoded a change for after the pre-check
     * @param changedOnDestination the same on destination (the apply worker's changes included)
     * @param definitionChanged    verified tables whose storage or columns changed since the pre-check, or unlogged
     * @param slots                the temporary slots used, "role: name"
     * @param fallbackReason       why every table was checksummed in the freeze (checksum-full)
     * @param note                 what the mode does not see (counts, none)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Outcome(String mode, boolean exact, int tables, Integer preFreezeTables,
            List<QualifiedName> preFreezeDiffering, List<QualifiedName> reverifiedInFreeze,
            List<QualifiedName> provenUnchanged, List<QualifiedName> changedOnOrigin,
            List<QualifiedName> changedOnDestination, List<QualifiedName> definitionChanged,
            List<String> slots, String fallbackReason, Double preFreezeSeconds, Double inFreezeSeconds,
            String note) {
    }

    /** The verify phase's comparison (every table) and its one-line account. */
    record InFreeze(VerifyReport report, String detail) {
    }

    private final Cluster origin;
    private final Cluster destination;
    private final Progress out;
    private final VerifyMode mode;
    private final String slotName;
    /** How long creating a slot may wait for the transactions running on its server. */
    private final Duration slotTimeout;
    /** Columns compared as the destination converts them (--accept-lossy). */
    private final AcceptedLossy accepted;
    private ChangedTables onOrigin;
    private ChangedTables onDestination;
    private VerifyReport pre;
    private Map<QualifiedName, Layout> preOrigin;
    private Map<QualifiedName, Layout> preDestination;
    private Double preSeconds;
    private String fallbackReason;
    private Outcome outcome;

    FreezeVerify(Cluster origin, Cluster destination, MigrationNames names, Progress out, VerifyMode mode,
            Duration slotTimeout, AcceptedLossy accepted) {
        this.slotTimeout = slotTimeout;
        this.accepted = accepted == null ? AcceptedLossy.NONE : accepted;
        this.origin = origin;
        this.destination = destination;
        this.out = out;
        this.mode = mode;
        // a name of its own per run (lower case, digits, underscores; within 63 bytes by MigrationNames' limit)
        this.slotName = names.name() + "_verify_"
                + String.format(Locale.ROOT, "%06x", ThreadLocalRandom.current().nextInt(1 << 24));
    }

    /** The slots' name (the same on both servers). */
    String slotName() {
        return slotName;
    }

    /** What the verify phase did; null before it ran. */
    Outcome outcome() {
        return outcome;
    }

    /**
     * Before the freeze: slots on both sides, then a checksum of every table. Returns the phase's detail. With
     * {@code frozenSince} (a resume: writes are already frozen) there is nothing to gain: every table is
     * checksummed in the freeze.
     */
    String preCheck(List<QualifiedName> tables, String frozenSince) {
        if (frozenSince != null) {
            fallbackReason = "resumed with writes frozen since " + frozenSince + ": the pre-check's temporary slots"
                    + " ended with the run that made them, so every table is checksummed inside the freeze";
            return "skipped: " + fallbackReason;
        }
        long started = System.nanoTime();
        try {
            onOrigin = ChangedTables.start(origin, slotName, slotTimeout);
            onDestination = ChangedTables.start(destination, slotName, slotTimeout);
            preOrigin = onOrigin.layouts(tables);
            preDestination = onDestination.layouts(tables);
        } catch (ChangedTables.Unavailable e) {
            fallBack(e.getMessage());
            return "skipped, every table will be checksummed inside the freeze: " + fallbackReason;
        }
        out.note("  pre-verify: temporary slots " + slotName + " (test_decoding) on origin and destination;"
                + " checksumming " + tables.size() + " table(s) while replication streams ...");
        pre = Verification.run(origin, destination, tables, true, accepted, listener("pre-verify"));
        preSeconds = seconds(started);
        List<TableResult> unequal = notEqual(pre);
        return "temporary slots " + slotName + " (test_decoding) on origin and destination, each in a session of"
                + " its own; " + tables.size() + " table(s) checksummed before the freeze: "
                + (unequal.isEmpty() ? "all equal"
                        : (tables.size() - unequal.size()) + " equal, " + unequal.size() + " not yet "
                                + list(names(unequal)) + " (checked again in the freeze)");
    }

    /**
     * The pre-check's differences that are real, not changes in flight: tables that differed (rows or checksum)
     * although, once {@code appliedUpToNow} confirms the subscriber applied everything committed so far, neither
     * slot decoded a change to them since it was created (before either side's snapshot), and their storage and
     * columns did not change (and they are logged: an unlogged table's writes are not decoded). Both sides are
     * then as they were at their snapshots, so the digests that differed are the tables as they are. Empty when
     * this cannot be known (no pre-check, a slot lost, the subscriber not caught up): the freeze checks again.
     */
    List<TableResult> stableDifferences(BooleanSupplier appliedUpToNow) {
        if (pre == null) {
            return List.of();
        }
        List<TableResult> differing = pre.tables().stream().filter(r -> r.status() == Status.CHECKSUM_DIFFERS
                || r.status() == Status.ROW_COUNT_DIFFERS).toList();
        if (differing.isEmpty() || !appliedUpToNow.getAsBoolean()) {
            return List.of();
        }
        List<QualifiedName> names = differing.stream().map(TableResult::table).toList();
        try {
            onOrigin.collect();
            onDestination.collect();
            if (!onOrigin.unreadable().isEmpty() || !onDestination.unreadable().isEmpty()) {
                return List.of();
            }
            Set<QualifiedName> changedO = onOrigin.changedWithAncestors();
            Set<QualifiedName> changedD = onDestination.changedWithAncestors();
            Map<QualifiedName, Layout> nowO = onOrigin.layouts(names);
            Map<QualifiedName, Layout> nowD = onDestination.layouts(names);
            return differing.stream().filter(r -> !changedO.contains(r.table()) && !changedD.contains(r.table())
                    && sameLayout(preOrigin.get(r.table()), nowO.get(r.table()))
                    && sameLayout(preDestination.get(r.table()), nowD.get(r.table()))).toList();
        } catch (ChangedTables.Unavailable e) {
            fallBack(e.getMessage());
            return List.of();
        }
    }

    /** The confirmation prompt's line about verification. */
    String planLine(int tables) {
        return switch (mode) {
            case NONE -> "No verification (--verify none): nothing is compared before the point of no return.";
            case COUNTS -> "Verification: row counts of " + tables + " table(s) in the freeze (--verify counts: not"
                    + " exact, values are not compared).";
            case CHECKSUM -> pre != null
                    ? "Verification: " + pre.summary() + " before the freeze; in the freeze only the tables"
                            + " changed since are checksummed again."
                    : "Verification: every table is checksummed inside the freeze (" + fallbackReason + ").";
        };
    }

    /**
     * Just before the freeze: consumes what the slots hold by now, so that the freeze decodes only what comes
     * after. A lost slot makes the verify phase fall back.
     */
    void catchUp() {
        if (pre == null) {
            return;
        }
        try {
            onOrigin.collect();
            onDestination.collect();
        } catch (ChangedTables.Unavailable e) {
            fallBack(e.getMessage());
        }
    }

    /** Inside the freeze, after the drain: compares every table, reading only what may have changed. */
    InFreeze inFreeze(List<QualifiedName> tables) {
        long started = System.nanoTime();
        if (pre != null) {
            try {
                return delta(tables, started);
            } catch (ChangedTables.Unavailable e) {
                fallBack(e.getMessage());
            }
        }
        VerifyReport report = Verification.run(origin, destination, tables, true, accepted, listener("verify"));
        outcome = new Outcome("checksum-full", true, tables.size(), null, null, tableNames(report.tables()), List.of(),
                null, null, null, null, fallbackReason, null, seconds(started), null);
        String verdict = report.equal() ? tables.size() + " table(s) equal" : report.summary();
        return new InFreeze(report, verdict + " (checksum of every table inside the freeze: " + fallbackReason + ")");
    }

    private InFreeze delta(List<QualifiedName> tables, long started) throws ChangedTables.Unavailable {
        // each side's slot session is read on a thread of its own: the round trips of the two sides overlap
        Decoded o;
        Decoded d;
        ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "upshift-freeze-verify");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<Decoded> originSide = threads.submit(() -> decode(onOrigin, tables));
            Future<Decoded> destinationSide = threads.submit(() -> decode(onDestination, tables));
            o = decoded(originSide);
            d = decoded(destinationSide);
        } finally {
            threads.shutdownNow();
        }
        if (!o.unreadable().isEmpty() || !d.unreadable().isEmpty()) {
            List<String> lines = new ArrayList<>(o.unreadable());
            lines.addAll(d.unreadable());
            throw new ChangedTables.Unavailable("a decoded change names no relation upshift can read: " + lines, null);
        }
        Set<QualifiedName> originChanged = o.changed();
        Set<QualifiedName> destinationChanged = d.changed();
        Map<QualifiedName, Layout> nowOrigin = o.layouts();
        Map<QualifiedName, Layout> nowDestination = d.layouts();
        List<String> slots = List.of("origin: " + onOrigin.slot() + " from " + onOrigin.startLsn(),
                "destination: " + onDestination.slot() + " from " + onDestination.startLsn());
        closeSlots(); // everything needed is read: the slots hold nothing past this point

        Map<QualifiedName, TableResult> before = new HashMap<>();
        pre.tables().forEach(r -> before.put(r.table(), r));
        List<QualifiedName> differedBefore = new ArrayList<>();
        List<QualifiedName> onO = new ArrayList<>();
        List<QualifiedName> onD = new ArrayList<>();
        List<QualifiedName> definition = new ArrayList<>();
        Set<QualifiedName> again = new LinkedHashSet<>();
        for (QualifiedName t : tables) {
            TableResult r = before.get(t);
            if (r == null || r.status() != Status.EQUAL) {
                differedBefore.add(t);
                again.add(t);
            }
            if (originChanged.contains(t)) {
                onO.add(t);
                again.add(t);
            }
            if (destinationChanged.contains(t)) {
                onD.add(t);
                again.add(t);
            }
            if (!sameLayout(preOrigin.get(t), nowOrigin.get(t))
                    || !sameLayout(preDestination.get(t), nowDestination.get(t))) {
                definition.add(t);
                again.add(t);
            }
        }
        List<QualifiedName> reverify = tables.stream().filter(again::contains).toList();
        List<QualifiedName> proven = tables.stream().filter(t -> !again.contains(t)).toList();
        VerifyReport fresh = reverify.isEmpty() ? null
                : Verification.run(origin, destination, reverify, true, accepted, listener("verify"));
        Map<QualifiedName, TableResult> now = new LinkedHashMap<>();
        if (fresh != null) {
            fresh.tables().forEach(r -> now.put(r.table(), r));
        }
        List<TableResult> combined = new ArrayList<>();
        for (QualifiedName t : tables) {
            combined.add(now.containsKey(t) ? now.get(t) : before.get(t));
        }
        double inFreeze = seconds(started);
        VerifyReport report = new VerifyReport(true, "given", combined, inFreeze);
        outcome = new Outcome("checksum-delta", true, tables.size(), pre.tables().size(), List.copyOf(differedBefore),
                List.copyOf(reverify), List.copyOf(proven), List.copyOf(onO), List.copyOf(onD), List.copyOf(definition),
                slots, null,
                preSeconds, inFreeze, null);
        String verdict = report.equal() ? tables.size() + " table(s) equal (checksum, exact)" : report.summary();
        List<String> why = new ArrayList<>();
        if (!onO.isEmpty()) {
            why.add("changed on origin " + list(strings(onO)));
        }
        if (!onD.isEmpty()) {
            why.add("changed on destination " + list(strings(onD)));
        }
        if (!differedBefore.isEmpty()) {
            why.add("not equal before the freeze " + list(strings(differedBefore)));
        }
        if (!definition.isEmpty()) {
            why.add("storage or columns changed, or unlogged " + list(strings(definition)));
        }
        return new InFreeze(report, verdict + ": " + reverify.size() + " re-verified in the freeze"
                + (why.isEmpty() ? "" : " (" + String.join("; ", why) + ")") + ", " + proven.size()
                + " proven unchanged since the pre-check (no change decoded by slots " + slotName + " on either side,"
                + " same definitions, equal checksums before)");
    }

    /** What one side's slot session read in the freeze. */
    private record Decoded(List<String> unreadable, Set<QualifiedName> changed, Map<QualifiedName, Layout> layouts) {
    }

    private static Decoded decode(ChangedTables side, List<QualifiedName> tables) throws ChangedTables.Unavailable {
        side.collect();
        if (!side.unreadable().isEmpty()) {
            return new Decoded(side.unreadable(), Set.of(), Map.of());
        }
        return new Decoded(List.of(), side.changedWithAncestors(), side.layouts(tables));
    }

    /** The side's answer; its Unavailable as such (the caller falls back), anything else as it came. */
    private static Decoded decoded(Future<Decoded> side) throws ChangedTables.Unavailable {
        try {
            return side.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChangedTables.Unavailable("interrupted while reading the slots", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ChangedTables.Unavailable u) {
                throw u;
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new ChangedTables.Unavailable("cannot read the slots: " + e.getCause(), e.getCause());
        }
    }

    /** Equal and logged on both reads (an unlogged table's changes are not decoded: never proven). */
    private static boolean sameLayout(Layout before, Layout now) {
        if (before == null && now == null) {
            return true; // missing on that side both times: the comparison reported it already
        }
        return before != null && now != null && before.logged() && Objects.equals(before, now);
    }

    /** What the dry-run plan prints for the pre-check and for the verify phase, and the script's comments. */
    String dryRunPreCheck(int tables) {
        return "would create a temporary test_decoding slot " + slotName + " on origin and on destination (each"
                + " in a session of its own, waiting at most " + slotTimeout.toSeconds() + " s for running"
                + " transactions) and checksum all " + tables + " table(s) before the freeze";
    }

    static String dryRunScript(String slot) {
        return "-- verify, before the freeze, in a session of its own: SELECT * FROM"
                + " pg_create_logical_replication_slot(" + Sql.literal(slot) + ", 'test_decoding', true);"
                + " then checksum every table (verify --checksum)";
    }

    static String dryRunFreezeScript(String slot) {
        return "-- verify, inside the freeze, in that session: SELECT DISTINCT data FROM"
                + " pg_logical_slot_get_changes(" + Sql.literal(slot) + ", NULL, NULL) WHERE data LIKE 'table %'"
                + " gives the tables changed since; only those are checksummed again; then"
                + " SELECT pg_drop_replication_slot(" + Sql.literal(slot) + ")";
    }

    static String dryRunVerify(int tables) {
        return "would checksum again, inside the freeze, only the tables of " + tables + " that changed on either"
                + " side since the pre-check (decoded from the slots) or did not match in it; every table when a"
                + " slot cannot be made; the slots would be dropped then";
    }

    /** counts and none: the report says that verification is not exact. */
    void notExact(int tables, boolean counted) {
        outcome = new Outcome(counted ? "counts" : "none", false, counted ? tables : 0, null, null, null, null,
                null, null, null, null, null, null, null, counted
                        ? "row counts only: a changed value in a row that exists on both sides passes"
                        : "nothing compared (--verify none)");
    }

    void plannedOutcome(int tables) {
        outcome = new Outcome(mode == VerifyMode.CHECKSUM ? "checksum-delta" : mode.name().toLowerCase(Locale.ROOT),
                mode == VerifyMode.CHECKSUM, tables, null, null, null, null, null, null, null,
                mode == VerifyMode.CHECKSUM ? List.of("origin: " + slotName, "destination: " + slotName) : null,
                null, null, null, "planned (dry run)");
    }

    private void fallBack(String reason) {
        fallbackReason = reason;
        pre = null;
        closeSlots();
        out.note("  verify: " + reason + "; every table will be checksummed inside the freeze");
    }

    /** Drops both slots at once (each on its own session: a round trip each, overlapping). */
    private void closeSlots() {
        ChangedTables o = onOrigin;
        ChangedTables d = onDestination;
        onOrigin = null;
        onDestination = null;
        if (o != null && d != null) {
            Thread other = new Thread(o::close, "upshift-freeze-verify-close");
            other.setDaemon(true);
            other.start();
            d.close();
            try {
                other.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else if (o != null) {
            o.close();
        } else if (d != null) {
            d.close();
        }
    }

    /** Drops the slots and closes their sessions (idempotent). */
    @Override
    public void close() {
        closeSlots();
    }

    private Verification.Listener listener(String phase) {
        return new Verification.Listener() {
            @Override
            public void statement(String role, String sql) {
                out.statement(role, sql);
            }

            @Override
            public void tableDone(String role, QualifiedName table, Long rows, double seconds, String error) {
                if (out.verbose()) {
                    out.note(String.format(Locale.ROOT, "  %s: %s %s %s in %.1f s", phase, role, table,
                            error != null ? "FAILED: " + error : rows + " rows", seconds));
                }
            }
        };
    }

    private static List<TableResult> notEqual(VerifyReport report) {
        return report.tables().stream().filter(r -> r.status() != Status.EQUAL).toList();
    }

    private static List<String> names(List<TableResult> results) {
        return results.stream().map(r -> r.table().toString()).toList();
    }

    private static List<QualifiedName> tableNames(List<TableResult> results) {
        return results.stream().map(TableResult::table).toList();
    }

    private static List<String> strings(List<QualifiedName> tables) {
        return tables.stream().map(QualifiedName::toString).toList();
    }

    private static String list(List<String> names) {
        return "[" + String.join(", ", names.size() <= LISTED ? names : names.subList(0, LISTED))
                + (names.size() > LISTED ? ", ... " + (names.size() - LISTED) + " more" : "") + "]";
    }

    private static double seconds(long startedNanos) {
        return Math.round((System.nanoTime() - startedNanos) / 1e6) / 1e3;
    }
}
