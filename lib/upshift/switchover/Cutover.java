package upshift.switchover;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonInclude;

import upshift.ExitCode;
import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.migration.CutoverRecord;
import upshift.migration.Direction;
import upshift.migration.MigrationLock;
import upshift.migration.MigrationNames;
import upshift.migration.Publications;
import upshift.migration.PublishedTables;
import upshift.migration.ReplicationSlot;
import upshift.migration.Subscription;
import upshift.report.Progress;
import upshift.rollback.RollbackReadiness;
import upshift.rollback.RollbackReplication;
import upshift.schema.AcceptedLossy;
import upshift.sequences.SequencePlan;
import upshift.sequences.SequenceSync;
import upshift.sql.QualifiedName;
import upshift.sql.Queries;
import upshift.sql.Sql;
import upshift.sql.StatementRunner;
import upshift.subscription.ConnectionClause;
import upshift.subscription.SubscriptionOptions;
import upshift.switchover.WriteFreeze.Mode;
import upshift.verify.TableResult;
import upshift.verify.Verification;
import upshift.verify.VerifyReport;

/**
 * The write-freeze window, in either direction. Switchover drains the forward replication (origin frozen, destination
 * becomes the primary, rollback replication starts); switchback drains the rollback replication (destination frozen,
 * origin the primary again, forward replication optionally restarted).
 *
 * <p>The order makes one step the point of no return and puts everything that can fail before it:
 * <ol>
 * <li>check: the drained subscription is healthy, nothing blocks the freeze, and the way back is ready (rights, a
 * real replication connection from the old primary's server, column rules) — nothing is frozen yet;</li>
 * <li>before the freeze, after the confirmation: the way back's publication and subscription, disabled and with no
 * slot yet, and (hard freeze) the triggers armed, letting writes through; a failure of the freeze undoes both;</li>
 * <li>freeze the old primary's writes (hard: one transaction locks the tables and switches the armed triggers to
 * reject; soft: read-only roles; none);</li>
 * <li>drain to a WAL marker; sync sequences; verify;</li>
 * <li>prepare: disable the drained subscription, prove from its slot that no write reached the old primary after
 * the freeze, and create the way back's slot now, after the last applied change, so no change loops, naming it on
 * the prepared subscription; any failure here re-enables the drained subscription;</li>
 * <li>drop the drained subscription — the point of no return — and lift any freeze upshift left on the new
 * primary;</li>
 * <li>start the way back and prove it streams.</li>
 * </ol>
 * Every phase is idempotent; what has happened is read from the servers and from a {@link CutoverRecord} on the old
 * primary, so a re-run after a crash or Ctrl-C continues, and {@link #abort} undoes exactly what was done up to the
 * point of no return. A migration lock on both servers keeps a second operator out.
 */
public final class Cutover {

    /** The phases, in order. Labels depend on the direction drained. */
    public enum Phase {
        CHECK, PRE_VERIFY, FREEZE, DRAIN, SEQUENCES, VERIFY, PREPARE, DROP, START;

        public String label(Direction drained) {
            return switch (this) {
                case PRE_VERIFY -> "pre-verify";
                case PREPARE -> "prepare-" + drained.opposite().label();
                case DROP -> "drop-" + drained.label();
                case START -> drained.opposite().label();
                default -> name().toLowerCase(Locale.ROOT);
            };
        }

        public static Phase parse(String label, Direction drained) {
            for (Phase p : values()) {
                if (p.label(drained).equals(label)) {
                    return p;
                }
            }
            List<String> labels = new ArrayList<>();
            for (Phase p : values()) {
                labels.add(p.label(drained));
            }
            throw UpshiftException.usage("unknown phase \"" + label + "\"", "phases: " + String.join(", ", labels));
        }
    }

    public enum VerifyMode { NONE, COUNTS, CHECKSUM }

    /**
     * How to cut over.
     *
     * @param startReverse    set up and start the way back (switchover: rollback, default on; switchback: the
     *                        forward replication again, --restart-forward)
     * @param reverseConninfo how the old primary's server reaches the new one, for the way back's subscription
     * @param stopAfter       null: run to the end; otherwise stop, resumable, after that phase
     * @param verifyWait      with --verify checksum: how long creating each temporary slot may wait for the
     *                        transactions running on its server before verification falls back to checksumming
     *                        every table inside the freeze
     * @param acceptedLossy   columns whose change of values in the new model is intended (--accept-lossy):
     *                        compared as the destination converts them
     */
    public record Settings(Mode freeze, List<String> appRoles, long maxLagBytes, Duration drainTimeout,
            VerifyMode verify, long sequenceMargin, List<String> sequenceExcludes, boolean startReverse,
            Phase stopAfter, String reverseConninfo, Duration healthTimeout, Duration verifyWait,
            AcceptedLossy acceptedLossy) {
    }

    public record PhaseResult(String phase, String status, double seconds, String detail) {
    }

    /**
     * @param outcome             "switched over", "switched back", "already complete", "stopped after PHASE",
     *                            "aborted", "dry run"
     * @param freezeWindowSeconds from the freeze (by the old primary's clock, across resumes) until the new primary
     *                            was ready; null when it did not get there
     * @param destinationReady    switchover: whether the application may now write on destination
     * @param originReady         switchback: whether the application may now write on origin
     * @param reverseStreaming    whether the way back was proven streaming (null when not started)
     * @param verification        how the verify phase compared the tables (null when it did not run)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Report(String migration, String step, String outcome, List<PhaseResult> phases,
            Double freezeWindowSeconds, Boolean destinationReady, Boolean originReady, Boolean reverseStreaming,
            FreezeVerify.Outcome verification, List<String> warnings) {

        /** Exit 3 when the new primary is ready but the way back could not be proven. */
        public int exitCode() {
            return Boolean.FALSE.equals(reverseStreaming) ? ExitCode.CHECK_FAILED : ExitCode.OK;
        }
    }

    private static final String PREPARED_XACTS = """
            SELECT gid, owner::text FROM pg_catalog.pg_prepared_xacts WHERE database = current_database() ORDER BY 1
            """;

    private static final String PUBLICATION_OWNED = """
            SELECT pg_catalog.pg_has_role(p.pubowner, 'USAGE') FROM pg_catalog.pg_publication p WHERE p.pubname = ?
            """;

    private static final String NOW_UTC = """
            SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
            """;

    private static final String SECONDS_SINCE = """
            SELECT extract(epoch FROM clock_timestamp() - ?::timestamptz)::float8
            """;

    /** How many walsenders serve the subscription, and whether they decoded past the marker (null: not visible). */
    private static final String WALSENDER_PASSED = """
            SELECT count(*)::int, bool_or(sent_lsn >= ?::pg_lsn)
              FROM pg_catalog.pg_stat_replication WHERE application_name = ?
            """;

    /** Whether upshift's own role may create a replication slot with pg_create_logical_replication_slot. */
    private static final String MAY_CREATE_SLOT = """
            SELECT r.rolsuper OR r.rolreplication OR EXISTS (
                     SELECT 1 FROM pg_catalog.pg_roles g
                      WHERE g.rolname = 'rds_replication' AND pg_catalog.pg_has_role(r.oid, g.oid, 'MEMBER'))
              FROM pg_catalog.pg_roles r WHERE r.rolname = current_user
            """;

    private static final String LOCK_TIMEOUT = "10s";
    private static final int FREEZE_ATTEMPTS = 3;
    private static final Duration SLOT_RELEASE = Duration.ofSeconds(30);

    private final Direction drained;
    private final Direction reverse;
    private final String step;
    private final Cluster origin;
    private final Cluster destination;
    /** The old primary: the drained publication, its slot and the freeze live here. */
    private final Cluster frozen;
    /** The new primary: the drained subscription lives here. */
    private final Cluster target;
    private final MigrationNames names;
    private final StatementRunner runner;
    private final Progress out;
    private final List<PhaseResult> phases = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    /** The verification's slots and pre-check: lives for one run at most. */
    private FreezeVerify verifier;
    /** Hard freeze: the published tables this role may lock (armed before the freeze); null until armed. */
    private List<QualifiedName> lockable;
    /** Hard freeze: what arming did, for the freeze phase's detail. */
    private String armedNote;
    /** The sequences' sessions beside the drain; null when they are synced after it. */
    private SequencesAlongside sequencesAlongside;
    /** --verify counts: the comparison planned before the freeze (the tables' kinds read then). */
    private Verification.Planned counts;
    /** Under --dry-run: the tables the script arms before the freeze. */
    private List<QualifiedName> armedInDryRun = List.of();
    /** The way back was prepared before the freeze with no slot: the freeze only creates the slot and names it. */
    private boolean wayBackEarly;
    /** What preparing the way back before the freeze did, for the prepare phase's detail. */
    private String wayBackEarlyNote;
    /** What this run created before the freeze, undone when the freeze fails. */
    private boolean createdReversePublication;
    private boolean createdReverseSubscription;

    private Cutover(Direction drained, String step, Cluster origin, Cluster destination, MigrationNames names,
            StatementRunner runner, Progress out) {
        this.drained = drained;
        this.reverse = drained.opposite();
        this.step = step;
        this.origin = origin;
        this.destination = destination;
        this.frozen = drained.publisher(origin, destination);
        this.target = drained.subscriber(origin, destination);
        this.names = names;
        this.runner = runner;
        this.out = out;
    }

    /** origin → destination: drains the forward replication, starts the rollback one. */
    public static Cutover switchover(Cluster origin, Cluster destination, MigrationNames names,
            StatementRunner runner, Progress out) {
        return new Cutover(Direction.FORWARD, "switchover", origin, destination, names, runner, out);
    }

    /** destination → origin: drains the rollback replication, may restart the forward one. */
    public static Cutover switchback(Cluster origin, Cluster destination, MigrationNames names,
            StatementRunner runner, Progress out) {
        return new Cutover(Direction.ROLLBACK, "switchback", origin, destination, names, runner, out);
    }

    /** What the confirmation prompt shows before anything is frozen. */
    public record Plan(String step, String frozenServer, String newPrimary, Mode freeze, List<String> roles,
            int tables, String pointOfNoReturn, String verification) {

        /** The confirmation question: what will be frozen, how, and where the point of no return is. */
        public String describe() {
            String how = switch (freeze) {
                case HARD -> "every write to its " + tables + " published table(s) is rejected (triggers), whatever"
                        + " the role; replication's apply workers are not affected";
                case SOFT -> "these roles become read-only in this database and their sessions end: "
                        + (roles.isEmpty() ? "(none found)" : String.join(", ", roles));
                case NONE -> "nothing is frozen (--freeze none: the application must already be stopped)";
            };
            return step + ": what happens now\n"
                    + "  1. freeze " + frozenServer + ": " + how + ".\n"
                    + "  2. drain the replication to " + newPrimary + ", sync the sequences"
                    + (verification == null ? "" : "; " + verification) + ".\n"
                    + "  3. point of no return: " + pointOfNoReturn + ". Until then " + step
                    + " --abort undoes it all (the freeze lifted); after it " + newPrimary + " is the primary.";
        }
    }

    /**
     * Runs (or resumes) the cutover. {@code confirm} sees the plan after the checks, before anything is frozen, and
     * throws to refuse.
     */
    public Report run(Settings s, java.util.function.Consumer<Plan> confirm) throws SQLException {
        try {
            return runPhases(s, confirm);
        } finally {
            if (verifier != null) {
                verifier.close(); // the temporary slots and their sessions never outlive the run
            }
            if (sequencesAlongside != null) {
                sequencesAlongside.close();
            }
        }
    }

    private Report runPhases(Settings s, java.util.function.Consumer<Plan> confirm) throws SQLException {
        MigrationLock.acquire(frozen, names, step);
        MigrationLock.acquire(target, names, step);
        Optional<Subscription> sub = Subscription.find(target.connection(), drained.subscription(names));
        Optional<CutoverRecord> record = record();
        if (sub.isEmpty()) {
            return resumeAfterDrop(s, record);
        }
        if (record.map(r -> r.reached(CutoverRecord.DONE)).orElse(false)) {
            record = Optional.empty(); // a finished earlier cutover's record: this is a new attempt
        }
        // once drained, upshift keeps the drained subscription disabled (record stage drained): a write that slips
        // past the freeze later, however long the operator pauses, then stays in its slot for the leak check
        boolean disabled = !sub.get().enabled() && record.map(r -> r.reached(CutoverRecord.DRAINED)).orElse(false);
        boolean prepared = disabled && record.get().reached(CutoverRecord.PREPARED);
        if (disabled) {
            out.note("resuming: " + step + " had frozen " + frozen.role() + " and disabled "
                    + drained.subscription(names) + " itself");
        }
        List<QualifiedName> tables = check(s, sub.get(), disabled, prepared);
        if (stop(s, Phase.CHECK)) {
            return report("stopped after check", null, false, null);
        }
        preVerify(s, tables, record.map(CutoverRecord::frozenAt).orElse(null));
        if (stop(s, Phase.PRE_VERIFY)) {
            return report("stopped after " + Phase.PRE_VERIFY.label(drained), null, false, null);
        }
        confirm.accept(new Plan(step, frozen.role(), target.role(), s.freeze(), s.freeze() == Mode.SOFT
                ? WriteFreeze.applicationRoles(frozen.connection(), s.appRoles()) : List.of(), tables.size(),
                "dropping " + drained.subscription(names) + " on " + target.role(),
                verifier.planLine(tables.size())));
        verifier.catchUp();
        if (s.startReverse() && !prepared) {
            try {
                prepareWayBackEarly(s, tables);
            } catch (RuntimeException | SQLException e) {
                // an optimisation, not a condition: the prepare phase creates the way back as it always did
                wayBackEarly = false;
                wayBackEarlyNote = null;
                out.note("  the way back could not be prepared before the freeze (" + Queries.firstLine(
                        e.getMessage()) + "): it is created inside the freeze");
                if (!runner.dryRun()) {
                    undoWayBackEarly();
                }
            }
        }
        sequencesAlongside = sequencesAlongside(s);
        arm(s, tables);
        if (counts != null && counts.tables().equals(tables)) {
            counts.warm(Verification.Listener.NONE); // after the last DDL before the freeze: arming, the way back
        }
        CutoverRecord rec;
        try {
            rec = freeze(s, tables, record.orElse(null));
        } catch (RuntimeException | SQLException e) {
            if (record.isEmpty() && !runner.dryRun()) {
                undoBeforeFreeze(); // nothing is frozen: leave the servers as they were
            }
            throw e;
        }
        if (stop(s, Phase.FREEZE)) {
            return report("stopped after freeze", null, false, null);
        }
        if (sequencesAlongside != null) {
            sequencesAlongside.start(runner);
        }
        if (!disabled) {
            disabled = drain(s, rec);
        } else {
            skipped(Phase.DRAIN, "drained before " + drained.subscription(names) + " was disabled");
        }
        if (stop(s, Phase.DRAIN)) {
            return report("stopped after drain", null, false, null);
        }
        if (sequencesAlongside != null) {
            SequencesAlongside.Synced synced = sequencesAlongside.join();
            sequencesSynced(synced.plan(), synced.seconds(), " (on sessions of their own, while the drain ran)");
        } else {
            sequences(s);
        }
        if (stop(s, Phase.SEQUENCES)) {
            return report("stopped after sequences", null, false, null);
        }
        verify(s, tables, rec, disabled);
        if (stop(s, Phase.VERIFY)) {
            return report("stopped after verify", null, false, null);
        }
        rec = prepare(s, tables, rec, prepared, disabled);
        if (stop(s, Phase.PREPARE)) {
            return report("stopped after " + Phase.PREPARE.label(drained), null, false, null);
        }
        Double window = drop(rec);
        if (stop(s, Phase.DROP)) {
            return report("stopped after " + Phase.DROP.label(drained), window, true, null);
        }
        Boolean streaming = start(s, rec);
        return report(runner.dryRun() ? "dry run: nothing was changed" : step.equals("switchover") ? "switched over"
                : "switched back", window, !runner.dryRun(), streaming);
    }

    /**
     * Undoes a cutover that has not passed its point of no return: drops the way back if it was prepared,
     * re-enables the drained subscription if upshift disabled it, lifts the freeze upshift made (and only that) and
     * ends the sessions opened while it held.
     */
    public Report abort() throws SQLException {
        MigrationLock.acquire(frozen, names, step);
        MigrationLock.acquire(target, names, step);
        Optional<Subscription> sub = Subscription.find(target.connection(), drained.subscription(names));
        Optional<CutoverRecord> record = record();
        if (sub.isEmpty()) {
            if (record.map(r -> r.reached(CutoverRecord.DROPPING)).orElse(false)) {
                throw UpshiftException.checkFailed("cannot abort: " + step + " has already dropped "
                        + drained.subscription(names) + " (the point of no return), " + target.role()
                        + " is the primary now",
                        step.equals("switchover") ? "to go back, run switchback" : "to go forward again, run the"
                                + " runbook from create-subscription (or switchback --restart-forward next time)");
            }
            throw UpshiftException.checkFailed("nothing to abort: no subscription " + drained.subscription(names)
                    + " on " + target.role() + " and no " + step + " in progress", "see status");
        }
        long t = System.nanoTime();
        List<String> done = new ArrayList<>();
        Optional<Subscription> way = Subscription.find(frozen.connection(), reverse.subscription(names));
        // the way back this cutover prepared: before the freeze with no slot yet, or in it (drained, prepared)
        if (way.isPresent() && (record.map(r -> r.reached(CutoverRecord.DRAINED)).orElse(false)
                || way.get().slotName() == null && !way.get().enabled())) {
            dropWayBack(way.get());
            done.add("dropped the prepared " + reverse.subscription(names));
        }
        if (!runner.dryRun() && ReplicationSlot.named(target.connection(), List.of(reverse.slot(names))).stream()
                .anyMatch(x -> !x.active()) && Subscription.find(frozen.connection(), reverse.subscription(names))
                        .isEmpty()) {
            dropSlotQuietly(target, reverse.slot(names)); // made in the freeze, never named on a subscription
            done.add("dropped slot " + reverse.slot(names) + " on " + target.role());
        }
        if (reverse == Direction.ROLLBACK && !runner.dryRun()
                && PublishedTables.read(target.connection(), reverse.publication(names)).isPresent()
                && !ReplicationSlot.exists(target.connection(), reverse.slot(names))
                && Subscription.find(frozen.connection(), reverse.subscription(names)).isEmpty()) {
            // nothing streams from it without the slot: the switchover made it, and a new one makes it again
            runner.execute(target, "DROP PUBLICATION " + Sql.ident(reverse.publication(names)));
            done.add("dropped " + reverse.publication(names) + " on " + target.role());
        }
        if (!sub.get().enabled() && record.map(r -> r.reached(CutoverRecord.DRAINED)).orElse(false)) {
            runner.execute(target, "ALTER SUBSCRIPTION " + Sql.ident(drained.subscription(names)) + " ENABLE");
            done.add("re-enabled " + drained.subscription(names));
        }
        String lifted = lift(frozen, drained.publication(names), record.orElse(null));
        done.add(lifted);
        phases.add(new PhaseResult("abort", "done", seconds(t), String.join("; ", done)));
        out.note("aborted: " + frozen.role() + " takes writes again (" + String.join("; ", done) + ")");
        return report("aborted", null, false, null);
    }

    // ---- phases ---------------------------------------------------------------------------------------------

    private List<QualifiedName> check(Settings s, Subscription sub, boolean disabled, boolean prepared)
            throws SQLException {
        long t = System.nanoTime();
        String subscription = drained.subscription(names);
        if (!sub.enabled() && !disabled) {
            throw UpshiftException.checkFailed("the " + drained.label() + " subscription " + subscription
                    + " is disabled", "an apply error or a lost connection disables it (disable_on_error): see monitor"
                            + (drained == Direction.ROLLBACK ? " --rollback" : "") + ", fix, then enable it");
        }
        if (drained == Direction.FORWARD) {
            long notReady = sub.notReady();
            if (notReady > 0) {
                throw UpshiftException.checkFailed("the initial copy is not finished: " + notReady
                        + " table(s) not ready", "wait with: monitor --until caught-up");
            }
        }
        if (sub.enabled() && !applyWorkerRunning(subscription)) {
            throw UpshiftException.checkFailed("the apply worker of " + subscription + " is not running on "
                    + target.role() + " (it restarts after every apply error): the drain would never end",
                    "see monitor" + (drained == Direction.ROLLBACK ? " --rollback" : "") + " for the cause");
        }
        List<String> preparedXacts = preparedTransactions();
        if (!preparedXacts.isEmpty()) {
            throw UpshiftException.checkFailed(frozen.role() + " has " + preparedXacts.size() + " open prepared"
                    + " transaction(s) " + preparedXacts + ": they survive any freeze and may commit after it",
                    "resolve each with COMMIT PREPARED 'gid' or ROLLBACK PREPARED 'gid' on " + frozen.role()
                            + " (SELECT * FROM pg_prepared_xacts), then re-run");
        }
        String publication = drained.publication(names);
        // every relation the publication sends, as the frozen server expands it (leaf partitions, or the root)
        List<QualifiedName> tables = Publications.tables(frozen.connection(), List.of(publication));
        if (tables.isEmpty()) {
            throw UpshiftException.checkFailed("publication " + publication + " on " + frozen.role()
                    + " does not exist or publishes no table", "see status; check --name");
        }
        if (!Boolean.TRUE.equals(Queries.single(frozen.connection(), PUBLICATION_OWNED, publication))) {
            throw UpshiftException.checkFailed("upshift's role on " + frozen.role() + " does not own publication "
                    + publication + ": it keeps the " + step + "'s record there",
                    "connect as the role that ran create-publication" + (drained == Direction.ROLLBACK
                            ? " (switchover created it)" : ""));
        }
        freezePreconditions(s, tables);
        if (s.startReverse()) {
            wayBack(s, tables, prepared);
        }
        done(Phase.CHECK, t, drained.subscription(names) + (disabled ? " disabled by " + step : " streaming")
                + ", " + tables.size() + " published table(s), no prepared transaction"
                + (s.startReverse() ? ", the way back checked" + (runner.dryRun() ? " (without the connection probe)"
                        : " (rights, connection from " + frozen.role() + "'s server, columns, keys)")
                        : ", no way back (" + (step.equals("switchover") ? "--no-rollback" : "no --restart-forward")
                                + ")"));
        return tables;
    }

    private void freezePreconditions(Settings s, List<QualifiedName> tables) throws SQLException {
        if (s.freeze() == Mode.HARD) {
            List<QualifiedName> already = WriteFreeze.frozenTables(frozen.connection(), names);
            if (!already.containsAll(tables)) {
                List<String> problems = WriteFreeze.hardFreezeProblems(frozen.connection(), tables);
                if (!problems.isEmpty()) {
                    throw UpshiftException.checkFailed("cannot freeze " + frozen.role() + " (--freeze hard): "
                            + String.join("; ", problems), "nothing was frozen");
                }
            }
        } else if (s.freeze() == Mode.SOFT) {
            if (WriteFreeze.applicationRoles(frozen.connection(), s.appRoles()).isEmpty()) {
                throw UpshiftException.usage("no application role to freeze on " + frozen.role() + ": every login"
                        + " role is a superuser or upshift's own", "use --freeze hard (the default: it works when"
                                + " the application and upshift share a role), or name roles with --app-role");
            }
        }
    }

    private void wayBack(Settings s, List<QualifiedName> tables, boolean prepared) throws SQLException {
        if (reverse == Direction.FORWARD) {
            if (PublishedTables.read(origin.connection(), reverse.publication(names)).isEmpty()) {
                throw UpshiftException.checkFailed("--restart-forward needs publication " + reverse.publication(names)
                        + " on origin, and it is gone", "run create-publication first, or switch back without"
                                + " --restart-forward");
            }
            if (!prepared && ReplicationSlot.exists(origin.connection(), reverse.slot(names))) {
                throw UpshiftException.checkFailed("replication slot " + reverse.slot(names) + " already exists on"
                        + " origin", "drop it with cleanup --forward --drop-orphaned-slots, then re-run");
            }
        }
        boolean probe = !runner.dryRun()
                && !(prepared && Subscription.find(frozen.connection(), reverse.subscription(names)).isPresent());
        List<RollbackReadiness.Finding> findings = RollbackReadiness.check(origin, destination, reverse, names,
                tables, s.reverseConninfo(), probe);
        List<RollbackReadiness.Finding> blocking = findings.stream().filter(RollbackReadiness.Finding::blocking)
                .toList();
        findings.stream().filter(f -> f.level() == RollbackReadiness.Level.WARNING).forEach(f -> warn(f.text()));
        if (!blocking.isEmpty()) {
            StringBuilder text = new StringBuilder("the way back (" + reverse.label() + " replication) is not ready; "
                    + blocking.size() + " blocking finding(s), nothing was frozen:");
            blocking.forEach(f -> text.append("\n  - [").append(f.side()).append("] ").append(f.text()));
            // the error line shows only the first line of a message: list the findings themselves on stderr
            blocking.forEach(f -> out.note("blocking: [" + f.side() + "] " + f.text()));
            throw UpshiftException.checkFailed(text.toString(), "fix them and re-run"
                    + (step.equals("switchover") ? ", or pass --no-rollback to switch over with no way back" : ""));
        }
    }

    private CutoverRecord freeze(Settings s, List<QualifiedName> tables, CutoverRecord existing) throws SQLException {
        long t = System.nanoTime();
        Connection c = frozen.connection();
        String frozenAt = existing != null ? existing.frozenAt() : Queries.single(c, NOW_UTC);
        List<String> statements = new ArrayList<>();
        String detail;
        List<String> roles = existing != null ? existing.roles() : List.of();
        switch (s.freeze()) {
            case HARD -> {
                boolean on = WriteFreeze.functionFrozen(c, names);
                List<QualifiedName> triggered = new ArrayList<>(WriteFreeze.triggeredTables(c, names));
                triggered.addAll(armedInDryRun); // a dry run's script arms them first
                List<QualifiedName> unarmed = tables.stream().filter(x -> !triggered.contains(x)).toList();
                List<QualifiedName> armed = tables.stream().filter(triggered::contains).toList();
                if (!on || !unarmed.isEmpty()) {
                    String schema = WriteFreeze.functionSchema(c, names);
                    schema = schema != null ? schema : WriteFreeze.schemaForFunction(c, tables);
                    List<QualifiedName> lockable = this.lockable != null ? this.lockable
                            : WriteFreeze.lockable(c, armed);
                    List<QualifiedName> locked = armed.stream().filter(lockable::contains).toList();
                    statements.addAll(WriteFreeze.hardFreezeStatements(names, schema, locked, unarmed,
                            LOCK_TIMEOUT));
                }
                detail = (runner.dryRun() ? "would reject" : "rejecting") + " every write to " + tables.size()
                        + " published table(s) on " + frozen.role() + " (triggers; apply workers unaffected)"
                        + (on ? ", " + armed.size() + " already frozen"
                                : armed.isEmpty() ? "" : "; " + (armedNote != null ? armedNote
                                        : armed.size() + " armed before the freeze") + ", then one transaction"
                                        + " locked them and switched the function to reject")
                        + (unarmed.isEmpty() ? "" : "; " + unarmed.size() + " triggered inside the freeze");
            }
            case SOFT -> {
                List<String> app = WriteFreeze.applicationRoles(c, s.appRoles());
                List<String> readOnly = WriteFreeze.frozenRoles(c);
                List<String> ours = new ArrayList<>(new LinkedHashSet<>(roles));
                List<String> toFreeze = app.stream().filter(r -> !readOnly.contains(r)).toList();
                ours.addAll(toFreeze.stream().filter(r -> !ours.contains(r)).toList());
                roles = ours;
                statements.addAll(WriteFreeze.softFreezeStatements(frozen.facts().database(), toFreeze));
                detail = "read-only: " + app + (toFreeze.size() < app.size() ? " (some were read-only already)" : "");
            }
            default -> detail = "--freeze none: the operator stopped the application";
        }
        CutoverRecord rec = new CutoverRecord(step, s.freeze().label(), frozenAt, roles,
                existing != null ? existing.stage() : CutoverRecord.FROZEN);
        statements.add(rec.writeSql(drained.publication(names)));
        installFreeze(statements);
        if (s.freeze() == Mode.SOFT) {
            int ended;
            if (runner.dryRun()) {
                runner.execute(frozen, WriteFreeze.terminateSql(roles));
                ended = 0;
            } else {
                ended = WriteFreeze.terminateSessions(c, WriteFreeze.applicationRoles(c, s.appRoles()), null);
            }
            detail += ", " + ended + " session(s) ended";
        }
        List<String> preparedXacts = runner.dryRun() ? List.of() : preparedTransactions();
        if (!preparedXacts.isEmpty()) {
            throw UpshiftException.checkFailed("a transaction was prepared on " + frozen.role() + " while freezing: "
                    + preparedXacts, "resolve it (COMMIT PREPARED / ROLLBACK PREPARED), then re-run; or --abort");
        }
        done(Phase.FREEZE, t, detail);
        return rec;
    }

    /**
     * Hard freeze, before it: the triggers armed (letting writes through) in small transactions, so that the freeze
     * is one small transaction (see {@link WriteFreeze}). A failure here is no failure of the switchover: the tables
     * left unarmed get their triggers inside the freeze, as they always did.
     */
    private void arm(Settings s, List<QualifiedName> tables) throws SQLException {
        if (s.freeze() != Mode.HARD) {
            return;
        }
        Connection c = frozen.connection();
        if (WriteFreeze.functionFrozen(c, names)) {
            return; // frozen already (a resume): nothing to arm
        }
        long t = System.nanoTime();
        List<QualifiedName> triggered = WriteFreeze.triggeredTables(c, names);
        lockable = WriteFreeze.lockable(c, tables);
        List<QualifiedName> toArm = lockable.stream().filter(x -> !triggered.contains(x)).toList();
        String schema = WriteFreeze.functionSchema(c, names);
        boolean exists = schema != null;
        schema = exists ? schema : WriteFreeze.schemaForFunction(c, tables);
        List<String> sql = WriteFreeze.armStatements(names, schema, exists, toArm, LOCK_TIMEOUT);
        if (sql.isEmpty()) {
            return;
        }
        try {
            if (runner.dryRun()) {
                sql.forEach(x -> runner.execute(frozen, x));
                armedInDryRun = toArm;
            } else {
                runner.execute(frozen, String.join(";\n", sql)); // one round trip, a transaction per batch
            }
            armedNote = toArm.size() + " armed before the freeze (" + sql.size() + " small transactions, "
                    + String.format(Locale.ROOT, "%.2f", seconds(t)) + " s)";
        } catch (UpshiftException e) {
            armedNote = "arming stopped (" + e.getMessage() + ")";
            out.note("  freeze: arming the triggers stopped (" + e.getMessage() + "); the tables left get theirs"
                    + " inside the freeze");
        }
    }

    /** Runs the freeze transaction; waits for open write transactions at most LOCK_TIMEOUT, a few times. */
    private void installFreeze(List<String> statements) throws SQLException {
        List<String> batch = batched(statements);
        for (int attempt = 1; ; attempt++) {
            try {
                runner.transaction(frozen, batch);
                return;
            } catch (UpshiftException e) {
                String state = e.getCause() instanceof SQLException sql ? sql.getSQLState() : null;
                boolean waited = "55P03".equals(state) || "40P01".equals(state);
                if (!waited || attempt == FREEZE_ATTEMPTS) {
                    throw waited ? UpshiftException.checkFailed("the freeze waited " + FREEZE_ATTEMPTS + " × "
                            + LOCK_TIMEOUT + " for transactions that hold write locks on published tables of "
                            + frozen.role() + ": " + blockers(), "nothing was frozen: end those sessions"
                                    + " (pg_terminate_backend) or let them commit, then re-run") : e;
                }
                out.note("  freeze: waiting for open write transactions on " + frozen.role() + " (" + blockers()
                        + "), attempt " + (attempt + 1) + " of " + FREEZE_ATTEMPTS);
            }
        }
    }

    private String blockers() throws SQLException {
        try (Statement st = frozen.connection().createStatement(); ResultSet rs = st.executeQuery("""
                SELECT string_agg(format('pid %s (%s, %s, %s)', pid, usename, state,
                                         coalesce(application_name, '')), ', ')
                  FROM pg_catalog.pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_catalog.pg_backend_pid()
                   AND backend_type = 'client backend' AND xact_start IS NOT NULL
                """)) {
            return rs.next() && rs.getString(1) != null ? rs.getString(1) : "none left";
        }
    }

    /**
     * Drains to a marker; once nothing is left, disables the drained subscription (recorded), so that any write
     * after this stays in its slot for the leak check. Returns whether it disabled it (not with bytes left under
     * --max-lag: prepare disables it then).
     */
    private boolean drain(Settings s, CutoverRecord rec) throws SQLException {
        long t = System.nanoTime();
        String sub = drained.subscription(names);
        if (runner.dryRun()) {
            runner.scriptOnly(frozen, "-- then wait until pg_replication_slots.confirmed_flush_lsn of "
                    + Sql.literal(drained.slot(names)) + " reaches a marker: SELECT pg_logical_emit_message(true,"
                    + " 'upshift', 'writes frozen')");
            disableDrained(rec);
            done(Phase.DRAIN, t, "would wait until " + target.role() + " has applied everything up to the freeze,"
                    + " then disable " + sub);
            return true;
        }
        String marker = Drain.mark(frozen.connection());
        long left;
        try {
            left = Drain.waitFor(frozen.connection(), target.connection(), drained.slot(names), marker,
                    s.maxLagBytes(), s.drainTimeout(), out::note);
        } catch (UpshiftException e) {
            if (e.exitCode() == ExitCode.CHECK_FAILED) {
                out.warn("drain timed out: lifting the freeze so that the application can write on " + frozen.role()
                        + " again (" + lift(frozen, drained.publication(names), rec) + ")");
            }
            throw e;
        }
        if (left == 0) {
            disableDrained(rec);
        }
        done(Phase.DRAIN, t, target.role() + " applied everything up to " + marker
                + (left > 0 ? " (" + left + " bytes within --max-lag)" : "; " + sub + " disabled, so that a later"
                        + " write stays in slot " + drained.slot(names)));
        return left == 0;
    }

    /** Recorded first: a crash in between leaves the subscription enabled, which a re-run simply drains again. */
    private void disableDrained(CutoverRecord rec) throws SQLException {
        runner.execute(frozen, rec.withStage(CutoverRecord.DRAINED).writeSql(drained.publication(names)));
        runner.execute(target, "ALTER SUBSCRIPTION " + Sql.ident(drained.subscription(names)) + " DISABLE");
    }

    /**
     * Sessions for syncing the sequences beside the drain ({@link SequencesAlongside}), opened before the freeze;
     * null under --dry-run (the script runs its steps in order), with --stop-after before the sequences, or when a
     * session cannot be opened (then they are synced after the drain, as before).
     */
    private SequencesAlongside sequencesAlongside(Settings s) {
        if (runner.dryRun() || (s.stopAfter() != null && s.stopAfter().ordinal() < Phase.SEQUENCES.ordinal())) {
            return null;
        }
        try {
            return SequencesAlongside.open(frozen, target, s.sequenceExcludes(), s.sequenceMargin());
        } catch (RuntimeException | SQLException e) {
            out.note("  the sequences will be synced after the drain: no session of their own ("
                    + Queries.firstLine(e.getMessage()) + ")");
            return null;
        }
    }

    private void sequences(Settings s) throws SQLException {
        long t = System.nanoTime();
        // one read per side and one bulk write, whatever the number of sequences; outside a dry run the write reads
        // the target's sequences that are not called itself (no query per sequence)
        SequencePlan plan = SequenceSync.plan(frozen.connection(), target.connection(), s.sequenceExcludes(),
                s.sequenceMargin(), runner.dryRun());
        plan.apply(runner, target);
        sequencesSynced(plan, seconds(t), "");
    }

    private void sequencesSynced(SequencePlan plan, double seconds, String how) {
        plan.missingOnDestination().forEach(m -> warn("sequence " + m + " exists on " + frozen.role() + " only: not"
                + " synced"));
        if (!plan.errors().isEmpty()) {
            throw UpshiftException.checkFailed("sequences could not be synced: " + plan.errors(),
                    frozen.role() + " stays frozen: fix them (see sync-sequences --check), then re-run " + step
                            + ", or " + step + " --abort");
        }
        done(Phase.SEQUENCES, seconds, plan.toSet().size() + " sequence(s) " + (runner.dryRun() ? "would be " : "")
                + "synced " + frozen.role() + " → " + target.role()
                + (plan.missingOnDestination().isEmpty() ? "" : ", " + plan.missingOnDestination().size()
                        + " missing on " + target.role()) + how);
    }

    /**
     * Before the freeze: with --verify checksum, the temporary slots and a checksum of every table (see
     * {@link FreezeVerify}); nothing is frozen yet. On a resume with writes already frozen there is nothing to gain.
     */
    private void preVerify(Settings s, List<QualifiedName> tables, String frozenSince) {
        long t = System.nanoTime();
        verifier = new FreezeVerify(origin, destination, names, out, s.verify(), s.verifyWait(), s.acceptedLossy());
        if (s.verify() != VerifyMode.CHECKSUM) {
            String why = "skipped (--verify " + s.verify().name().toLowerCase(Locale.ROOT) + ")";
            if (runner.dryRun()) {
                done(Phase.PRE_VERIFY, t, "would be " + why);
            } else {
                if (s.verify() == VerifyMode.COUNTS) {
                    // the tables' definitions read now, not inside the freeze: the counts need only their kinds
                    counts = Verification.planAhead(origin, destination, tables, false, AcceptedLossy.NONE);
                }
                skipped(Phase.PRE_VERIFY, why);
            }
            return;
        }
        if (runner.dryRun()) {
            runner.scriptOnly(origin, FreezeVerify.dryRunScript(verifier.slotName()));
            runner.scriptOnly(destination, FreezeVerify.dryRunScript(verifier.slotName()));
            done(Phase.PRE_VERIFY, t, verifier.dryRunPreCheck(tables.size()));
            return;
        }
        String detail = verifier.preCheck(tables, frozenSince);
        if (frozenSince != null) {
            skipped(Phase.PRE_VERIFY, detail);
            return;
        }
        List<TableResult> real = verifier.stableDifferences(() -> appliedUpToNow(s));
        if (!real.isEmpty()) {
            failed(Phase.PRE_VERIFY, t, detail);
            throw UpshiftException.checkFailed(real.size() + " table(s) differ although nothing was written to them"
                    + " on either side since the pre-check, with everything origin committed applied: "
                    + differences(real) + "; nothing is frozen",
                    "these are real differences, not rows in flight: verify --checksum names the columns compared;"
                            + " where the new model changes the values on purpose (a lossy type change preflight"
                            + " names), pass --accept-lossy TABLE.COLUMN; otherwise fix the data and re-run " + step);
        }
        done(Phase.PRE_VERIFY, t, detail);
    }

    /**
     * Whether the new primary has applied everything the old one committed up to now (a marker on the drained
     * publisher, confirmed by its subscriber within 30 s): before that, a difference may be a change in flight.
     */
    private boolean appliedUpToNow(Settings s) {
        try {
            String marker = Drain.mark(frozen.connection());
            Drain.waitFor(frozen.connection(), target.connection(), drained.slot(names), marker, 0,
                    Duration.ofSeconds(30), line -> { });
            return true;
        } catch (SQLException | UpshiftException e) {
            return false;
        }
    }

    private void verify(Settings s, List<QualifiedName> tables, CutoverRecord rec, boolean disabled)
            throws SQLException {
        long t = System.nanoTime();
        if (s.verify() == VerifyMode.NONE) {
            verifier.notExact(tables.size(), false);
            if (runner.dryRun()) {
                done(Phase.VERIFY, t, "would be skipped (--verify none): not exact, nothing compared");
            } else {
                skipped(Phase.VERIFY, "skipped (--verify none): not exact, nothing compared");
            }
            return;
        }
        if (runner.dryRun()) {
            verifier.plannedOutcome(tables.size());
            if (s.verify() == VerifyMode.CHECKSUM) {
                runner.scriptOnly(origin, FreezeVerify.dryRunFreezeScript(verifier.slotName()));
                runner.scriptOnly(destination, FreezeVerify.dryRunFreezeScript(verifier.slotName()));
                done(Phase.VERIFY, t, FreezeVerify.dryRunVerify(tables.size()));
            } else {
                done(Phase.VERIFY, t, "would compare the row counts of " + tables.size() + " table(s) (--verify"
                        + " counts: not exact)");
            }
            return;
        }
        VerifyReport report;
        String detail;
        if (s.verify() == VerifyMode.CHECKSUM) {
            FreezeVerify.InFreeze checked = verifier.inFreeze(tables);
            report = checked.report();
            detail = checked.detail();
        } else {
            report = counts != null && counts.tables().equals(tables) ? counts.run(Verification.Listener.NONE)
                    : Verification.run(origin, destination, tables, false);
            verifier.notExact(tables.size(), true);
            detail = tables.size() + " table(s) equal (row counts only, --verify counts: not exact, values not"
                    + " compared)";
        }
        verifier.close(); // the slots are read: drop them now rather than at the end of the run
        if (!report.equal()) {
            if (disabled) {
                leakCheck(rec); // a write after the drain explains the difference: re-enables, exit 3
            }
            throw UpshiftException.checkFailed("verification found differences after the drain: "
                    + differences(report) + (s.verify() == VerifyMode.CHECKSUM ? " [" + detail + "]" : ""),
                    frozen.role() + " stays frozen: investigate with verify"
                            + (s.verify() == VerifyMode.CHECKSUM ? " --checksum" : "") + ", then re-run " + step
                            + ", or " + step + " --abort");
        }
        done(Phase.VERIFY, t, detail);
    }

    /** "table: status" for each table not equal. */
    private static String differences(VerifyReport report) {
        return differences(report.tables());
    }

    private static String differences(List<TableResult> tables) {
        List<String> lines = new ArrayList<>();
        tables.stream().filter(r -> r.status() != TableResult.Status.EQUAL).forEach(r -> lines.add(
                r.table() + ": " + r.status().label() + (r.error() != null ? " (" + r.error() + ")" : "")));
        return String.join(", ", lines);
    }

    private CutoverRecord prepare(Settings s, List<QualifiedName> tables, CutoverRecord rec, boolean prepared,
            boolean disabled) throws SQLException {
        long t = System.nanoTime();
        String sub = Sql.ident(drained.subscription(names));
        if (!prepared) {
            // a way back left over from an earlier, aborted attempt has a slot from before the last applied change
            // (one prepared before this freeze has none yet, and is kept)
            if (!wayBackEarly && Subscription.find(frozen.connection(), reverse.subscription(names)).isPresent()) {
                runner.execute(frozen, "DROP SUBSCRIPTION " + Sql.ident(reverse.subscription(names)));
            }
            if (!disabled) {
                runner.execute(target, "ALTER SUBSCRIPTION " + sub + " DISABLE");
            }
        }
        List<String> detail = new ArrayList<>();
        detail.add(drained.subscription(names) + (runner.dryRun() ? " would be disabled" : " disabled")
                + (disabled ? (runner.dryRun() ? " by the drain" : " since the drain") : ""));
        if (runner.dryRun()) {
            runner.scriptOnly(frozen, "-- then check that slot " + drained.slot(names) + " holds no change made"
                    + " after the freeze: SELECT count(*) FROM pg_logical_slot_peek_binary_changes("
                    + Sql.literal(drained.slot(names)) + ", NULL, NULL, 'proto_version', '1', 'publication_names', "
                    + Sql.literal(drained.publication(names)) + ")");
        } else {
            detail.add(leakCheck(rec));
        }
        if (s.startReverse()) {
            try {
                detail.add(wayBackEarly ? attachWayBack() : createWayBack(s, tables));
            } catch (RuntimeException | SQLException e) {
                if (!runner.dryRun()) {
                    out.warn("the way back could not be created: re-enabling " + drained.subscription(names)
                            + "; " + frozen.role() + " stays frozen");
                    runner.execute(target, "ALTER SUBSCRIPTION " + sub + " ENABLE");
                }
                throw e;
            }
        }
        CutoverRecord next = rec.withStage(CutoverRecord.PREPARED);
        runner.execute(frozen, next.writeSql(drained.publication(names)));
        done(Phase.PREPARE, t, String.join("; ", detail));
        return next;
    }

    /** No write reached the frozen server's published tables after the drain marker: the slot holds none. */
    private String leakCheck(CutoverRecord rec) throws SQLException {
        String slot = drained.slot(names);
        if (!Drain.waitUntilInactive(frozen.connection(), slot, SLOT_RELEASE)) {
            throw new UpshiftException("slot " + slot + " on " + frozen.role() + " is still in use "
                    + SLOT_RELEASE.toSeconds() + " s after " + drained.subscription(names) + " was disabled",
                    "see pg_stat_replication on " + frozen.role() + "; re-run " + step + ", or --abort");
        }
        long changes;
        try {
            changes = Drain.pendingChanges(frozen.connection(), slot, drained.publication(names));
        } catch (SQLException e) {
            if (!"42501".equals(e.getSQLState())) {
                throw e;
            }
            warn("cannot read slot " + slot + " (the role needs REPLICATION on " + frozen.role() + "): whether a write"
                    + " slipped past the freeze rests on the freeze and on verify");
            return "no slot check (no REPLICATION right)";
        }
        if (changes > 0) {
            runner.execute(target, "ALTER SUBSCRIPTION " + Sql.ident(drained.subscription(names)) + " ENABLE");
            throw UpshiftException.checkFailed("slot " + slot + " on " + frozen.role() + " holds " + changes
                    + " published change(s) that " + target.role() + " has not confirmed after the drain: writes made"
                    + " after the freeze (" + rec.freezeMode() + " freeze did not hold), or changes still in flight"
                    + " (--max-lag). " + drained.subscription(names) + " was re-enabled to apply them; "
                    + frozen.role() + " stays frozen and nothing was dropped",
                    "find the writer (a superuser with session_replication_role = replica? --freeze none with the"
                            + " application still running?), stop it, then re-run " + step + ", or " + step
                            + " --abort");
        }
        return "no change after the freeze in slot " + slot;
    }

    /**
     * Before the freeze (after the confirmation): the way back's publication and its subscription, disabled and with
     * no slot ({@code slot_name = NONE}), so that the freeze only creates the slot and names it
     * ({@link #attachWayBack}). Why that is safe:
     * <ul>
     * <li>no loop: without a slot nothing is decoded on the new primary; the slot is made inside the freeze, after
     * the drain proved every change forwarded applied and the drained subscription is disabled, so its start is
     * past every change that came from the old primary;</li>
     * <li>no missed write: the slot exists before the point of no return, so every write the new primary takes
     * after it is in the slot; the publication exists before the slot, so decoding from the slot's start finds
     * it;</li>
     * <li>idempotent: a subscription with no slot drops with nothing to drop, so --abort, cleanup and a re-run
     * handle it; one left over with a slot (an aborted attempt, setup-rollback) is dropped here, before the freeze,
     * because its slot starts before the last forwarded change.</li>
     * </ul>
     * It needs upshift's role on the new primary to create slots (REPLICATION, a superuser, rds_replication);
     * without that the subscription is created inside the freeze as before, making its slot itself.
     */
    private void prepareWayBackEarly(Settings s, List<QualifiedName> tables) throws SQLException {
        if (!Boolean.TRUE.equals(Queries.single(target.connection(), MAY_CREATE_SLOT))) {
            wayBackEarlyNote = "upshift's role on " + target.role() + " may not create replication slots, so the"
                    + " way back is created inside the freeze";
            return;
        }
        String subscription = reverse.subscription(names);
        Optional<Subscription> existing = Subscription.find(frozen.connection(), subscription);
        if (existing.isPresent() && (existing.get().slotName() != null || existing.get().enabled())) {
            dropWayBack(existing.get()); // its slot (if any) starts before the changes still to be forwarded
            existing = Optional.empty();
        }
        boolean publicationExisted = reverse == Direction.FORWARD
                || PublishedTables.read(target.connection(), reverse.publication(names)).isPresent();
        try {
            if (reverse == Direction.ROLLBACK) {
                RollbackReplication.Result r = new RollbackReplication(origin, destination, names, runner, out)
                        .prepareWithoutSlot(s.reverseConninfo(), tables);
                r.warnings().forEach(this::warn);
                wayBackEarlyNote = r.publication() + " " + r.publicationAction() + ", " + r.subscription() + " "
                        + r.subscriptionAction() + " before the freeze";
            } else if (existing.isEmpty()) {
                // switchback --restart-forward: destination subscribes to origin again, from the freeze on, no copy
                ConnectionClause connection = new ConnectionClause(s.reverseConninfo(), "origin_password");
                runner.scriptOnly(destination, connection.dryRunPreamble());
                SubscriptionOptions options = SubscriptionOptions.rollback(origin.facts().capabilities(),
                        destination.facts().capabilities(), reverse.slot(names)).withSlotNamedLater();
                runner.execute(destination, "CREATE SUBSCRIPTION " + Sql.ident(subscription) + " "
                        + (runner.dryRun() ? connection.forDryRun() : connection.forExecution()) + " PUBLICATION "
                        + Sql.ident(reverse.publication(names)) + " " + options.withClause());
                wayBackEarlyNote = subscription + (runner.dryRun() ? " would be created" : " created")
                        + " before the freeze (disabled, copy_data = false, no slot yet)";
            } else {
                wayBackEarlyNote = subscription + " prepared before the freeze (no slot yet)";
            }
        } finally {
            createdReversePublication = !publicationExisted
                    && (runner.dryRun() || PublishedTables.read(target.connection(), reverse.publication(names))
                            .isPresent());
            createdReverseSubscription = existing.isEmpty();
        }
        wayBackEarly = true;
    }

    /**
     * Inside the freeze, after the drain and the leak check: the way back's slot on the new primary, then its name on
     * the subscription prepared before the freeze. In this order: a subscription never names a slot that does not
     * exist (DROP SUBSCRIPTION on 13 and 14 fails on one), and a slot left by a failure in between is dropped here.
     */
    private String attachWayBack() throws SQLException {
        String slot = reverse.slot(names);
        String subscription = reverse.subscription(names);
        String literal = Sql.literal(slot);
        if (!runner.dryRun() && ReplicationSlot.exists(target.connection(), slot)) {
            // left by an interrupted attempt (the subscription names no slot): it may start too early
            runner.execute(target, "SELECT pg_catalog.pg_drop_replication_slot(" + literal + ")");
        }
        runner.execute(target, "SELECT pg_catalog.pg_create_logical_replication_slot(" + literal + ", 'pgoutput')");
        try {
            runner.execute(frozen, "ALTER SUBSCRIPTION " + Sql.ident(subscription) + " SET (slot_name = " + literal
                    + ")");
        } catch (RuntimeException e) {
            dropSlotQuietly(target, slot);
            throw e;
        }
        return (wayBackEarlyNote == null ? "" : wayBackEarlyNote + "; ") + "slot " + slot + " on " + target.role()
                + (runner.dryRun() ? " would be created now, after the drain, and named" : " created now, after the"
                        + " drain, and named") + " on " + subscription;
    }

    /** Drops a way back left from an earlier attempt, slot included, even when its slot is already gone. */
    private void dropWayBack(Subscription way) throws SQLException {
        String sub = Sql.ident(way.name());
        if (way.enabled()) {
            runner.execute(frozen, "ALTER SUBSCRIPTION " + sub + " DISABLE");
        }
        if (way.slotName() != null) {
            runner.execute(frozen, "ALTER SUBSCRIPTION " + sub + " SET (slot_name = NONE)");
        }
        runner.execute(frozen, "DROP SUBSCRIPTION " + sub);
        if (way.slotName() != null && !runner.dryRun()) {
            if (!Drain.waitUntilInactive(target.connection(), way.slotName(), SLOT_RELEASE)) {
                warn("slot " + way.slotName() + " on " + target.role() + " is still in use: drop it with cleanup"
                        + " --drop-orphaned-slots");
                return;
            }
            dropSlotQuietly(target, way.slotName());
        }
    }

    private void dropSlotQuietly(Cluster server, String slot) {
        try (PreparedStatement st = server.connection().prepareStatement(
                "SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots"
                        + " WHERE slot_name = ? AND NOT active")) {
            st.setString(1, slot);
            st.execute();
        } catch (SQLException e) {
            warn("slot " + slot + " is left on " + server.role() + ": drop it with cleanup --drop-orphaned-slots ("
                    + e.getMessage() + ")");
        }
    }

    /** Drops what {@link #prepareWayBackEarly} created in this run (best effort: a failure is a warning). */
    private void undoWayBackEarly() {
        try {
            Optional<Subscription> way = Subscription.find(frozen.connection(), reverse.subscription(names));
            if (createdReverseSubscription && way.isPresent() && way.get().slotName() == null) {
                runner.execute(frozen, "DROP SUBSCRIPTION " + Sql.ident(reverse.subscription(names)));
            }
            if (createdReversePublication) {
                runner.execute(target, "DROP PUBLICATION IF EXISTS " + Sql.ident(reverse.publication(names)));
            }
        } catch (RuntimeException | SQLException e) {
            warn("the way back prepared before the freeze could not be dropped (" + Queries.firstLine(e.getMessage())
                    + "): " + step + " --abort drops it");
        }
        createdReverseSubscription = false;
        createdReversePublication = false;
    }

    /**
     * The freeze failed and nothing is frozen: undo what this run did before it (the armed triggers, the way back it
     * prepared), so that the servers are as they were. Best effort: each failure is a warning.
     */
    private void undoBeforeFreeze() {
        undoWayBackEarly();
        try {
            if (!WriteFreeze.functionFrozen(frozen.connection(), names)) {
                lift(frozen, drained.publication(names), null); // the armed triggers, which let writes through
            }
        } catch (RuntimeException | SQLException e) {
            warn("the triggers armed before the freeze could not be removed (" + e.getMessage() + "): they let"
                    + " writes through; " + step + " --abort removes them");
        }
    }

    /**
     * Creates the way back inside the freeze, after the drain, with its slot (CREATE SUBSCRIPTION makes it): the
     * fallback of {@link #prepareWayBackEarly} when upshift's role on the new primary may not create slots. The slot
     * must start after the last change the drained subscription applied on the new primary, or those changes would
     * be sent back (a loop; duplicate keys on the old primary): only the drain proves that point. A constant number
     * of statements whatever the table count (CriticalPathStatementsTest).
     */
    private String createWayBack(Settings s, List<QualifiedName> tables) throws SQLException {
        if (reverse == Direction.ROLLBACK) {
            RollbackReplication.Result r = new RollbackReplication(origin, destination, names, runner, out)
                    .prepareDisabled(s.reverseConninfo(), tables);
            r.warnings().forEach(this::warn);
            return r.publication() + " " + r.publicationAction() + ", " + r.subscription() + " "
                    + r.subscriptionAction();
        }
        // switchback --restart-forward: destination subscribes to origin again, from now on, with no copy
        String subscription = reverse.subscription(names);
        if (Subscription.find(destination.connection(), subscription).isPresent()) {
            return subscription + " already exists";
        }
        ConnectionClause connection = new ConnectionClause(s.reverseConninfo(), "origin_password");
        runner.scriptOnly(destination, connection.dryRunPreamble());
        SubscriptionOptions options = SubscriptionOptions.rollback(origin.facts().capabilities(),
                destination.facts().capabilities(), reverse.slot(names));
        runner.execute(destination, "CREATE SUBSCRIPTION " + Sql.ident(subscription) + " "
                + (runner.dryRun() ? connection.forDryRun() : connection.forExecution()) + " PUBLICATION "
                + Sql.ident(reverse.publication(names)) + " " + options.withClause());
        return subscription + (runner.dryRun() ? " would be created" : " created") + " (disabled, copy_data = false)";
    }

    private Double drop(CutoverRecord rec) throws SQLException {
        long t = System.nanoTime();
        runner.execute(frozen, rec.withStage(CutoverRecord.DROPPING).writeSql(drained.publication(names)));
        String detail = dropSubscription();
        String opened = lift(target, reverse.publication(names), recordOn(target, reverse.publication(names)));
        runner.execute(frozen, rec.withStage(CutoverRecord.DROPPED).writeSql(drained.publication(names)));
        Double window = runner.dryRun() ? null : window(rec);
        done(Phase.DROP, t, detail + "; " + target.role() + " " + (runner.dryRun() ? "will take" : "takes")
                + " writes" + (opened.startsWith("nothing") ? "" : " (" + opened + ")"));
        return window;
    }

    /** DROP SUBSCRIPTION; when its publisher cannot be reached, detach the slot and drop it separately. */
    private String dropSubscription() throws SQLException {
        String sub = Sql.ident(drained.subscription(names));
        try {
            runner.execute(target, "DROP SUBSCRIPTION " + sub);
            return (runner.dryRun() ? "would drop " : "dropped ") + drained.subscription(names) + " and its slot "
                    + drained.slot(names) + " (the point of no return)";
        } catch (UpshiftException e) {
            warn("DROP SUBSCRIPTION could not reach " + frozen.role() + " to drop the slot ("
                    + e.getMessage() + "): detaching it and dropping the slot directly");
            runner.execute(target, "ALTER SUBSCRIPTION " + sub + " SET (slot_name = NONE)");
            runner.execute(target, "DROP SUBSCRIPTION " + sub);
            try (PreparedStatement st = frozen.connection().prepareStatement(
                    "SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots"
                            + " WHERE slot_name = ?")) {
                st.setString(1, drained.slot(names));
                st.execute();
            } catch (SQLException slot) {
                warn("slot " + drained.slot(names) + " is left on " + frozen.role() + " and retains WAL: drop it with"
                        + " cleanup" + (drained == Direction.ROLLBACK ? " --rollback" : " --forward")
                        + " --drop-orphaned-slots");
            }
            return "dropped " + drained.subscription(names) + " (slot dropped separately)";
        }
    }

    /** Starts the way back and proves it streams; records the cutover done when it does (or none was asked for). */
    private Boolean start(Settings s, CutoverRecord rec) throws SQLException {
        long t = System.nanoTime();
        if (!s.startReverse()) {
            runner.execute(frozen, rec.withStage(CutoverRecord.DONE).writeSql(drained.publication(names)));
            done(Phase.START, t, "skipped (" + (step.equals("switchover") ? "--no-rollback" : "no --restart-forward")
                    + "): there is no way back now");
            return null;
        }
        String subscription = reverse.subscription(names);
        Optional<Subscription> state = runner.dryRun() ? Optional.empty()
                : Subscription.find(frozen.connection(), subscription);
        if (runner.dryRun() || !state.map(Subscription::enabled).orElse(false)) {
            runner.execute(frozen, "ALTER SUBSCRIPTION " + Sql.ident(subscription) + " ENABLE");
        }
        if (runner.dryRun()) {
            done(Phase.START, t, "would enable " + subscription + " and wait until it streams");
            return null;
        }
        String proof = proveStreaming(subscription, s.healthTimeout());
        if (proof == null) {
            warn(reverse.label() + " replication did not start streaming within " + s.healthTimeout().toSeconds()
                    + " s: see monitor" + (reverse == Direction.ROLLBACK ? " --rollback" : ""));
            done(Phase.START, t, subscription + " enabled, NOT streaming yet");
            return false;
        }
        runner.execute(frozen, rec.withStage(CutoverRecord.DONE).writeSql(drained.publication(names)));
        done(Phase.START, t, subscription + " enabled and streaming (" + proof + ")");
        return true;
    }

    /**
     * The way back streams when its apply worker on the old primary keeps one pid and the walsender on the new
     * primary has decoded past a marker written now. Returns how it was seen, or null after the timeout.
     */
    private String proveStreaming(String subscription, Duration timeout) throws SQLException {
        String marker = Drain.mark(target.connection());
        long deadline = System.nanoTime() + timeout.toNanos();
        Integer firstPid = null;
        while (System.nanoTime() < deadline) {
            Integer pid = Subscription.applyWorkerPid(frozen.connection(), subscription);
            Integer senders;
            Boolean passed;
            try (PreparedStatement st = target.connection().prepareStatement(WALSENDER_PASSED)) {
                st.setString(1, marker);
                st.setString(2, subscription);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    senders = rs.getInt(1);
                    passed = (Boolean) rs.getObject(2);
                }
            }
            if (pid != null && pid.equals(firstPid) && senders > 0 && !Boolean.FALSE.equals(passed)) {
                return "apply worker pid " + pid + " on " + frozen.role() + (passed == null ? ""
                        : ", walsender on " + target.role() + " past " + marker);
            }
            firstPid = pid;
            Pause.millis(500);
        }
        return null;
    }

    // ---- resuming after the point of no return ----------------------------------------------------------------

    private Report resumeAfterDrop(Settings s, Optional<CutoverRecord> record) throws SQLException {
        String subscription = drained.subscription(names);
        if (record.isEmpty() || !record.get().reached(CutoverRecord.DROPPING) || !record.get().step().equals(step)) {
            throw UpshiftException.checkFailed("no " + drained.label() + " subscription " + subscription + " on "
                    + target.role() + ", and no record that " + step + " dropped it: it was never created, or was"
                    + " dropped outside upshift. Nothing to " + step,
                    drained == Direction.FORWARD ? "check --name; the runbook creates it with create-subscription"
                            : "check --name; switchover creates the rollback subscription");
        }
        CutoverRecord rec = record.get();
        boolean wasDone = rec.reached(CutoverRecord.DONE);
        boolean changed = false;
        Double window = null;
        if (!rec.reached(CutoverRecord.DROPPED)) {
            long t = System.nanoTime();
            String opened = lift(target, reverse.publication(names), recordOn(target, reverse.publication(names)));
            rec = rec.withStage(CutoverRecord.DROPPED);
            runner.execute(frozen, rec.writeSql(drained.publication(names)));
            window = window(rec);
            done(Phase.DROP, t, subscription + " was dropped by " + step + "; " + target.role() + " takes writes"
                    + (opened.startsWith("nothing") ? "" : " (" + opened + ")"));
            changed = true;
        }
        Boolean streaming = null;
        if (s.startReverse()) {
            Optional<Subscription> way = Subscription.find(frozen.connection(), reverse.subscription(names));
            if (way.isEmpty()) {
                throw UpshiftException.checkFailed("the " + reverse.label() + " subscription "
                        + reverse.subscription(names) + " is missing on " + frozen.role() + ": creating it now would"
                        + " miss the writes " + target.role() + " has taken since " + subscription + " was dropped",
                        "there is no way back from here without a new copy; re-run with " + (step.equals("switchover")
                                ? "--no-rollback" : "no --restart-forward") + " to finish");
            }
            if (!wasDone || !way.get().enabled()) {
                streaming = start(s, rec);
                changed = true;
            }
        } else if (!wasDone) {
            runner.execute(frozen, rec.withStage(CutoverRecord.DONE).writeSql(drained.publication(names)));
        }
        String outcome = !changed ? "already complete" : step.equals("switchover") ? "switched over" : "switched back";
        out.note(step + " " + (changed ? "completed" : "already complete") + ": " + subscription + " is gone"
                + (s.startReverse() ? ", " + reverse.subscription(names) + " runs" : ""));
        return report(outcome, window, true, streaming);
    }

    // ---- freezing and lifting -----------------------------------------------------------------------------

    /**
     * Lifts the freeze upshift made on that server, and only that: its triggers, the read-only setting of the roles
     * its record lists (then ends their sessions opened since the freeze, which started read-only), and the record.
     */
    private String lift(Cluster server, String recordPublication, CutoverRecord rec) throws SQLException {
        Connection c = server.connection();
        List<String> statements = new ArrayList<>();
        List<QualifiedName> triggers = WriteFreeze.triggeredTables(c, names);
        String schema = WriteFreeze.functionSchema(c, names);
        if (!triggers.isEmpty() || schema != null) {
            statements.addAll(WriteFreeze.hardUnfreezeStatements(names, schema, triggers));
        }
        List<String> roles = rec != null ? rec.roles() : List.of();
        List<String> readOnly = WriteFreeze.frozenRoles(c);
        List<String> reset = roles.stream().filter(readOnly::contains).toList();
        statements.addAll(WriteFreeze.softUnfreezeStatements(server.facts().database(), reset));
        if (rec != null && PublishedTables.read(c, recordPublication).isPresent()) {
            statements.add(CutoverRecord.clearSql(recordPublication));
        }
        if (statements.isEmpty()) {
            return "nothing frozen on " + server.role();
        }
        runner.transaction(server, batched(statements));
        int ended = reset.isEmpty() || runner.dryRun() ? 0
                : WriteFreeze.terminateSessions(c, reset, rec.frozenAt());
        List<String> what = new ArrayList<>();
        if (!triggers.isEmpty()) {
            what.add("freeze triggers removed from " + triggers.size() + " table(s)");
        }
        if (!reset.isEmpty()) {
            what.add("read-only reset for " + reset + ", " + ended + " session(s) opened during the freeze ended");
        }
        return what.isEmpty() ? "record cleared on " + server.role() : String.join(", ", what) + " on "
                + server.role();
    }

    /** One round trip whatever the number of tables: the statements travel as one multi-statement string. */
    private List<String> batched(List<String> statements) {
        return runner.dryRun() || statements.size() < 2 ? statements
                : List.of(String.join(";\n", statements.stream().map(String::strip).toList()));
    }

    private Optional<CutoverRecord> record() throws SQLException {
        return CutoverRecord.read(frozen.connection(), drained.publication(names));
    }

    private static CutoverRecord recordOn(Cluster server, String publication) throws SQLException {
        return CutoverRecord.read(server.connection(), publication).orElse(null);
    }

    private Double window(CutoverRecord rec) throws SQLException {
        Double seconds = Queries.single(frozen.connection(), SECONDS_SINCE, rec.frozenAt());
        return seconds;
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private boolean applyWorkerRunning(String subscription) throws SQLException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            if (Subscription.applyWorkerPid(target.connection(), subscription) != null) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Pause.millis(200);
        }
    }

    private List<String> preparedTransactions() throws SQLException {
        List<String> found = new ArrayList<>();
        try (Statement st = frozen.connection().createStatement(); ResultSet rs = st.executeQuery(PREPARED_XACTS)) {
            while (rs.next()) {
                found.add("'" + rs.getString(1) + "' of " + rs.getString(2));
            }
        }
        return found;
    }

    private boolean stop(Settings s, Phase phase) {
        if (s.stopAfter() == phase) {
            out.note("stopping after " + phase.label(drained) + " (--stop-after): re-run " + step + " to continue"
                    + (phase.ordinal() < Phase.DROP.ordinal() ? ", or " + step + " --abort to undo" : ""));
            return true;
        }
        return false;
    }

    private void skipped(Phase phase, String detail) {
        phases.add(new PhaseResult(phase.label(drained), "skipped", 0, detail));
        out.note(String.format(Locale.ROOT, "  %-17s %6s    %s", phase.label(drained), "-", detail));
    }

    private void done(Phase phase, long startedNanos, String detail) {
        done(phase, seconds(startedNanos), detail);
    }

    private void done(Phase phase, double secs, String detail) {
        String status = runner.dryRun() ? "planned" : "done";
        phases.add(new PhaseResult(phase.label(drained), status, secs, detail));
        out.note(String.format(Locale.ROOT, "  %-17s %6.2f s  %s", phase.label(drained), secs, detail));
    }

    private void failed(Phase phase, long startedNanos, String detail) {
        double secs = seconds(startedNanos);
        phases.add(new PhaseResult(phase.label(drained), "failed", secs, detail));
        out.note(String.format(Locale.ROOT, "  %-17s %6.2f s  %s", phase.label(drained), secs, "FAILED: " + detail));
    }

    private void warn(String text) {
        warnings.add(text);
        out.warn(text);
    }

    private Report report(String outcome, Double window, boolean ready, Boolean streaming) {
        Boolean destinationReady = drained == Direction.FORWARD ? ready : null;
        Boolean originReady = drained == Direction.ROLLBACK ? ready : null;
        return new Report(names.name(), step, outcome, List.copyOf(phases), window, destinationReady, originReady,
                streaming, verifier == null ? null : verifier.outcome(), List.copyOf(warnings));
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }
}
