package upshift.switchover;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import upshift.UpshiftException;
import upshift.cli.Output;
import upshift.connect.Cluster;
import upshift.migration.MigrationNames;
import upshift.publication.PublishedTables;
import upshift.rollback.RollbackReplication;
import upshift.schema.TableSelection;
import upshift.sequences.SequencePlan;
import upshift.sequences.SequenceSync;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;
import upshift.sql.StatementRunner;
import upshift.subscription.SubscriptionState;
import upshift.verify.Verification;
import upshift.verify.VerifyReport;

/**
 * The write-freeze window, orchestrated and timed: freeze application writes on origin, drain, sync sequences,
 * verify, drop the forward subscription, start rollback replication. Every phase is idempotent and the state is read
 * from the servers, so re-running after a crash or Ctrl-C completes the switchover, and {@link #abort} undoes it up
 * to the point of no return (the forward subscription dropped).
 */
public final class SwitchoverRunner {

    /** The phases, in order. */
    public enum Phase {
        CHECK, FREEZE, DRAIN, SEQUENCES, VERIFY, DROP_FORWARD, ROLLBACK;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public static Phase parse(String label) {
            for (Phase p : values()) {
                if (p.label().equals(label)) {
                    return p;
                }
            }
            throw UpshiftException.usage("unknown phase \"" + label + "\"",
                    "phases: freeze, drain, sequences, verify, drop-forward, rollback");
        }
    }

    public enum FreezeMode { ROLES, NONE }

    public enum VerifyMode { NONE, COUNTS, CHECKSUM }

    /** How to switch over. {@code stopAfter} (null: run to the end) leaves the switchover resumable there. */
    public record Settings(FreezeMode freeze, List<String> appRoles, long maxLagBytes, Duration drainTimeout,
            VerifyMode verify, long sequenceMargin, List<String> sequenceExcludes, boolean rollback,
            Phase stopAfter, TableSelection selection, String destinationConninfo) {
    }

    public record PhaseResult(String phase, String status, double seconds, String detail) {
    }

    /**
     * @param outcome             "switched over", "already complete", "stopped after PHASE", "aborted"
     * @param freezeWindowSeconds from the freeze to the destination being ready (null when this run did not freeze)
     * @param destinationReady    whether the application may now write on destination
     */
    public record Report(String migration, String outcome, List<PhaseResult> phases, Double freezeWindowSeconds,
            boolean destinationReady) {
    }

    private static final String NOT_READY = """
            SELECT count(*) FROM pg_catalog.pg_subscription_rel r
              JOIN pg_catalog.pg_subscription s ON s.oid = r.srsubid
             WHERE s.subname = ? AND r.srsubstate <> 'r'
            """;

    private final Cluster origin;
    private final Cluster destination;
    private final MigrationNames names;
    private final StatementRunner runner;
    private final Output out;
    private final List<PhaseResult> phases = new ArrayList<>();

    public SwitchoverRunner(Cluster origin, Cluster destination, MigrationNames names, StatementRunner runner,
            Output out) {
        this.origin = origin;
        this.destination = destination;
        this.names = names;
        this.runner = runner;
        this.out = out;
    }

    /** Runs (or resumes) the switchover. Asks {@code confirmFreeze} before freezing writes. */
    public Report run(Settings s, Runnable confirmFreeze) throws SQLException {
        Optional<SubscriptionState> forward = SubscriptionState.read(destination.connection(), names.subscription());
        if (forward.isEmpty()) {
            return resumeAfterForwardDropped(s);
        }
        long started = System.nanoTime();
        check(forward.get());
        if (stop(s, Phase.CHECK)) {
            return report("stopped after check", null, false);
        }
        confirmFreeze.run();
        long frozenAt = System.nanoTime();
        freeze(s);
        if (stop(s, Phase.FREEZE)) {
            return report("stopped after freeze", null, false);
        }
        try {
            drain(s);
        } catch (UpshiftException e) {
            if (e.exitCode() == upshift.ExitCode.CHECK_FAILED && s.freeze() == FreezeMode.ROLES) {
                out.warn("drain timed out: unfreezing origin so the application can write again");
                unfreeze();
            }
            throw e;
        }
        if (stop(s, Phase.DRAIN)) {
            return report("stopped after drain", null, false);
        }
        sequences(s);
        if (stop(s, Phase.SEQUENCES)) {
            return report("stopped after sequences", null, false);
        }
        verify(s);
        if (stop(s, Phase.VERIFY)) {
            return report("stopped after verify", null, false);
        }
        dropForward();
        if (stop(s, Phase.DROP_FORWARD)) {
            return report("stopped after drop-forward", seconds(frozenAt), false);
        }
        rollback(s);
        out.note(String.format(Locale.ROOT, "switchover done in %.1f s; writes were frozen for %.1f s",
                seconds(started), seconds(frozenAt)));
        return report(runner.dryRun() ? "dry run" : "switched over", seconds(frozenAt), !runner.dryRun());
    }

    /** Undoes a switchover that has not dropped the forward subscription yet: unfreezes origin. */
    public Report abort() throws SQLException {
        Optional<SubscriptionState> forward = SubscriptionState.read(destination.connection(), names.subscription());
        if (forward.isEmpty()) {
            throw UpshiftException.checkFailed("cannot abort: the forward subscription " + names.subscription()
                    + " is already dropped, the destination is the primary now",
                    "to go back, point the application at origin again; rollback replication has carried"
                            + " destination's writes there");
        }
        long t = System.nanoTime();
        List<String> unfrozen = unfreeze();
        phases.add(new PhaseResult("abort", "done", seconds(t), unfrozen.isEmpty() ? "nothing was frozen"
                : "unfroze " + unfrozen + "; forward subscription " + (forward.get().enabled() ? "still running"
                        : "is DISABLED (see monitor)")));
        out.note("aborted: origin takes writes again" + (unfrozen.isEmpty() ? "" : " (unfroze " + unfrozen + ")"));
        return report("aborted", null, false);
    }

    // ---- phases ---------------------------------------------------------------------------------------------------

    private void check(SubscriptionState forward) throws SQLException {
        long t = System.nanoTime();
        if (!forward.enabled()) {
            throw UpshiftException.checkFailed("the forward subscription " + names.subscription() + " is disabled",
                    "an apply error disables it (disable_on_error): see monitor, fix, enable-subscription");
        }
        long notReady;
        try (PreparedStatement st = destination.connection().prepareStatement(NOT_READY)) {
            st.setString(1, names.subscription());
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                notReady = rs.getLong(1);
            }
        }
        if (notReady > 0) {
            throw UpshiftException.checkFailed("the initial copy is not finished: " + notReady + " table(s) not ready",
                    "wait with: monitor --until caught-up");
        }
        done(Phase.CHECK, t, "forward subscription enabled, " + forward.tables().size() + " tables ready");
    }

    private void freeze(Settings s) throws SQLException {
        long t = System.nanoTime();
        if (s.freeze() == FreezeMode.NONE) {
            done(Phase.FREEZE, t, "--freeze none: the operator stopped the application");
            return;
        }
        Connection c = origin.connection();
        List<String> roles = WriteFreeze.applicationRoles(c, s.appRoles());
        if (roles.isEmpty()) {
            throw UpshiftException.usage("no application role to freeze: every login role is a superuser or upshift's",
                    "name the application's roles with --app-role, or stop the application and use --freeze none");
        }
        List<String> already = WriteFreeze.frozenRoles(c);
        List<String> toFreeze = roles.stream().filter(r -> !already.contains(r)).toList();
        if (!toFreeze.isEmpty()) {
            runner.transaction(origin, WriteFreeze.freezeStatements(origin.facts().database(), toFreeze));
        }
        int terminated;
        if (runner.dryRun()) {
            runner.execute(origin, WriteFreeze.terminateSql(roles));
            terminated = 0;
        } else {
            terminated = WriteFreeze.terminateSessions(c, roles);
        }
        done(Phase.FREEZE, t, "read-only: " + roles + (already.isEmpty() ? "" : " (already frozen: " + already + ")")
                + ", " + terminated + " session(s) terminated");
    }

    private void drain(Settings s) throws SQLException {
        long t = System.nanoTime();
        if (runner.dryRun()) {
            runner.scriptOnly(origin, "-- then wait until pg_replication_slots.confirmed_flush_lsn of "
                    + Sql.literal(names.slot()) + " reaches pg_current_wal_lsn()");
            done(Phase.DRAIN, t, "not run (dry run)");
            return;
        }
        String target = Drain.mark(origin.connection());
        long left = Drain.waitFor(origin.connection(), names.slot(), target, s.maxLagBytes(), s.drainTimeout(),
                out::note);
        done(Phase.DRAIN, t, "destination applied everything up to " + target
                + (left > 0 ? " (" + left + " bytes within --max-lag)" : ""));
    }

    private void sequences(Settings s) throws SQLException {
        long t = System.nanoTime();
        SequencePlan plan = SequenceSync.plan(origin.connection(), destination.connection(), s.sequenceExcludes(),
                s.sequenceMargin());
        plan.apply(runner, destination);
        plan.missingOnDestination().forEach(m -> out.warn("sequence " + m + " exists on origin only: not synced"));
        if (!plan.errors().isEmpty()) {
            throw UpshiftException.checkFailed("sequences could not be synced: " + plan.errors(),
                    "origin stays frozen: fix them (see sync-sequences --check), then re-run switchover,"
                            + " or switchover --abort");
        }
        done(Phase.SEQUENCES, t, plan.toSet().size() + " sequences synced"
                + (plan.missingOnDestination().isEmpty() ? "" : ", " + plan.missingOnDestination().size()
                        + " missing on destination"));
    }

    private void verify(Settings s) throws SQLException {
        long t = System.nanoTime();
        if (s.verify() == VerifyMode.NONE || runner.dryRun()) {
            done(Phase.VERIFY, t, s.verify() == VerifyMode.NONE ? "skipped (--verify none)" : "not run (dry run)");
            return;
        }
        List<QualifiedName> tables = PublishedTables.read(origin.connection(), names.publication())
                .map(PublishedTables::tables)
                .orElseGet(() -> selectTables(s));
        VerifyReport report = Verification.run(origin, destination, tables, s.verify() == VerifyMode.CHECKSUM);
        if (!report.equal()) {
            throw UpshiftException.checkFailed("verification found differences after the drain: "
                    + report.differences(), "origin stays frozen: investigate with verify"
                    + (s.verify() == VerifyMode.CHECKSUM ? " --checksum" : "")
                    + ", then re-run switchover, or switchover --abort");
        }
        done(Phase.VERIFY, t, tables.size() + " tables equal (" + s.verify().name().toLowerCase(Locale.ROOT) + ")");
    }

    private void dropForward() {
        long t = System.nanoTime();
        // DROP SUBSCRIPTION stops the apply worker and drops the slot on origin through the publisher connection.
        runner.execute(destination, "DROP SUBSCRIPTION " + Sql.ident(names.subscription()));
        done(Phase.DROP_FORWARD, t, "dropped " + names.subscription() + " and its slot " + names.slot());
    }

    private void rollback(Settings s) throws SQLException {
        long t = System.nanoTime();
        if (!s.rollback()) {
            done(Phase.ROLLBACK, t, "skipped (--no-rollback)");
            return;
        }
        RollbackReplication.Result r = new RollbackReplication(origin, destination, names, runner, out)
                .setUp(s.destinationConninfo(), s.selection(), true);
        done(Phase.ROLLBACK, t, r.publication() + " " + r.publicationAction() + "; " + r.subscription() + " "
                + r.subscriptionAction());
    }

    private Report resumeAfterForwardDropped(Settings s) throws SQLException {
        boolean rollbackRunning = SubscriptionState.read(origin.connection(), names.rollbackSubscription())
                .map(SubscriptionState::enabled).orElse(false);
        if (rollbackRunning || !s.rollback()) {
            out.note("switchover already complete: the forward subscription is gone"
                    + (rollbackRunning ? " and rollback replication is running" : ""));
            return report("already complete", null, true);
        }
        if (PublishedTables.read(origin.connection(), names.publication()).isEmpty()) {
            throw new UpshiftException("no forward subscription and no publication of migration " + names.name(),
                    "nothing to switch over: check --name, or run the runbook from create-publication");
        }
        out.note("resuming: the forward subscription is already dropped; setting up rollback replication");
        long t = System.nanoTime();
        rollback(s);
        return report("switched over", seconds(t), !runner.dryRun());
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private List<String> unfreeze() throws SQLException {
        List<String> frozen = WriteFreeze.frozenRoles(origin.connection());
        if (!frozen.isEmpty()) {
            runner.transaction(origin, WriteFreeze.unfreezeStatements(origin.facts().database(), frozen));
        }
        return frozen;
    }

    private List<QualifiedName> selectTables(Settings s) {
        try {
            return s.selection().select(origin.connection()).stream().map(TableSelection.Table::name).toList();
        } catch (SQLException e) {
            throw new UpshiftException("cannot list origin tables: " + e.getMessage(), null, e);
        }
    }

    private boolean stop(Settings s, Phase phase) {
        if (s.stopAfter() == phase) {
            out.note("stopping after " + phase.label() + " (--stop-after): re-run switchover to continue, or"
                    + " switchover --abort to undo");
            return true;
        }
        return false;
    }

    private void done(Phase phase, long startedNanos, String detail) {
        double secs = seconds(startedNanos);
        phases.add(new PhaseResult(phase.label(), "done", secs, detail));
        out.note(String.format(Locale.ROOT, "  %-13s %6.2f s  %s", phase.label(), secs, detail));
    }

    private Report report(String outcome, Double freezeWindow, boolean ready) {
        return new Report(names.name(), outcome, List.copyOf(phases), freezeWindow, ready);
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }
}
