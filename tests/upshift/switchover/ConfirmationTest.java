package upshift.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static upshift.switchover.CutoverTesting.assertNothingChanged;
import static upshift.switchover.CutoverTesting.forwardEnabled;
import static upshift.switchover.CutoverTesting.streaming;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.cli.UpshiftCommand;
import upshift.connect.Environment;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.sample.SampleApp;
import upshift.testing.Run;

/**
 * switchover's confirmation: it lists the roles the freeze makes read-only, what the freeze does and where the
 * point of no return is; without a terminal it takes no answer (only --yes) and says so; a terminal's "n" stops it.
 * Either way nothing is frozen or dropped.
 */
class ConfirmationTest {

    private static Run switchover(ShopFixture f, String answers, String... extra) {
        UpshiftCommand command = UpshiftCommand.newScript("Switchover");
        if (answers != null) {
            command.answeringFrom(new StringReader(answers));
        }
        List<String> args = new ArrayList<>(List.of("--destination-conninfo", f.destinationConninfo(), "--name",
                f.database()));
        args.addAll(List.of(extra));
        UpshiftCommand.Captured run = UpshiftCommand.capture(command, new Environment(f.env(),
                Path.of(System.getProperty("user.home")), "postgres"), args.toArray(String[]::new));
        return new Run(run.exitCode(), run.stdout(), run.stderr());
    }

    @ParameterizedTest(name = "the prompt names the roles to freeze and the point of no return; no piped answer"
            + " [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void promptSaysWhatWillHappen(PgProvider provider) throws Exception {
        ShopFixture f = streaming(provider, 16, "so_confirm", 5);
        String sub = f.names().subscription();

        Run piped = switchover(f, null, "--freeze", "soft", "--app-role", SampleApp.APP_ROLE);
        assertEquals(ExitCode.USAGE, piped.exitCode(), piped.stderr());
        for (String expected : List.of("1. freeze origin: these roles become read-only in this database and their"
                        + " sessions end: " + SampleApp.APP_ROLE,
                "3. point of no return: dropping " + sub + " on destination", "switchover --abort undoes it all",
                "not confirmed: standard input is not a terminal", "`echo y |` is not an answer",
                "run again with --yes")) {
            assertTrue(piped.stderr().contains(expected), expected + " in:\n" + piped.stderr());
        }
        assertNothingChanged(f, "confirm-piped");
        assertTrue(forwardEnabled(f));

        Run no = switchover(f, "no\n");
        assertEquals(ExitCode.FAILED, no.exitCode(), no.stderr());
        assertTrue(no.stderr().contains("every write to its " + SampleApp.TABLES.size() + " published table(s) is"
                + " rejected (triggers)"), no.stderr());
        assertTrue(no.stderr().contains("Go ahead? [y/N]"), no.stderr());
        assertTrue(no.stderr().contains("not confirmed: nothing was changed"), no.stderr());
        assertNothingChanged(f, "confirm-no");
        assertTrue(forwardEnabled(f));
    }
}
