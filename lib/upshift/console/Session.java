package upshift.console;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import upshift.ExitCode;
import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.migration.Direction;
import upshift.migration.MigrationNames;
import upshift.monitor.MonitorView;
import upshift.monitor.ReplicationSnapshot;
import upshift.report.Output;
import upshift.server.ServerFacts;

/**
 * What the console's calls do: each runbook step is one method that runs the step's own script in this JVM
 * (so it prints what {@code ./jbang <step>} prints, with the console's clusters and migration name), plus
 * {@link #lag()} and {@link #sql}. Every method returns the step's exit code and never throws: failures print
 * as the scripts print them (one line of error, one of hint).
 *
 * <p>Destructive steps ({@link #switchover(boolean, String...)}, {@link #cleanup(boolean, String...)}) run as
 * the scripts run: without {@code yes} the script asks, and since nothing can be typed at a prompt inside the
 * console, it stops there having changed nothing; {@code true} passes {@code --yes}.
 */
public final class Session {

    private static volatile Session current;

    /** One call of the console: how it is written, what it does. */
    public record Call(String signature, String description) {
    }

    /** The calls, as help() and the banner list them. */
    public static final List<Call> CALLS = List.of(
            new Call("status()", "where the migration stands: servers, publication, subscription, slots (status)"),
            new Call("preflight()", "readiness and compatibility report (preflight); options as strings:"
                    + " preflight(\"--skip-data-checks\")"),
            new Call("monitor()", "sync state, copy progress, lag, what is wrong and the fix (monitor);"
                    + " monitor(\"--rollback\"), monitor(\"--until\", \"caught-up\", \"--timeout\", \"10m\")"),
            new Call("lag()", "one line: tables ready, slot lag, last report (forward); rollbackLag() after"
                    + " switchover"),
            new Call("syncSequences(dryRun)", "destination sequences from origin values (sync-sequences);"
                    + " true only prints the setval script; checkSequences() compares"),
            new Call("verify()", "row counts on both sides (verify); verify(true): row checksums too"),
            new Call("switchover(yes, options...)", "the write-freeze window (switchover); without true it stops"
                    + " at the confirmation: switchover(true, \"--app-role\", \"app\")"),
            new Call("cleanup(yes, options...)", "drop the forward (or \"--rollback\") replication (cleanup);"
                    + " cleanup() shows the plan and stops, cleanup(true) drops"),
            new Call("sql(origin, \"select ...\")", "any SQL on that session, printed like psql; ? binds"
                    + " values: sql(destination, \"select * from pg_subscription where subname = ?\", name)"),
            new Call("run(\"step\", options...)", "any runbook step by its alias, e.g. run(\"vacuum-analyze\"),"
                    + " run(\"cleanup\", \"--rollback\", \"--dry-run\")"),
            new Call("help()", "this list; /exit leaves the console"));

    /**
     * How UpshiftCommand.confirm refuses ("not confirmed: ..."): no terminal to ask on, or no "y" read (inside JShell a step reads end of
     * input at once, after its question on the same line).
     */
    private static final Pattern CONFIRMATION_REFUSED = Pattern.compile(
            "error: not confirmed: ", Pattern.MULTILINE);

    /** SQLSTATE 25P02: a statement failed inside a transaction block the operator began. */
    private static final String IN_FAILED_TRANSACTION = "25P02";

    private final Cluster origin;
    private final Cluster destination;
    private final MigrationNames names;
    private final Steps steps;
    private final long caughtUpBytes;
    private final Output out;
    private final List<String> notes;

    /**
     * @param origin        the old cluster, or null when none was given
     * @param destination   the new cluster, or null when none was given
     * @param caughtUpBytes the slot lag {@link #lag()} counts as caught up (monitor's --max-lag default)
     * @param notes         lines the banner adds (e.g. that every step runs with --dry-run)
     */
    public Session(Cluster origin, Cluster destination, MigrationNames names, Steps steps, long caughtUpBytes,
            Output out, List<String> notes) {
        this.origin = origin;
        this.destination = destination;
        this.names = names;
        this.steps = steps;
        this.caughtUpBytes = caughtUpBytes;
        this.out = out;
        this.notes = List.copyOf(notes);
    }

    /** The session the running console serves (its start-up snippets fetch it), or null outside a console. */
    public static Session current() {
        return current;
    }

    static void current(Session session) {
        current = session;
    }

    public Cluster origin() {
        return origin;
    }

    public Cluster destination() {
        return destination;
    }

    public MigrationNames names() {
        return names;
    }

    // ---- what the operator sees first ---------------------------------------------------------------------

    /** What is connected (passwords masked), then the calls. */
    public void banner() {
        out.line("upshift console — migration \"" + names.name() + "\"");
        out.line(String.format(Locale.ROOT, "  %-12s %s", "origin", describe(origin, "origin", "PGURL_ORIGIN")));
        out.line(String.format(Locale.ROOT, "  %-12s %s", "destination",
                describe(destination, "destination", "PGURL_DESTINATION")));
        notes.forEach(n -> out.line("  " + n));
        out.blank();
        help();
    }

    private String describe(Cluster cluster, String option, String variable) {
        if (cluster == null) {
            return "not given (--" + option + " URL or " + variable + "); its handle is null";
        }
        try {
            live(cluster);
            ServerFacts facts = cluster.facts();
            return cluster.endpoint() + "  PostgreSQL " + facts.version() + " (" + facts.flavour().label()
                    + "), user " + facts.user() + (facts.superuser() ? " (superuser)" : "")
                    + (facts.inRecovery() ? ", IN RECOVERY (a standby)" : "");
        } catch (SQLException | RuntimeException e) {
            return cluster.endpoint() + "  NOT REACHABLE: " + firstLine(e.getMessage());
        }
    }

    /** The calls the console offers. */
    public void help() {
        int width = CALLS.stream().mapToInt(c -> c.signature().length()).max().orElse(0);
        out.line("Calls (origin and destination are the two clusters; each call prints what its script prints):");
        for (Call call : CALLS) {
            out.line(String.format(Locale.ROOT, "  %-" + width + "s  %s", call.signature(), call.description()));
        }
        out.line("The steps run(\"step\") takes: " + String.join(", ", steps.aliases()));
    }

    // ---- the runbook steps --------------------------------------------------------------------------------

    public int status() {
        return step("status");
    }

    public int preflight(String... options) {
        return step("preflight", options);
    }

    /** One monitor report; its options as strings, e.g. {@code monitor("--rollback")}. */
    public int monitor(String... options) {
        return step("monitor", options);
    }

    /** Forward replication in one line: tables ready, copies, slot lag, last report, and a problem if there is one. */
    public int lag() {
        return lag(Direction.FORWARD);
    }

    /** The same for the rollback replication (destination to origin) after switchover. */
    public int rollbackLag() {
        return lag(Direction.ROLLBACK);
    }

    /** One watch per direction for the session: "caught up" needs the same live apply worker on two looks. */
    private final java.util.Map<Direction, upshift.monitor.WorkerWatch> watches =
            new java.util.EnumMap<>(Direction.class);

    private int lag(Direction direction) {
        return guarded(() -> {
            requireBoth("lag()");
            live(origin);
            live(destination);
            ReplicationSnapshot s = ReplicationSnapshot.take(origin, destination, names, direction, caughtUpBytes,
                    watches.computeIfAbsent(direction, d -> new upshift.monitor.WorkerWatch()));
            out.line(MonitorView.summary(s) + (s.caughtUp() ? " — caught up" : ""));
            return ExitCode.OK;
        });
    }

    /** Sets destination sequences from origin; {@code dryRun} prints the script instead. */
    public int syncSequences(boolean dryRun, String... options) {
        return step("sync-sequences", dryRun ? with(options, "--dry-run") : options);
    }

    /** Compares the sequences only (sync-sequences --check): exit 3 when a destination one is behind. */
    public int checkSequences() {
        return step("sync-sequences", "--check");
    }

    public int verify() {
        return verify(false);
    }

    /** Row counts, and with {@code checksum} a hash of every row's shared columns. */
    public int verify(boolean checksum, String... options) {
        return step("verify", checksum ? with(options, "--checksum") : options);
    }

    /** switchover as the script runs it: it asks before freezing, and the console cannot answer, so it stops. */
    public int switchover(String... options) {
        return destructive("switchover", false, options);
    }

    /** switchover; {@code yes} passes --yes (the operator has confirmed by typing it). */
    public int switchover(boolean yes, String... options) {
        return destructive("switchover", yes, options);
    }

    /** cleanup as the script runs it: shows the plan and asks, and the console cannot answer, so it stops. */
    public int cleanup(String... options) {
        return destructive("cleanup", false, options);
    }

    public int cleanup(boolean yes, String... options) {
        return destructive("cleanup", yes, options);
    }

    /** Any step by its alias, with its options: {@code run("monitor", "--rollback", "--json")}. */
    public int run(String alias, String... options) {
        return step(alias, options);
    }

    // ---- SQL ----------------------------------------------------------------------------------------------

    /**
     * Runs SQL on the console's session to {@code cluster} (autocommit, upshift's statement and lock timeouts)
     * and prints every result as psql's aligned format does. {@code parameters} bind the {@code ?} placeholders.
     */
    public int sql(Cluster cluster, String sql, Object... parameters) {
        return guarded(() -> {
            if (cluster == null) {
                throw UpshiftException.usage("that cluster was not given to the console",
                        "start it with --origin and --destination (or PGURL_ORIGIN / PGURL_DESTINATION)");
            }
            Connection connection = live(cluster);
            out.statement(cluster.role(), sql);
            try {
                for (QueryTable.Result result : QueryTable.run(connection, sql, QueryTable.MAX_ROWS, parameters)) {
                    if (result.table() != null) {
                        out.table(result.table());
                    }
                    out.line(result.footer());
                }
            } catch (SQLException e) {
                throw new UpshiftException(cluster.role() + ": " + e.getMessage(),
                        IN_FAILED_TRANSACTION.equals(e.getSQLState()) ? "a statement of the transaction you began"
                                + " failed: sql(" + cluster.role() + ", \"rollback\") ends it" : null);
            }
            return ExitCode.OK;
        });
    }

    // ---- plumbing -----------------------------------------------------------------------------------------

    private int step(String alias, String... options) {
        Steps.Outcome outcome = guardedStep(alias, options);
        if (outcome.exitCode() != ExitCode.OK) {
            out.note("-> " + alias + " exited " + outcome.exitCode() + " (" + meaning(outcome.exitCode()) + ")");
            if (CONFIRMATION_REFUSED.matcher(outcome.stderrTail()).find()) {
                out.note("   nothing can be typed at a prompt in the console: " + confirmedCall(alias, options)
                        + " answers yes");
            }
        }
        return outcome.exitCode();
    }

    private int destructive(String alias, boolean yes, String... options) {
        return step(alias, yes ? with(options, "--yes") : options);
    }

    private Steps.Outcome guardedStep(String alias, String... options) {
        try {
            return steps.run(alias, options);
        } catch (UpshiftException e) {
            out.error(e);
            return new Steps.Outcome(e.exitCode(), "");
        } catch (RuntimeException e) {
            out.error(e);
            return new Steps.Outcome(ExitCode.FAILED, "");
        }
    }

    /** The call that runs the step again with --yes: cleanup(true, ...) or run("step", ..., "--yes"). */
    private static String confirmedCall(String alias, String... options) {
        boolean ownMethod = alias.equals("switchover") || alias.equals("cleanup");
        List<String> arguments = new ArrayList<>();
        arguments.add(ownMethod ? "true" : quoted(alias));
        Arrays.stream(options).map(Session::quoted).forEach(arguments::add);
        if (!ownMethod) {
            arguments.add(quoted("--yes"));
        }
        return (ownMethod ? alias : "run") + "(" + String.join(", ", arguments) + ")";
    }

    /** A Java string literal, as the operator would type it again. */
    private static String quoted(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private interface Action {
        int run() throws Exception;
    }

    /** Runs an action; a failure prints as a script's would (error line, hint line) and becomes its exit code. */
    private int guarded(Action action) {
        try {
            return action.run();
        } catch (UpshiftException e) {
            out.error(e);
            return e.exitCode();
        } catch (Exception e) {
            out.error(e);
            return ExitCode.FAILED;
        }
    }

    /** The cluster's session, reopened when it broke (a restarted server, a dropped connection). */
    private static Connection live(Cluster cluster) throws SQLException {
        Connection connection = cluster.connection();
        if (!connection.isValid(5)) {
            cluster.close();
            connection = cluster.connection();
        }
        return connection;
    }

    private void requireBoth(String call) {
        if (origin == null || destination == null) {
            throw UpshiftException.usage(call + " needs both clusters",
                    "start the console with --origin and --destination (or PGURL_ORIGIN / PGURL_DESTINATION)");
        }
    }

    private static String[] with(String[] options, String option) {
        String[] all = Arrays.copyOf(options, options.length + 1);
        all[options.length] = option;
        return all;
    }

    private static String meaning(int code) {
        return switch (code) {
            case ExitCode.FAILED -> "failed";
            case ExitCode.USAGE -> "usage error";
            case ExitCode.CHECK_FAILED -> "a check did not pass";
            default -> "exit code " + code;
        };
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl >= 0 ? message.substring(0, nl) : message;
    }
}
