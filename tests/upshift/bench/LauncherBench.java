package upshift.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;

import upshift.ExitCode;
import upshift.testing.Run;

/**
 * A warm step through ./jbang against a bare {@code java -cp} of the same main class and class path, side by
 * side in one run (interleaved, 7 rounds): the launcher's cost is hashing the sources and one exec. Prints the
 * medians and the ratio; asserts only that both print the same help. Runs with {@code mvn -Pbench verify}.
 */
class LauncherBench {

    private static final int ROUNDS = 7;

    @Test
    void warmStepAgainstBareJava() throws Exception {
        Path builds = Files.createTempDirectory("upshift-bench-builds");
        Map<String, String> env = Map.of("UPSHIFT_BUILD_CACHE", builds.toString());
        long cold = System.nanoTime();
        Run first = Run.jbang(env, 600, "status", "--help"); // cold: resolves the //DEPS, builds library and step
        double coldSeconds = (System.nanoTime() - cold) / 1e9;
        assertEquals(ExitCode.OK, first.exitCode(), first.stderr());
        String classpath = classpath(builds);

        double[] launcher = new double[ROUNDS];
        double[] bare = new double[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            long t = System.nanoTime();
            Run warm = Run.jbang(env, 600, "status", "--help");
            launcher[i] = (System.nanoTime() - t) / 1e9;
            t = System.nanoTime();
            Process p = new ProcessBuilder(javaExecutable(), "-cp", classpath, "Status", "--help")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            assertEquals(0, p.waitFor());
            bare[i] = (System.nanoTime() - t) / 1e9;
            assertEquals(ExitCode.OK, warm.exitCode(), warm.stderr());
        }
        double l = median(launcher);
        double b = median(bare);
        System.out.printf(Locale.ROOT, "[bench] launcher: cold first run %.1f s; warm ./jbang status --help median %.3f s,"
                + " bare java -cp median %.3f s, ratio %.2f (rounds %d)%n", coldSeconds, l, b, l / b, ROUNDS);
        System.out.printf(Locale.ROOT, "[bench] launcher: warm %s%n[bench] launcher: bare %s%n",
                Arrays.toString(launcher), Arrays.toString(bare));
    }

    /** The class path the launcher execs with: the step's and the library's classes, then the //DEPS jars. */
    private static String classpath(Path builds) throws Exception {
        List<String> entries = new ArrayList<>();
        try (var dirs = Files.list(builds)) {
            for (Path d : dirs.sorted().toList()) {
                String name = d.getFileName().toString();
                if (name.startsWith("step-") || name.startsWith("lib-")) {
                    entries.add(name.startsWith("step-") ? 0 : entries.size(), d.resolve("classes").toString());
                }
            }
        }
        try (var files = Files.list(builds)) {
            Path deps = files.filter(p -> p.getFileName().toString().endsWith(".classpath")).findFirst()
                    .orElseThrow();
            entries.add(Files.readString(deps).strip());
        }
        return String.join(File.pathSeparator, entries);
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
