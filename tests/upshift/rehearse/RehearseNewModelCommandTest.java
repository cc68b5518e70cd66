package upshift.rehearse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import upshift.ExitCode;
import upshift.cli.UpshiftCommand;
import upshift.connect.Environment;

/**
 * rehearse --new-model-command without Django (tests/upshift/django/RehearseDjangoModelTest runs a real Django
 * project's migrations): the usage rules, and a failing command on real servers, whose output is shown prefixed,
 * its last lines in the failure, with the reference database's password masked in DATABASE_URL and PGPASSWORD.
 */
class RehearseNewModelCommandTest {

    private static UpshiftCommand.Captured rehearse(String... args) {
        return UpshiftCommand.capture(UpshiftCommand.newScript("Rehearse"),
                new Environment(Map.of(), Path.of(System.getProperty("user.home")), System.getProperty("user.name")),
                args);
    }

    @Test
    void newModelCommandAndNewSchemaAreExclusiveAndNeedASchema(@TempDir Path dir) throws Exception {
        Path schema = Files.writeString(dir.resolve("old.sql"), "CREATE TABLE t (id int PRIMARY KEY);");
        UpshiftCommand.Captured both = rehearse("--schema", schema.toString(), "--new-schema", schema.toString(),
                "--new-model-command", "true");
        assertEquals(ExitCode.USAGE, both.exitCode(), both.stderr());
        assertTrue(both.stderr().contains("--new-model-command and --new-schema"), both.stderr());

        UpshiftCommand.Captured noSchema = rehearse("--new-model-command", "true");
        assertEquals(ExitCode.USAGE, noSchema.exitCode(), noSchema.stderr());
        assertTrue(noSchema.stderr().contains("need --schema"), noSchema.stderr());

        UpshiftCommand.Captured dirAlone = rehearse("--schema", schema.toString(), "--new-model-dir", dir.toString());
        assertEquals(ExitCode.USAGE, dirAlone.exitCode(), dirAlone.stderr());
    }

    @Test
    void aFailingCommandFailsTheRehearsalWithItsLastLinesAndNoPassword(@TempDir Path dir) throws Exception {
        Path schema = Files.writeString(dir.resolve("old.sql"), "CREATE TABLE item (id int PRIMARY KEY, note text);");
        // the command sees the reference database in DATABASE_URL and PG*: it prints them, then fails
        String command = "echo \"url=$DATABASE_URL\"; echo \"pw=$PGPASSWORD db=$PGDATABASE\"; "
                + "for i in $(seq 1 30); do echo \"line $i\"; done; echo 'it went wrong' >&2; exit 7";
        UpshiftCommand.Captured run = rehearse("--from", "13", "--to", "14", "--schema", schema.toString(),
                "--new-model-command", command, "--new-model-dir", dir.toString(), "--rows", "10", "--json");
        String err = run.stderr();
        String where = run.stdout() + "\n" + err;
        assertEquals(ExitCode.FAILED, run.exitCode(), where);
        Matcher url = Pattern.compile("\\[new-model] url=postgres://postgres:(\\S*)@127\\.0\\.0\\.1:\\d+/"
                + NewModel.DATABASE).matcher(err);
        assertTrue(url.find(), where);
        assertEquals("********", url.group(1), "the password is masked in DATABASE_URL");
        assertTrue(err.contains("[new-model] pw=******** db=" + NewModel.DATABASE), where);
        assertTrue(err.contains("[new-model] it went wrong"), where);
        // the failure: the exit code and the last lines, not the first ones
        assertTrue(err.contains("--new-model-command exited 7"), where);
        String failure = err.substring(err.lastIndexOf("--new-model-command exited 7"));
        assertTrue(failure.contains("it went wrong") && failure.contains("line 30"), failure);
        assertFalse(failure.contains("line 5\n"), failure);
        assertTrue(run.stdout().contains("--new-model-command exited 7"), "the report's failure: " + run.stdout());
    }
}
