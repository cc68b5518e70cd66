package upshift.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import upshift.ExitCode;
import upshift.testing.Run;

/**
 * The launcher's own build of a step (./jbang STEP): compiled once per content under a lock, so that concurrent
 * first runs cannot corrupt it (JBang's own cache has no lock, JBang issue #2445); a damaged build is rebuilt;
 * JBang's own failures exit 1, never a step's exit code. Each test uses empty private caches.
 */
class LauncherBuildTest {

    private static final long FIRST_RUN_SECONDS = 600;

    @Test
    void fourConcurrentFirstRunsBuildOnceAndAllSucceed(@TempDir Path dir) throws Exception {
        Map<String, String> env = Map.of("UPSHIFT_BUILD_CACHE", dir.resolve("builds").toString(),
                "JBANG_DIR", dir.resolve("jbang").toString());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Run>> runs = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                runs.add(pool.submit(() -> Run.jbang(env, FIRST_RUN_SECONDS, "status", "--help")));
            }
            int libraryBuilds = 0;
            for (Future<Run> f : runs) {
                Run run = f.get();
                assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
                assertTrue(run.stdout().contains("Usage: status"), run.stdout());
                libraryBuilds += count(run.stderr(), "compiling lib/upshift/Library.java");
            }
            assertEquals(1, libraryBuilds, "the library is compiled once for the four runs");
        } finally {
            pool.shutdownNow();
        }
        Run warm = Run.jbang(env, FIRST_RUN_SECONDS, "status", "--help");
        assertEquals(ExitCode.OK, warm.exitCode(), warm.stderr());
        assertFalse(warm.stderr().contains("compiling"), "a warm run builds nothing:\n" + warm.stderr());
    }

    @Test
    void aDamagedBuildIsRebuilt(@TempDir Path dir) throws Exception {
        Map<String, String> env = Map.of("UPSHIFT_BUILD_CACHE", dir.resolve("builds").toString(),
                "JBANG_DIR", dir.resolve("jbang").toString());
        assertEquals(ExitCode.OK, Run.jbang(env, FIRST_RUN_SECONDS, "verify", "--help").exitCode());
        List<Path> mains;
        try (Stream<Path> files = Files.walk(dir.resolve("builds"))) {
            mains = files.filter(p -> p.getFileName().toString().equals("Verify.class")).toList();
        }
        assertEquals(1, mains.size(), mains.toString());
        Files.delete(mains.get(0));

        Run again = Run.jbang(env, FIRST_RUN_SECONDS, "verify", "--help");
        assertEquals(ExitCode.OK, again.exitCode(), again.stderr());
        assertTrue(again.stderr().contains("has no Verify.class: rebuilding it"), again.stderr());
        assertTrue(again.stdout().contains("Usage: verify"), again.stdout());
    }

    @Test
    void aSecondStepReusesTheLibraryBuild(@TempDir Path dir) throws IOException {
        Map<String, String> env = Map.of("UPSHIFT_BUILD_CACHE", dir.resolve("builds").toString(),
                "JBANG_DIR", dir.resolve("jbang").toString());
        Run first = Run.jbang(env, FIRST_RUN_SECONDS, "status", "--help");
        assertEquals(ExitCode.OK, first.exitCode(), first.stderr());
        Run second = Run.jbang(env, FIRST_RUN_SECONDS, "cleanup", "--help");
        assertEquals(ExitCode.OK, second.exitCode(), second.stderr());
        assertFalse(second.stderr().contains("compiling lib/upshift/Library.java"),
                "a second step reuses the library build:\n" + second.stderr());
        assertTrue(second.stderr().contains("compiling scripts/Cleanup.java"), second.stderr());
    }

    @Test
    void jbangsOwnFailuresExitOneWithAHint() {
        Run run = Run.jbang(Map.of(), FIRST_RUN_SECONDS, "no-such-step-or-command");
        assertEquals(ExitCode.FAILED, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("JBang failed"), run.stderr());
    }

    @Test
    void aStepStillCompilesUnderJBangItself(@TempDir Path dir) {
        Run run = Run.jbang(Map.of("UPSHIFT_STEP_VIA_JBANG", "1", "JBANG_DIR", dir.resolve("jbang").toString()),
                FIRST_RUN_SECONDS, "status", "--no-such-option");
        assertEquals(ExitCode.USAGE, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("[jbang] Building jar"), "built by JBang:\n" + run.stderr());
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
