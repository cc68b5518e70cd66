///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES ../lib/upshift/Library.java


import java.time.Duration;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import upshift.ExitCode;
import upshift.UpshiftException;
import upshift.cli.ByteSize;
import upshift.cli.CommonOptions;
import upshift.cli.UpshiftCommand;
import upshift.connect.Cluster;
import upshift.migration.Direction;
import upshift.monitor.Diagnosis;
import upshift.monitor.MonitorLoop;
import upshift.monitor.MonitorView;
import upshift.monitor.ReplicationSnapshot;
import upshift.monitor.Until;
import upshift.monitor.WorkerWatch;
import upshift.report.Units;
import upshift.runbook.Step;

@Command(name = "monitor", header = Step.Summary.MONITOR,
        description = "Watch the logical replication: each table's sync state, initial copy progress, the slot's"
                + " lag on the publisher, the apply worker and its errors on the subscriber. A disabled or failing"
                + " subscription is explained (missing columns, NOT NULL columns, values that do not fit) with the"
                + " fix. --until waits for the initial copy (ready) or for the lag to drop (caught-up). Exit 3 when"
                + " the report says PROBLEM.",
        footer = {"", "Examples:",
            "  ./jbang monitor",
            "  ./jbang monitor --watch --interval 10s",
            "  ./jbang monitor --until ready --timeout 6h",
            "  ./jbang monitor --until caught-up --max-lag 16MB --timeout 30m",
            "  ./jbang monitor --watch --json | jq -c '{ready, lag: .slot.lagBytes}'",
            "  ./jbang monitor --rollback"})
class Monitor extends UpshiftCommand {

    @Mixin
    CommonOptions.Servers serversOption;

    @Mixin
    CommonOptions.Json jsonOption;

    /** Well under a second of apply on any server, yet above the few kB an idle origin's background WAL leaves. */
    static final String DEFAULT_MAX_LAG = "1MB";
    static final String DEFAULT_TIMEOUT = "24h";

    @Option(names = "--rollback",
            description = "Watch the rollback replication instead: subscription NAME_rollback_sub on origin,"
                    + " slot NAME_rollback_slot on destination.")
    boolean rollback;

    @Option(names = "--watch",
            description = "Poll every --interval until Ctrl-C or --timeout (a terminal is redrawn; --json prints"
                    + " one JSON object per poll, one per line).")
    boolean watch;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "5s",
            description = "Time between polls of --watch and --until, e.g. 5s, 1m. Default: ${DEFAULT-VALUE}.")
    Duration interval;

    @Option(names = "--until", paramLabel = "ready|caught-up",
            description = "Poll until every table is ready (r), or until ready and the slot's lag is at most"
                    + " --max-lag with the slot active and a live apply worker that kept its pid across two polls"
                    + " (15+: and no new apply error); exit 0 then, 3 at once when the subscription is disabled or"
                    + " missing or its worker fails for a known cause, 3 on --timeout.")
    Until until;

    @Option(names = "--max-lag", paramLabel = "SIZE", defaultValue = DEFAULT_MAX_LAG,
            description = "The slot lag (pg_current_wal_lsn() - confirmed_flush_lsn on the publisher) that counts"
                    + " as caught up: bytes, or 512kB, 16MB, 1GB. Default: ${DEFAULT-VALUE}.")
    ByteSize maxLag;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = DEFAULT_TIMEOUT,
            description = "Stop --until (exit 3) or --watch (exit 0) after this long, e.g. 90s, 30m, 6h."
                    + " Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    public static void main(String... args) {
        System.exit(run(new Monitor(), args));
    }

    @Override
    protected int execute() {
        requireMigration();
        Direction direction = rollback ? Direction.ROLLBACK : Direction.FORWARD;
        long maxLagBytes = maxLag.bytes();
        Until condition = until;
        Duration pollInterval = interval;
        Duration limit = timeout;
        Cluster origin = origin();
        Cluster destination = destination();
        boolean terminal = System.console() != null;
        WorkerWatch worker = new WorkerWatch();
        MonitorLoop.Source snapshot = () -> ReplicationSnapshot.take(origin, destination, names(), direction,
                maxLagBytes, worker);

        if (!watch && condition == null) {
            ReplicationSnapshot s = snapshot.take();
            show(s, terminal);
            return problem(s);
        }

        int[] polls = {0};
        MonitorLoop.Outcome outcome = new MonitorLoop(condition, pollInterval, limit).run(snapshot,
                s -> {
                    polls[0]++;
                    if (watch) {
                        MonitorView.poll(out(), s, terminal, polls[0]);
                    } else {
                        out().note(MonitorView.summary(s));
                    }
                },
                failure -> out().warn("poll failed, trying again: " + failure),
                () -> {
                    origin.close();
                    destination.close();
                });
        ReplicationSnapshot last = outcome.last();
        if (!watch && last != null) {
            show(last, terminal);
        }
        String waited = Units.pretty(outcome.waited());
        switch (outcome.result()) {
            case MET:
                out().note(condition.option() + " after " + waited + " (" + outcome.polls() + " polls)");
                return ExitCode.OK;
            case WATCHED:
                return last == null ? ExitCode.OK : problem(last);
            case BLOCKED:
                Diagnosis d = last.diagnosis();
                throw UpshiftException.checkFailed(d.headline(), d.firstFix());
            default:
                Diagnosis found = last == null ? null : last.diagnosis();
                String where = last == null ? "" : found != null ? ": " + found.headline()
                        : condition == Until.CAUGHT_UP && last.ready() && last.notCaughtUp() != null
                                ? ": " + last.notCaughtUp() : ": " + MonitorView.summary(last);
                throw UpshiftException.checkFailed("timed out after " + waited + " waiting for "
                        + condition.option() + where, found != null && found.firstFix() != null ? found.firstFix()
                                : "run monitor again with a longer --timeout"
                                        + (condition == Until.CAUGHT_UP ? " or a larger --max-lag" : "")
                                        + "; the report above says where it stands");
        }
    }

    /** A report that says PROBLEM (nothing progresses until an operator acts) exits 3, like --until. */
    private int problem(ReplicationSnapshot s) {
        if (s.blocked()) {
            Diagnosis d = s.diagnosis();
            throw UpshiftException.checkFailed(d.headline(), d.firstFix());
        }
        return ExitCode.OK;
    }

    private void show(ReplicationSnapshot s, boolean terminal) {
        if (out().json()) {
            out().json(s);
        } else {
            MonitorView.print(out(), s, terminal);
        }
    }
}
