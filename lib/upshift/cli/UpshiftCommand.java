package upshift.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SortedSet;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.OptionSpec;
import upshift.ExitCode;
import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.connect.ConnectSettings;
import upshift.connect.Endpoint;
import upshift.connect.Environment;
import upshift.connect.ExplicitConninfo;
import upshift.migration.KnownMigrations;
import upshift.migration.MigrationNames;
import upshift.report.Output;
import upshift.sql.StatementRunner;

/**
 * The base of every script: the shared options, the two clusters, output, and the translation of failures into
 * one line, a hint and an exit code. A script implements {@link #execute()} and reads like its runbook step; its
 * {@code @Command} names its alias and, as {@code header}, its one-line summary from the registry of steps
 * ({@link upshift.runbook.Step.Summary}). Option values are typed: {@link Converters} turns durations, sizes and
 * kebab-case enum choices into values once for every script.
 */
@Command(mixinStandardHelpOptions = true,
        version = "upshift " + UpshiftCommand.VERSION,
        sortOptions = false,
        usageHelpAutoWidth = true,
        synopsisHeading = "%nUsage: ",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done (or already in place)",
            "1:failed (one-line error and a hint on stderr): connection refused, a server error",
            "2:usage error: unknown option, bad value, malformed URL or conninfo, unknown service or --name",
            "3:a check did not pass: it found a PROBLEM"})
public abstract class UpshiftCommand implements Callable<Integer> {

    /** The toolkit's version, shown by --version. */
    public static final String VERSION = "0.1.0";

    @Mixin
    protected CommonOptions options;

    private Environment environment = Environment.system();
    private PrintStream stdout = System.out;
    private PrintStream stderr = System.err;
    private Output output;
    private Cluster origin;
    private Cluster destination;
    private StatementRunner runner;

    /** The step itself. Returns an {@link ExitCode}; throws {@link UpshiftException} for failures. */
    protected abstract int execute() throws Exception;

    /** The script's name, for application_name and messages. */
    protected String stepName() {
        Command command = getClass().getAnnotation(Command.class);
        return command != null && !command.name().equals("<main class>") ? command.name()
                : getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }

    // ---- running ----------------------------------------------------------------------------------------------

    /** Parses the arguments, runs the step and returns its exit code. Scripts call {@code System.exit} on it. */
    public static int run(UpshiftCommand command, String... args) {
        return run(command, Environment.system(), System.out, System.err, args);
    }

    /** The same with an explicit environment and streams, for tests. */
    public static int run(UpshiftCommand command, Environment env, PrintStream out, PrintStream err,
            String... args) {
        command.environment = env;
        command.stdout = out;
        command.stderr = err;
        CommandLine cli = commandLine(command);
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setParameterExceptionHandler((e, arguments) -> {
            if (e.getCause() instanceof Converters.Invalid invalid && e.getArgSpec() instanceof OptionSpec option) {
                // e.g. error: invalid value for --freeze: "hrad" / hint: one of: hard, soft, none
                err.println("error: " + upshift.connect.Secrets.redact("invalid " + invalid.kind() + " for "
                        + option.longestName() + ": \"" + e.getValue() + "\""));
                err.println("hint: " + invalid.hint());
            } else {
                err.println("error: " + upshift.connect.Secrets.redact(e.getMessage()));
                err.println("hint: see " + command.stepName() + " --help");
            }
            return ExitCode.USAGE;
        });
        return cli.execute(args);
    }

    /**
     * The command line of a script: picocli's, with upshift's converters registered ({@link Converters}: durations,
     * sizes, kebab-case enums). Everything that parses a script's arguments goes through here.
     */
    public static CommandLine commandLine(UpshiftCommand command) {
        return Converters.register(new CommandLine(command));
    }

    /**
     * A new instance of a script by its class name ({@link upshift.runbook.Step#scriptClass()}): how console and
     * rehearse run the other steps, whose scripts their //SOURCES compile into the same default package.
     */
    public static UpshiftCommand newScript(String scriptClass) {
        try {
            var constructor = Class.forName(scriptClass).getDeclaredConstructor();
            constructor.setAccessible(true);
            return (UpshiftCommand) constructor.newInstance();
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("the script " + scriptClass + " is not compiled in: add "
                    + scriptClass + ".java to this script's //SOURCES", e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create the script " + scriptClass + ": " + e, e);
        }
    }

    /** What a step run in this JVM printed, and its exit code. */
    public record Captured(int exitCode, String stdout, String stderr) {
    }

    /**
     * Runs a step in this JVM with that environment and captures what it prints: how rehearse and the tests run
     * the scripts exactly as an operator would, without a process per step.
     */
    public static Captured capture(UpshiftCommand command, Environment env, String... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = run(command, env, o, e, args);
        }
        return new Captured(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Override
    public final Integer call() {
        output = new Output(stdout, stderr, options.json, options.verbose);
        try {
            refuseSameDatabase();
            return execute();
        } catch (UpshiftException e) {
            output.error(e);
            return e.exitCode();
        } catch (Exception e) {
            output.error(e);
            return ExitCode.FAILED;
        } finally {
            if (origin != null) {
                origin.close();
            }
            if (destination != null) {
                destination.close();
            }
        }
    }

    /**
     * Every step, before it does anything: when both origin and destination are given, they must not be one
     * database ({@link upshift.connect.SameServer}). A side that is malformed or unreachable is left to the step.
     */
    private void refuseSameDatabase() {
        Cluster o;
        Cluster d;
        try {
            o = originIfGiven().orElse(null);
            d = destinationIfGiven().orElse(null);
        } catch (UpshiftException e) {
            return;
        }
        if (o != null && d != null) {
            upshift.connect.SameServer.refuseSameDatabase(o, d);
        }
    }

    // ---- what a step uses -----------------------------------------------------------------------------------

    protected Output out() {
        return output;
    }

    protected MigrationNames names() {
        return new MigrationNames(options.name);
    }

    /**
     * For a step that works on an existing migration (enable-subscription, monitor, switchover, switchback,
     * setup-rollback): refuses, as a usage error (exit 2: the --name is wrong, no check ran), a --name of which
     * nothing exists on origin or destination, naming the migrations that do exist.
     */
    protected void requireMigration() {
        requireMigration(List.of(origin(), destination()));
    }

    /** The same, looking only on these servers (a step that needs only one side). */
    protected void requireMigration(List<Cluster> servers) {
        KnownMigrations.require(names(), servers, stepName());
    }

    /**
     * For a step that must stay idempotent (cleanup: a second run finds nothing left, and that is fine): a --name
     * of which nothing exists while other migrations do is only warned about, naming them.
     */
    protected void warnUnknownMigration() {
        List<Cluster> servers = List.of(origin(), destination());
        if (KnownMigrations.exists(names(), servers)) {
            return;
        }
        SortedSet<String> known = KnownMigrations.on(servers);
        if (!known.isEmpty()) {
            output.warn("nothing of a migration named " + names().name() + " exists on origin or destination;"
                    + " the migrations here: " + String.join(", ", known) + " (check --name)");
        }
    }

    /**
     * For a step whose tables default to the migration's and otherwise to a selection (verify, vacuum-analyze
     * with --tables-from auto): a --name of which nothing exists is refused where other migrations exist (the name
     * is wrong); where none exists at all the step goes on with its fallback, and a note says so.
     *
     * @param fallback what the step does instead, e.g. "verifying the tables --owner/--exclude/--schema select"
     */
    protected void requireMigrationOrNone(List<Cluster> servers, String fallback) {
        if (KnownMigrations.exists(names(), servers)) {
            return;
        }
        SortedSet<String> known = KnownMigrations.on(servers);
        if (!known.isEmpty()) {
            throw KnownMigrations.unknown(names(), known, servers, stepName());
        }
        output.note("no migration named " + names().name() + " exists yet: " + fallback);
    }

    protected boolean dryRun() {
        return options.dryRun;
    }

    protected StatementRunner runner() {
        if (runner == null) {
            runner = new StatementRunner(output, options.dryRun);
        }
        return runner;
    }

    /** The origin cluster; a usage error when neither --origin nor PGURL_ORIGIN is given. */
    protected Cluster origin() {
        return originIfGiven().orElseThrow(() -> UpshiftException.usage(
                "no origin given", "pass --origin URL or set PGURL_ORIGIN"));
    }

    /** The destination cluster; a usage error when neither --destination nor PGURL_DESTINATION is given. */
    protected Cluster destination() {
        return destinationIfGiven().orElseThrow(() -> UpshiftException.usage(
                "no destination given", "pass --destination URL or set PGURL_DESTINATION"));
    }

    protected Optional<Cluster> originIfGiven() {
        if (origin == null) {
            origin = cluster("origin", options.origin, "PGURL_ORIGIN");
        }
        return Optional.ofNullable(origin);
    }

    protected Optional<Cluster> destinationIfGiven() {
        if (destination == null) {
            destination = cluster("destination", options.destination, "PGURL_DESTINATION");
        }
        return Optional.ofNullable(destination);
    }

    /**
     * The conninfo the destination server uses to reach the origin (CREATE SUBSCRIPTION ... CONNECTION): the one
     * derived from --origin, or --origin-conninfo, completed with --origin's password when it names the same user
     * and has none ({@link ExplicitConninfo}).
     */
    protected String originConninfo() {
        return options.originConninfo != null
                ? explicit(options.originConninfo, originIfGiven(), "--origin-conninfo", "--origin")
                : origin().endpoint().conninfo();
    }

    /** The conninfo the origin server uses to reach the destination (the rollback subscription), likewise. */
    protected String destinationConninfo() {
        return options.destinationConninfo != null
                ? explicit(options.destinationConninfo, destinationIfGiven(), "--destination-conninfo",
                        "--destination")
                : destination().endpoint().conninfo();
    }

    private final java.util.Set<String> conninfoNotes = new java.util.HashSet<>();

    private String explicit(String given, Optional<Cluster> derived, String option, String derivedOption) {
        ExplicitConninfo c = ExplicitConninfo.complete(given, derived.map(Cluster::endpoint).orElse(null), option,
                derivedOption);
        if (c.note() != null && conninfoNotes.add(c.note())) {
            output.note(c.note());
        }
        return c.conninfo();
    }

    /**
     * Asks before a destructive step. --yes answers for the operator; with no terminal to ask on, the step is
     * refused rather than taken.
     */
    protected void confirm(String question) {
        if (options.yes || options.dryRun) {
            return;
        }
        if (System.console() == null) {
            throw UpshiftException.usage(question + " — no terminal to confirm on",
                    "run again with --yes to proceed without confirmation");
        }
        stderr.print(question + " [y/N] ");
        stderr.flush();
        try {
            String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (answer == null || !answer.strip().toLowerCase(Locale.ROOT).startsWith("y")) {
                throw new UpshiftException("not confirmed: nothing was changed", null);
            }
        } catch (java.io.IOException e) {
            throw new UpshiftException("cannot read the confirmation: " + e.getMessage(), "use --yes", e);
        }
    }

    /**
     * A cluster from an option value or, when that is null, an environment variable (PGURL_...); null when
     * neither is given. For a third database a step needs (e.g. dump-schema's reference): the caller closes it.
     */
    protected Cluster cluster(String role, String option, String variable) {
        String given = option != null ? option : environment.get(variable);
        if (given == null) {
            return null;
        }
        Endpoint endpoint = Endpoint.resolve(given, environment);
        endpoint.notes().forEach(output::warn);
        ConnectSettings settings = new ConnectSettings("upshift " + stepName(), options.connectTimeoutSeconds,
                ConnectSettings.DEFAULT_STATEMENT_TIMEOUT, ConnectSettings.DEFAULT_LOCK_TIMEOUT);
        return new Cluster(role, endpoint, settings);
    }
}
