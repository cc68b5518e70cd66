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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Spec;
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

    @Spec
    private CommandSpec commandSpec;

    /** Answers to {@link #confirm} as if typed on a terminal (tests); null: the real terminal, if any. */
    private BufferedReader terminal;

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
        CommandLine cli = Converters.register(new CommandLine(command));
        Invocation.of(command.environment).apply(cli.getCommandSpec().usageMessage());
        return cli;
    }

    /**
     * Makes {@link #confirm} read its answers from {@code answers} as if they were typed on a terminal: how the
     * tests answer a prompt. Returns this command.
     */
    public UpshiftCommand answeringFrom(java.io.Reader answers) {
        this.terminal = new BufferedReader(answers);
        return this;
    }

    /** The mixin of that type the script composes (directly or inside another mixin), or null. */
    protected final <T> T mixin(Class<T> type) {
        return commandSpec == null ? null : find(commandSpec, type);
    }

    private static <T> T find(CommandSpec spec, Class<T> type) {
        for (CommandSpec m : spec.mixins().values()) {
            if (type.isInstance(m.userObject())) {
                return type.cast(m.userObject());
            }
            T nested = find(m, type);
            if (nested != null) {
                return nested;
            }
        }
        return null;
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
        CommonOptions.Json json = mixin(CommonOptions.Json.class);
        output = new Output(stdout, stderr, json != null && json.json, options.verbose).describing(stepName(),
                options.name);
        try {
            refuseSameDatabase();
            int code = execute();
            if (runner != null) {
                runner.flushScripts();
            }
            return code;
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
        CommonOptions.DryRun one = mixin(CommonOptions.DryRun.class);
        CommonOptions.TwoServerDryRun two = mixin(CommonOptions.TwoServerDryRun.class);
        return one != null && one.dryRun || two != null && two.dryRun;
    }

    /**
     * The runner of the step's statements. For a step with {@link CommonOptions.TwoServerDryRun} its --dry-run
     * collects one script per server (--on picks one); they are printed when {@link #execute} returns, or
     * earlier by {@link StatementRunner#flushScripts()}.
     */
    protected StatementRunner runner() {
        if (runner == null) {
            runner = new StatementRunner(output, dryRun());
            CommonOptions.TwoServerDryRun two = mixin(CommonOptions.TwoServerDryRun.class);
            if (two != null && two.dryRun) {
                runner.scriptPerServer(two.on == null ? null : Converters.kebab(two.on), stepName());
            }
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
            CommonOptions.Servers servers = mixin(CommonOptions.Servers.class);
            CommonOptions.OriginOnly only = mixin(CommonOptions.OriginOnly.class);
            if (servers == null && only == null) {
                return Optional.empty();
            }
            origin = cluster("origin", servers != null ? servers.origin : only.origin, "PGURL_ORIGIN");
        }
        return Optional.ofNullable(origin);
    }

    protected Optional<Cluster> destinationIfGiven() {
        if (destination == null) {
            CommonOptions.Servers servers = mixin(CommonOptions.Servers.class);
            CommonOptions.DestinationOnly only = mixin(CommonOptions.DestinationOnly.class);
            if (servers == null && only == null) {
                return Optional.empty();
            }
            destination = cluster("destination", servers != null ? servers.destination : only.destination,
                    "PGURL_DESTINATION");
        }
        return Optional.ofNullable(destination);
    }

    /**
     * The conninfo the destination server uses to reach the origin (CREATE SUBSCRIPTION ... CONNECTION): the one
     * derived from --origin, or --origin-conninfo, completed with --origin's password when it names the same user
     * and has none ({@link ExplicitConninfo}).
     */
    protected String originConninfo() {
        CommonOptions.OriginConninfo given = mixin(CommonOptions.OriginConninfo.class);
        return given != null && given.originConninfo != null
                ? explicit(given.originConninfo, originIfGiven(), "--origin-conninfo", "--origin")
                : origin().endpoint().conninfo();
    }

    /** The conninfo the origin server uses to reach the destination (the rollback subscription), likewise. */
    protected String destinationConninfo() {
        CommonOptions.DestinationConninfo given = mixin(CommonOptions.DestinationConninfo.class);
        return given != null && given.destinationConninfo != null
                ? explicit(given.destinationConninfo, destinationIfGiven(), "--destination-conninfo",
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
     * Asks before a step changes something for good. {@code plan} says what will happen: the roles frozen, the
     * objects dropped, where the point of no return is. --yes answers for the operator (and the plan is still
     * shown); a --dry-run asks nothing. Only a terminal is asked: an answer on a standard input that is not one
     * ({@code echo y |}, a file, a closed stdin) is never taken, since nothing shows that the question it
     * answers is the one asked; there --yes is the answer, and the refusal says so.
     */
    protected void confirm(String plan) {
        if (dryRun()) {
            return;
        }
        CommonOptions.Yes yes = mixin(CommonOptions.Yes.class);
        if (yes == null) {
            throw new IllegalStateException(stepName() + " asks for confirmation but has no --yes:"
                    + " add @Mixin CommonOptions.Yes to the script");
        }
        if (yes.yes) {
            output.note(plan);
            output.note("--yes: confirmed");
            return;
        }
        BufferedReader answers = terminal;
        if (answers == null && System.console() != null) {
            answers = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        }
        if (answers == null) {
            output.note(plan);
            throw UpshiftException.usage("not confirmed: standard input is not a terminal, and " + stepName()
                    + " never reads a confirmation from a pipe or a file (`echo y |` is not an answer);"
                    + " nothing was changed",
                    "read what it would do above; to go ahead without a terminal, run again with --yes");
        }
        stderr.println(plan);
        stderr.print("Go ahead? [y/N] ");
        stderr.flush();
        try {
            String answer = answers.readLine();
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
        CommonOptions.ConnectTimeout timeout = mixin(CommonOptions.ConnectTimeout.class);
        int seconds = timeout != null ? timeout.seconds() : ConnectSettings.DEFAULT_CONNECT_TIMEOUT_SECONDS;
        ConnectSettings settings = new ConnectSettings("upshift " + stepName(), seconds,
                ConnectSettings.DEFAULT_STATEMENT_TIMEOUT, ConnectSettings.DEFAULT_LOCK_TIMEOUT);
        return new Cluster(role, endpoint, settings);
    }
}
