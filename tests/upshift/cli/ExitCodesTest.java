package upshift.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.sql.Sql;
import upshift.testing.Run;

/**
 * Each exit code means one thing (README, "Running a step"): 0 done, 1 failed, 2 usage (malformed URLs and
 * conninfo, bad option values, a --name of which nothing exists), 3 a check found a PROBLEM (plain monitor too).
 * JBang's own failures exit 1 through the launcher: LauncherBuildTest#jbangsOwnFailuresExitOneWithAHint.
 */
class ExitCodesTest {

    private static final String REFUSED = "postgresql://u:refusedpw1@127.0.0.1:1/none";

    // a resolved password is masked in every later output of this JVM: "hunter22" below is never resolved, so
    // that its absence from the errors means they do not echo the input

    @ParameterizedTest(name = "0: done [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void zeroIsDone(PgProvider provider) {
        ShopFixture f = ShopFixture.create(provider, "exit_zero", 2);
        Run run = f.run("Status");
        assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
    }

    /** A well-formed URL whose server is not there is a failure, not a usage error. */
    @ParameterizedTest(name = "1: failed, e.g. connection refused [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void oneIsAFailure(PgProvider provider) {
        Run run = Run.script("Status", "--origin", REFUSED);
        assertEquals(ExitCode.FAILED, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("connection refused"), run.stderr());
        assertFalse(run.stderr().contains("refusedpw1"), run.stderr());
    }

    @ParameterizedTest(name = "2: usage, malformed URLs and conninfo included [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void twoIsUsage(PgProvider provider) {
        for (List<String> args : List.of(
                List.of("--origin", "postgresql://u:hunter22@h:notaport/db"),
                List.of("--origin", "http://u:hunter22@h/db"),
                List.of("--origin", "host=h bogus=hunter22"),
                List.of("--origin", "host=h password='hunter22"),
                List.of("--origin", "postgresql://u:hunter22@[::1/db"),
                List.of("--origin", "host=h connect_timeout=soon"),
                List.of("--origin", REFUSED, "--connect-timeout", "-1"),
                List.of("--origin", REFUSED, "--connect-timeout", "ten"),
                List.of("--origin", REFUSED, "--no-such-option"))) {
            Run run = Run.script("Status", args.toArray(String[]::new));
            assertEquals(ExitCode.USAGE, run.exitCode(), args + ":\n" + run.stderr());
            assertTrue(run.stderr().startsWith("error: "), args + ":\n" + run.stderr());
            assertTrue(run.stderr().contains("\nhint: "), args + ":\n" + run.stderr());
            assertFalse(run.stderr().contains("hunter22"), run.stderr());
            assertFalse(run.stderr().contains("Exception"), run.stderr());
        }
        Run negative = Run.script("Status", "--origin", REFUSED, "--connect-timeout", "-1");
        assertTrue(negative.stderr().contains("error: invalid duration for --connect-timeout: \"-1\""),
                negative.stderr());
        assertTrue(negative.stderr().contains("hint: write e.g. 90s"), negative.stderr());
    }

    /** Plain monitor, no --until: a report that says PROBLEM exits 3. */
    @ParameterizedTest(name = "3: a check found a PROBLEM, plain monitor included [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void threeIsAProblem(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "exit_three", 2);
        String sub = Sql.ident(f.names().subscription());
        f.onOrigin("CREATE PUBLICATION " + Sql.ident(f.names().publication()) + " FOR TABLE auth_user");
        f.onDestination("CREATE SUBSCRIPTION " + sub + " CONNECTION " + Sql.literal(f.originConninfo())
                + " PUBLICATION " + Sql.ident(f.names().publication()) + " WITH (enabled = false, slot_name = "
                + Sql.literal(f.names().slot()) + ")");
        try {
            Run run = f.run("Monitor");
            assertEquals(ExitCode.CHECK_FAILED, run.exitCode(), run.stdout() + run.stderr());
            assertTrue(run.stdout().contains("PROBLEM: subscription " + f.names().subscription()
                    + " on destination"), run.stdout());
            assertTrue(run.stdout().contains("DISABLED"), run.stdout());
            Run json = f.run("Monitor", "--json");
            assertEquals(ExitCode.CHECK_FAILED, json.exitCode(), json.stderr());
        } finally {
            f.onDestination("DROP SUBSCRIPTION IF EXISTS " + sub);
        }
    }
}
