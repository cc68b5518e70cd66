package upshift.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the server's programs (initdb, pg_ctl) as the {@link ServerUser}, in the instance directory, with the
 * libpq variables of the caller's environment removed and messages in English. Output goes to a file, never to a
 * pipe: a postmaster started by pg_ctl must not inherit one.
 */
final class Commands {

    /** What a program printed and how it ended. */
    record Result(int exitCode, String output) {
        boolean succeeded() {
            return exitCode == 0;
        }
    }

    private final ServerUser user;
    private final Path workDirectory;

    Commands(ServerUser user, Path workDirectory) {
        this.user = user;
        this.workDirectory = workDirectory;
    }

    /** Runs {@code command}, its output going to {@code outputFile}; kills it after {@code timeout}. */
    Result run(Duration timeout, Path outputFile, List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(user.command(command))
                .directory(workDirectory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(outputFile.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("PG"));
        env.put("LC_ALL", "C");
        Process process = builder.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return new Result(-1, read(outputFile) + "\n(killed after " + timeout.toSeconds() + " s)");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command.get(0), e);
        }
        return new Result(process.exitValue(), read(outputFile));
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim() : "";
    }
}
