package upshift.embedded;

import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Fetches a PostgreSQL binaries jar into the local Maven repository with Maven itself, so that mirrors, proxies and
 * credentials in ~/.m2/settings.xml apply (as for the ./jbang launcher). Used when a JBang script (rehearse) needs a
 * version that no class path provides: Maven and JBang keep one version of an artifact per class path.
 */
public final class MavenFetch {

    /** The binaries version upshift uses for each major version (the same as pom.xml's zonky.pgNN.version). */
    public static final Map<Integer, String> VERSIONS = Map.of(
            13, "13.23.0", 14, "14.24.0", 15, "15.19.0", 16, "16.15.0", 17, "17.11.0", 18, "18.6.0");

    private static final long TIMEOUT_MINUTES = 10;

    private MavenFetch() {
    }

    /** Whether the jar for that major version is now in the local repository (false: unknown version, no mvn). */
    static boolean fetch(int major, Consumer<String> progress) {
        String version = VERSIONS.get(major);
        if (version == null || Boolean.getBoolean("upshift.postgres.noFetch")) {
            return false;
        }
        String artifact = "io.zonky.test.postgres:" + PostgresBinaries.ARTIFACT + ":" + version;
        progress.accept("fetching " + artifact + " with Maven");
        try {
            File log = File.createTempFile("upshift-mvn-fetch", ".log");
            try {
                List<String> command = new java.util.ArrayList<>(List.of("mvn", "-q", "-B",
                        "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:get", "-Dartifact=" + artifact,
                        "-Dtransitive=false"));
                // into the repository PostgresBinaries looks in (a build's -Dmaven.repo.local, e.g. a CI cache)
                String repository = System.getProperty("maven.repo.local");
                if (repository != null && !repository.isBlank()) {
                    command.add("-Dmaven.repo.local=" + repository);
                }
                Process p = new ProcessBuilder(command)
                        .redirectErrorStream(true).redirectOutput(log).redirectInput(ProcessBuilder.Redirect.from(
                                new File("/dev/null"))).start();
                if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    return false;
                }
                return p.exitValue() == 0;
            } finally {
                log.delete();
            }
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
