package upshift.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.cli.UpshiftCommand;
import upshift.connect.Cluster;
import upshift.connect.ConnectSettings;
import upshift.connect.Endpoint;
import upshift.connect.Environment;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.report.Output;
import upshift.report.Table;
import upshift.testing.Run;
import upshift.testing.Wait;

/**
 * The console as an operator uses it: {@code ./jbang console} in a subprocess, calls typed on standard input,
 * against the shop on a 13 origin and a 16 destination with forward replication running.
 */
class ConsoleTest {

    /** A first run compiles the console (and every step it runs) and may resolve JBang: allow a cold machine. */
    private static final long FIRST_RUN_SECONDS = 600;

    @ParameterizedTest(name = "./jbang console: status(), lag(), sql(), verify(), cleanup() 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void callsPrintWhatTheStepsPrint(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "console_calls", 20);
        forwardReplication(f);
        long users = f.originLong("SELECT count(*) FROM auth_user");

        Run run = console(f.env(), """
                status()
                lag()
                sql(origin, "select count(*) as users from auth_user")
                sql(destination, "select count(*) as copied from auth_user where id > ?", 0)
                sql(origin, "select nonsense from nowhere")
                verify()
                cleanup()
                cleanup(true)
                /exit
                """, "--name", f.database());
        String out = run.stdout();
        String all = out + run.stderr();

        assertEquals(ExitCode.OK, run.exitCode(), all);
        // the banner: both endpoints, masked, and their versions
        assertTrue(out.contains("upshift console — migration \"" + f.database() + "\""), out);
        assertTrue(out.contains("origin       " + Endpoint.resolve(f.originUrl())), out);
        assertTrue(out.contains("destination  " + Endpoint.resolve(f.destinationUrl())), out);
        // status(): the status script's report
        assertTrue(out.contains("upshift status: migration \"" + f.database() + "\""), out);
        assertTrue(out.contains("PostgreSQL 13."), out);
        assertTrue(out.contains("PostgreSQL 16."), out);
        assertTrue(out.contains(f.names().subscription()), out);
        // lag(): monitor's one-line summary
        assertTrue(out.contains("5/5 tables ready"), out);
        assertTrue(out.contains("slot lag "), out);
        // sql(): psql-like tables, parameters bound, an error in one line without a stack trace
        assertTrue(out.contains(Table.of("users").row(users).render() + "(1 row)"), out);
        assertTrue(out.contains(Table.of("copied").row(users).render() + "(1 row)"), out);
        assertTrue(run.stderr().contains("error: origin: ERROR: relation \"nowhere\" does not exist"), all);
        assertFalse(all.contains("\tat "), all);
        // verify(): the verify script's table, no difference
        assertTrue(out.contains("auth_user"), out);
        // cleanup() stops at the confirmation it cannot get; cleanup(true) drops
        assertTrue(run.stderr().contains("not confirmed: standard input is not a terminal"), all);
        assertTrue(run.stderr().contains("cleanup(true) answers yes"), all);
        assertEquals(0, f.destinationLong("SELECT count(*) FROM pg_subscription WHERE subname = '"
                + f.names().subscription() + "'"), all);
        assertEquals(0, f.originLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                + f.names().slot() + "'"), all);
        // passwords never appear
        assertFalse(all.contains(f.originServer().password()), "origin password printed:\n" + all);
        assertFalse(all.contains(f.destinationServer().password()), "destination password printed:\n" + all);
    }

    @ParameterizedTest(name = "console session in-process: sql(), handles, missing side, run() [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void sessionCallsInProcess(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "console_session", 5);
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(stdout, true, StandardCharsets.UTF_8);
             PrintStream err = new PrintStream(stderr, true, StandardCharsets.UTF_8);
             Cluster origin = cluster("origin", f.originUrl())) {
            Steps steps = new Steps(scriptSteps(), new Environment(Map.of("PGURL_ORIGIN", f.originUrl()),
                    Path.of(System.getProperty("user.home")), "postgres"), Map.of("--name", f.database()), out, err);
            Session session = new Session(origin, null, f.names(), steps, 1 << 20,
                    new Output(out, err, false, false), List.of());

            session.banner();
            assertEquals(ExitCode.OK, session.sql(origin,
                    "select 'it''s' as quoted, null as nothing, ? as bound, E'two\\nlines' as multi", "x"));
            assertEquals(ExitCode.OK, session.sql(origin, "create temporary table t (i int)"));
            assertEquals(ExitCode.OK, session.sql(origin, "insert into t select generate_series(1, 3)"));
            // a transaction the operator began and broke says how to end it
            assertEquals(ExitCode.OK, session.sql(origin, "begin"));
            assertEquals(ExitCode.FAILED, session.sql(origin, "select 1 / 0"));
            assertEquals(ExitCode.FAILED, session.sql(origin, "select 1"));
            assertEquals(ExitCode.OK, session.sql(origin, "rollback"));
            // the session is reopened when it broke
            try (Connection other = cluster("origin", f.originUrl()).connection();
                 var st = other.createStatement()) {
                st.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = '"
                        + f.database() + "' and pid <> pg_backend_pid() and application_name = 'upshift console'");
            }
            assertEquals(ExitCode.OK, session.sql(origin, "select 1 as alive"));
            assertEquals(ExitCode.USAGE, session.sql(session.destination(), "select 1"));
            assertEquals(ExitCode.USAGE, session.lag());
            assertEquals(ExitCode.OK, session.run("status"));
            assertEquals(ExitCode.USAGE, session.run("no-such-step"));
        }
        String out = stdout.toString(StandardCharsets.UTF_8);
        String err = stderr.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("destination  not given (--destination URL or PGURL_DESTINATION)"), out);
        assertTrue(out.contains("PostgreSQL 13."), out);
        assertTrue(out.contains(Table.of("quoted", "nothing", "bound", "multi").row("it's", null, "x", "two\\nlines")
                .render() + "(1 row)"), out);
        assertTrue(out.contains("OK, 3 rows affected"), out);
        assertTrue(out.contains(Table.of("alive").row(1).render()), out);
        assertTrue(out.contains("upshift status: migration \"" + f.database() + "\""), out);
        assertTrue(err.contains("error: origin: ERROR: division by zero"), err);
        assertTrue(err.contains("hint: a statement of the transaction you began failed: sql(origin, \"rollback\")"
                + " ends it"), err);
        assertTrue(err.contains("error: that cluster was not given to the console"), err);
        assertTrue(err.contains("error: lag() needs both clusters"), err);
        assertTrue(err.contains("error: no step 'no-such-step' in the console"), err);
        assertFalse((out + err).contains(f.originServer().password()), out + err);
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static Cluster cluster(String role, String url) {
        return new Cluster(role, Endpoint.resolve(url), ConnectSettings.defaults("upshift console"));
    }

    /** The steps the console script registers (scripts live in the default package: reached by reflection). */
    @SuppressWarnings("unchecked")
    private static Map<String, Supplier<? extends UpshiftCommand>> scriptSteps() throws Exception {
        var method = Class.forName("Console").getDeclaredMethod("steps");
        method.setAccessible(true);
        return new LinkedHashMap<>((Map<String, Supplier<? extends UpshiftCommand>>) method.invoke(null));
    }

    /** Forward replication as the runbook sets it up, copied completely. */
    private static void forwardReplication(ShopFixture f) {
        assertOk(f.run("AddMissingColumns"));
        assertOk(f.run("CreatePublication"));
        assertOk(f.run("CreateSubscription", "--origin-conninfo", f.originConninfo()));
        assertOk(f.run("EnableSubscription"));
        String ofSubscription = " FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid"
                + " WHERE s.subname = '" + f.names().subscription() + "'";
        Wait.until(Duration.ofSeconds(120), "every table of the forward subscription is ready", () ->
                f.destinationLong("SELECT count(*)" + ofSubscription) == 5
                && f.destinationLong("SELECT count(*)" + ofSubscription + " AND r.srsubstate <> 'r'") == 0);
    }

    private static void assertOk(Run run) {
        assertEquals(ExitCode.OK, run.exitCode(), run.stdout() + run.stderr());
    }

    /**
     * Runs {@code ./jbang console ARGS} from the checkout as an operator would, with {@code input} as its standard
     * input (JShell reads the calls from it) and the given PGURL_* variables.
     */
    private static Run console(Map<String, String> env, String input, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Run.checkout().resolve("jbang").toString());
        command.add("console");
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(Run.checkout().toFile());
        Map<String, String> environment = new HashMap<>(pb.environment());
        environment.keySet().removeIf(k -> k.startsWith("PGURL_"));
        environment.putAll(env);
        pb.environment().clear();
        pb.environment().putAll(environment);
        Path in = Files.createTempFile("upshift-console", ".in");
        Path out = Files.createTempFile("upshift-console", ".out");
        Path err = Files.createTempFile("upshift-console", ".err");
        try {
            Files.writeString(in, input);
            Process p = pb.redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .start();
            if (!p.waitFor(FIRST_RUN_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("./jbang console did not finish in " + FIRST_RUN_SECONDS + " s:\n"
                        + Files.readString(out) + Files.readString(err));
            }
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            for (Path file : List.of(in, out, err)) {
                deleteQuietly(file);
            }
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a temporary file
        }
    }
}
