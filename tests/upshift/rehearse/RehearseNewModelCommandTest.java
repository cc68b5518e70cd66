package upshift.rehearse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import upshift.ExitCode;
import upshift.cli.UpshiftCommand;
import upshift.connect.Environment;
import upshift.pgtools.PgTool;
import upshift.pgtools.PgToolFinder;

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

    /**
     * When no pg_dump on this machine dumps the destination's version, the reference database goes on origin's
     * server instead, and the rehearsal says so. The destination is one major above the newest pg_dump here (16
     * with Debian's 15), so the fallback is taken on this machine whatever it has installed, up to 17.
     */
    @Test
    void theReferenceDatabaseFallsBackToOriginsServerWhenNoPgDumpDumpsTheDestination(@TempDir Path dir)
            throws Exception {
        java.util.List<PgTool> dumps = PgToolFinder.system(null).candidates("pg_dump");
        Assumptions.assumeFalse(dumps.isEmpty(), "NOT RUN: no pg_dump on this machine (CI installs postgresql-client)");
        int newest = dumps.get(0).version().major();
        Assumptions.assumeTrue(newest < 18, "NOT RUN: pg_dump " + newest + " here dumps every destination up to 18,"
                + " so the fallback cannot be reached");
        String to = String.valueOf(Math.max(14, newest + 1));
        Path schema = Files.writeString(dir.resolve("old.sql"), "CREATE TABLE item (id int PRIMARY KEY, note text);");
        // the migration adds a column; it also prints the version of the server it ran on
        String command = "psql -X -v ON_ERROR_STOP=1 -Atc 'SHOW server_version_num'"
                + " -c 'ALTER TABLE item ADD COLUMN flagged boolean NOT NULL DEFAULT false'";
        UpshiftCommand.Captured run = rehearse("--from", "13", "--to", to, "--schema", schema.toString(),
                "--new-model-command", command, "--new-model-dir", dir.toString(), "--rows", "50", "--rate", "20",
                "--json");
        String where = run.stdout() + "\n" + run.stderr();
        assertEquals(ExitCode.OK, run.exitCode(), where);
        assertTrue(run.stderr().contains("no pg_dump here dumps PostgreSQL " + to
                + ": the reference database is on origin's server (13)"), where);
        assertTrue(Pattern.compile("\\[new-model] 13\\d{4}\n").matcher(run.stderr()).find(),
                "the command ran on origin's 13 server: " + where);
        com.fasterxml.jackson.databind.JsonNode report = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(run.stdout());
        assertEquals(0, report.get("lostWrites").asLong(), where);
        assertTrue(report.get("verified").asBoolean(), where);
    }
}
