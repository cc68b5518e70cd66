package upshift.django;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import upshift.ExitCode;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.testing.Run;

/**
 * {@code rehearse --new-model-command "python manage.py migrate"} with the real Django shop of
 * tests/resources/django (Debian's python3-django): the old schema is what the app's initial migration made
 * (dumped with dump-schema, its django_migrations rows with it); the rehearsal runs the new checkout's migrate,
 * whose 0002 rewrites the tables (integer ids to bigint, text to varchar(200), a column dropped), on a reference
 * database on the destination's server, dumps the new model from it, and rehearses 13 -> 15 end to end with
 * generated data and a workload: 0 writes lost, no password in any output.
 */
class RehearseDjangoModelTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void rehearsesWithTheApplicationsOwnMigrationAndLosesNoWrite(@TempDir Path dir) throws Exception {
        DjangoProject.requireDjango();
        // the old schema: the old checkout's migrations on a database of their own, dumped by dump-schema
        PgServer server = Providers.shared(Providers.provider("embedded"), 13);
        String database = "rehearse_django_old";
        server.createDatabase(database);
        Run migrated = DjangoProject.oldModel().manage(new DjangoProject.Database(server, database,
                server.superuser(), server.password()), "migrate");
        assertEquals(0, migrated.exitCode(), migrated.stderr() + migrated.stdout());
        Path old = dir.resolve("old-schema");
        Run dumped = Run.script("DumpSchema", Map.of("PGURL_REFERENCE", server.uri(database)),
                "--dir", old.toString());
        assertEquals(ExitCode.OK, dumped.exitCode(), dumped.stderr());

        Path app = Run.checkout().resolve("tests/resources/django/new");
        // Debian's python, no bytecode in the checkout; the command also shows what it was given
        String command = "PYTHONDONTWRITEBYTECODE=1 PYTHONNOUSERSITE=1 " + DjangoProject.PYTHON
                + " manage.py migrate && echo \"given DATABASE_URL=$DATABASE_URL PGPASSWORD=$PGPASSWORD\"";
        Run run = Run.script("Rehearse", Map.of(), "--from", "13", "--to", "15", "--schema", old.toString(),
                "--new-model-command", command, "--new-model-dir", app.toString(),
                "--default", "shop_customer.newsletter=false", "--rows", "3000", "--rate", "40", "--json");
        String where = run.stdout() + "\n" + run.stderr();
        assertEquals(ExitCode.OK, run.exitCode(), where);
        JsonNode report = JSON.readTree(run.stdout());
        assertEquals(0, report.get("lostWrites").asLong(), where);
        assertTrue(report.get("verified").asBoolean(), where);

        // the application's migration ran there, its output prefixed, the connection's password masked
        String err = run.stderr();
        assertTrue(err.contains("[new-model]   Applying shop.0002_auto_20261201_2208... OK"), err);
        assertFalse(err.contains("Applying shop.0001_initial"), "0001 ran on origin already: " + err);
        assertTrue(err.matches("(?s).*\\[new-model] given DATABASE_URL=postgres://postgres:\\*{8}@127\\.0\\.0\\.1:\\d+"
                + "/upshift_new_model PGPASSWORD=\\*{8}\n.*"), err);
        assertTrue(report.get("steps").toString().contains("new model: "), report.get("steps").toString());

        // the workload wrote to the app's tables, and left django_migrations (not replicated) alone
        JsonNode writes = report.get("writes");
        assertTrue(writes.toString().contains("shop_customer"), writes.toString());
        assertFalse(writes.toString().contains("django_migrations"), "not replicated, not written: " + writes);
        long written = 0;
        for (JsonNode w : writes) {
            assertEquals(0, w.get("lost").asLong(), w.toString());
            written += w.get("checked").asLong();
        }
        assertTrue(written > 0, writes.toString());
    }
}
