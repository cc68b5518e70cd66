package upshift.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import upshift.harness.PgServer;

/** Feeds a script to the real psql, as an operator pastes a --dry-run script; proves the script runs unchanged. */
public final class Psql {

    private Psql() {
    }

    /** Runs the script on that database with ON_ERROR_STOP and the given psql variables (-v name=value). */
    public static Run run(PgServer server, String database, String script, Map<String, String> variables) {
        try {
            Path file = Files.createTempFile("upshift-psql", ".sql");
            Path out = Files.createTempFile("upshift-psql", ".out");
            try {
                Files.writeString(file, script);
                List<String> command = new ArrayList<>(List.of("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"));
                variables.forEach((k, v) -> command.addAll(List.of("-v", k + "=" + v)));
                command.addAll(List.of("-f", file.toString(), "host=" + server.host() + " port=" + server.port()
                        + " dbname=" + database + " user=" + server.superuser()));
                ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
                pb.environment().put("PGPASSWORD", server.password());
                Process p = pb.start();
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("psql did not finish in 120 s");
                }
                String output = Files.readString(out, StandardCharsets.UTF_8);
                return new Run(p.exitValue(), output, output);
            } finally {
                Files.deleteIfExists(file);
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run psql (is postgresql-client installed?): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
