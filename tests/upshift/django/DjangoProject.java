package upshift.django;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

import upshift.harness.PgServer;
import upshift.testing.Run;

/**
 * One state of the real Django shop project in {@code tests/resources/django} ({@code old/}: the model deployed on
 * origin; {@code new/}: the new model), run with Debian's {@code /usr/bin/python3} and its python3-django and
 * python3-psycopg2, as an operator runs {@code manage.py}. The settings read the database from PGHOST, PGPORT,
 * PGDATABASE, PGUSER and PGPASSWORD; nothing else of the caller's environment reaches the database settings.
 */
final class DjangoProject {

    /** Debian's interpreter: the python3 first on PATH may be another one without Debian's packages. */
    static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final long TIMEOUT_SECONDS = 180;

    /** Where a Django process connects: a database on a test server, as a role with its password. */
    record Database(PgServer server, String name, String user, String password) {
    }

    private final Path dir;

    private DjangoProject(Path dir) {
        this.dir = dir;
    }

    /** The project as deployed on origin (integer ids, text, the newsletter boolean). */
    static DjangoProject oldModel() {
        return new DjangoProject(root().resolve("old"));
    }

    /** The project with the new model's migrations on top of the old ones. */
    static DjangoProject newModel() {
        return new DjangoProject(root().resolve("new"));
    }

    private static Path root() {
        return Run.checkout().resolve("tests/resources/django");
    }

    /**
     * Skips the test (loudly) when Debian's python3-django or python3-psycopg2 is missing, or fails it when the
     * environment variable CI is set: CI installs both (.ci/run), so a missing one there is a broken machine.
     */
    static void requireDjango() {
        List<String> missing = new ArrayList<>();
        if (!Files.isExecutable(PYTHON)) {
            missing.add("python3");
        } else {
            if (!imports("django")) {
                missing.add("python3-django");
            }
            if (!imports("psycopg2")) {
                missing.add("python3-psycopg2");
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        String message = "the Django switchover test needs Debian's " + String.join(" and ", missing) + " for "
                + PYTHON + " (apt-get install " + String.join(" ", missing) + ")";
        if (System.getenv("CI") != null) {
            throw new AssertionError(message + "; CI is set, so this is a failure, not a skip");
        }
        System.err.println("[upshift django] SKIPPED: " + message);
        Assumptions.abort(message);
    }

    private static boolean imports(String module) {
        try {
            Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import " + module)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code python3 manage.py ARGS} in this project's folder, connected to that database. */
    Run manage(Database database, String... args) {
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), "manage.py"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("PG") || k.startsWith("PYTHON") || k.startsWith("DJANGO")
                || k.equals("DATABASE_URL"));
        env.put("PYTHONDONTWRITEBYTECODE", "1"); // no __pycache__ in the checkout
        env.put("PYTHONNOUSERSITE", "1");        // Debian's packages, not a user's pip install
        env.put("PGHOST", database.server().host());
        env.put("PGPORT", String.valueOf(database.server().port()));
        env.put("PGDATABASE", database.name());
        env.put("PGUSER", database.user());
        env.put("PGPASSWORD", database.password());
        try {
            Path out = Files.createTempFile("upshift-django", ".out");
            Path err = Files.createTempFile("upshift-django", ".err");
            try {
                pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(new File("/dev/null"));
                Process p = pb.start();
                if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("manage.py " + String.join(" ", args) + " did not finish in "
                            + TIMEOUT_SECONDS + " s; stderr so far:\n" + Files.readString(err));
                }
                return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + PYTHON + " manage.py: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return dir.getFileName() + " Django project";
    }
}
