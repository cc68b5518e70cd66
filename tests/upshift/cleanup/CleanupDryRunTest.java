package upshift.cleanup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static upshift.cleanup.CleanupTest.assertOk;
import static upshift.cleanup.CleanupTest.publications;
import static upshift.cleanup.CleanupTest.slots;
import static upshift.cleanup.CleanupTest.subscriptions;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.cli.UpshiftCommand;
import upshift.connect.Environment;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.migration.MigrationNames;
import upshift.testing.Psql;
import upshift.testing.Run;

/**
 * The two-server cleanup as an operator pastes it (one psql script per server, each refusing the wrong server),
 * drop-added-columns refusing in --dry-run what it refuses in a run, and the confirmation: it shows what will be
 * dropped and the point of no return, takes no answer from a pipe, and takes one from a terminal.
 */
class CleanupDryRunTest {

    /** The step run in this JVM with {@code answers} typed on its "terminal" (null: no terminal). */
    static Run answering(ShopFixture f, String script, String answers, String... args) {
        UpshiftCommand command = UpshiftCommand.newScript(script);
        if (answers != null) {
            command.answeringFrom(new StringReader(answers));
        }
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--name", f.database()));
        UpshiftCommand.Captured run = UpshiftCommand.capture(command, new Environment(f.env(),
                Path.of(System.getProperty("user.home")), "postgres"), all.toArray(String[]::new));
        return new Run(run.exitCode(), run.stdout(), run.stderr());
    }

    @ParameterizedTest(name = "cleanup: confirmation lists the drops, no piped answer; --dry-run --on pastes per"
            + " server; drop-added-columns --dry-run refused like a run 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void pasteablePerServerAndConfirmed(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "cleanup_paste", 10);
        MigrationNames n = f.names();
        CleanupTest.forwardReplication(f);

        // drop-added-columns: a run is refused while replication exists, and so is its dry run (no DROP printed)
        Run dropDry = f.run("DropAddedColumns", "--dry-run");
        assertEquals(ExitCode.CHECK_FAILED, dropDry.exitCode(), dropDry.stdout() + dropDry.stderr());
        assertFalse(dropDry.stdout().contains("DROP COLUMN"), dropDry.stdout());
        assertTrue(dropDry.stderr().contains("replication still uses the added columns"), dropDry.stderr());

        // no terminal, no --yes: refused, saying what it would drop, where the point of no return is, and why
        Run piped = answering(f, "Cleanup", null, "--forward");
        assertEquals(ExitCode.USAGE, piped.exitCode(), piped.stderr());
        for (String expected : List.of("on destination:", "- subscription " + n.subscription(), "on origin:",
                "- publication " + n.publication(), "- slot " + n.slot(), "point of no return",
                "not confirmed: standard input is not a terminal", "`echo y |` is not an answer",
                "run again with --yes")) {
            assertTrue(piped.stderr().contains(expected), expected + " in:\n" + piped.stderr());
        }
        // a terminal that answers no
        Run no = answering(f, "Cleanup", "n\n", "--forward");
        assertEquals(ExitCode.FAILED, no.exitCode(), no.stderr());
        assertTrue(no.stderr().contains("Go ahead? [y/N]"), no.stderr());
        assertTrue(no.stderr().contains("not confirmed: nothing was changed"), no.stderr());
        assertEquals(1, subscriptions(f, false, n.subscription()), "refused: nothing dropped");
        assertEquals(1, publications(f, true, n.publication()));

        // without --on: both scripts for reading, behind a \quit: psql given all of it runs nothing
        Run both = assertOk(f.run("Cleanup", "--forward", "--dry-run"));
        String all = both.stdout();
        assertTrue(all.contains("\n\\quit\n") && all.indexOf("\n\\quit\n") < all.indexOf("-- ======== origin"), all);
        assertTrue(all.indexOf("-- ======== origin") < all.indexOf("-- ======== destination"), all);
        assertFalse(all.contains("\\connect"), all);
        Run whole = Psql.run(f.destinationServer(), f.database(), all, Map.of());
        assertEquals(0, whole.exitCode(), whole.stdout());
        assertTrue(whole.stdout().contains("two scripts for two servers, not run"), whole.stdout());
        assertEquals(1, subscriptions(f, false, n.subscription()), "psql ran nothing of the combined output");

        Run onDestination = assertOk(f.run("Cleanup", "--forward", "--dry-run", "--on", "destination"));
        Run onOrigin = assertOk(f.run("Cleanup", "--forward", "--dry-run", "--on", "origin"));
        String destination = onDestination.stdout();
        String origin = onOrigin.stdout();
        assertTrue(destination.startsWith("-- psql script for destination"), destination);
        assertTrue(destination.contains("DROP SUBSCRIPTION") && !destination.contains("DROP PUBLICATION"), destination);
        assertTrue(origin.startsWith("-- psql script for origin"), origin);
        assertTrue(origin.contains("DROP PUBLICATION") && !origin.contains("SUBSCRIPTION"), origin);
        assertTrue(onDestination.stderr().contains("origin has a script too"), onDestination.stderr());

        // each script on the wrong server stops before its first statement (the mistake issue 13 found)
        Run wrong = Psql.run(f.destinationServer(), f.database(), origin, Map.of());
        assertEquals(0, wrong.exitCode(), wrong.stdout());
        assertTrue(wrong.stdout().contains("this script is for origin"), wrong.stdout());
        assertEquals(1, publications(f, true, n.publication()), "origin's script ran nothing on destination");

        // and on its own server it does the cleanup
        Run d = Psql.run(f.destinationServer(), f.database(), destination, Map.of());
        assertEquals(0, d.exitCode(), d.stdout() + "\n--- script:\n" + destination);
        Run o = Psql.run(f.originServer(), f.database(), origin, Map.of());
        assertEquals(0, o.exitCode(), o.stdout() + "\n--- script:\n" + origin);
        assertEquals(0, subscriptions(f, false, n.subscription()));
        assertEquals(0, publications(f, true, n.publication()));
        assertEquals(0, slots(f, true, n.slot()));

        // replication gone: drop-added-columns, confirmed on a terminal, drops the columns it lists
        Run cols = answering(f, "DropAddedColumns", "y\n");
        assertEquals(ExitCode.OK, cols.exitCode(), cols.stdout() + cols.stderr());
        assertTrue(cols.stderr().contains("drops " + upshift.sample.SampleApp.LEGACY_COLUMNS.size()
                + " added column(s) on destination, for good"), cols.stderr());
        assertTrue(cols.stderr().contains("point of no return"), cols.stderr());
        assertEquals(0, CleanupTest.legacyColumnsOnDestination(f));
    }
}
