package upshift.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import upshift.UpshiftException;

/**
 * One server's directory and the programs that act on it: {@code initdb}, {@code pg_ctl start} and
 * {@code pg_ctl stop}. The directory holds {@code data/}, {@code server.log}, the unix socket and the programs'
 * output; it belongs to the {@link ServerUser}.
 */
final class ServerInstance {

    private static final Duration INITDB_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration PG_CTL_TIMEOUT = Duration.ofSeconds(90);
    private static final int PG_CTL_WAIT_SECONDS = 60;
    private static final int TAIL_LINES = 25;

    private final PostgresBinaries binaries;
    private final ServerUser user;
    private final Path directory;
    private final Commands commands;

    ServerInstance(PostgresBinaries binaries, ServerUser user, Path directory) {
        this.binaries = binaries;
        this.user = user;
        this.directory = directory;
        this.commands = new Commands(user, directory);
    }

    Path directory() {
        return directory;
    }

    Path dataDirectory() {
        return directory.resolve("data");
    }

    Path logFile() {
        return directory.resolve("server.log");
    }

    /** Creates the cluster: superuser {@code superuser} with {@code password}, scram-sha-256 everywhere, C/UTF8. */
    void initdb(String superuser, String password) throws IOException {
        Path passwordFile = directory.resolve("superuser-password");
        Files.writeString(passwordFile, password + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
        user.own(passwordFile);
        Commands.Result result;
        try {
            result = commands.run(INITDB_TIMEOUT, directory.resolve("initdb.out"), List.of(
                    binaries.bin("initdb").toString(), "-D", dataDirectory().toString(), "-U", superuser,
                    "--pwfile=" + passwordFile, "-A", "scram-sha-256", "--locale=C", "--encoding=UTF8",
                    "--no-sync"));
        } finally {
            Files.deleteIfExists(passwordFile);
        }
        if (!result.succeeded()) {
            throw new UpshiftException("initdb of PostgreSQL " + binaries.version() + " failed (exit "
                    + result.exitCode() + "):\n" + tail(result.output()),
                    "the output above says why; if a shared library is missing, install it with apt-get");
        }
    }

    /** Appends settings to postgresql.conf, where they override what initdb wrote. */
    void configure(Map<String, String> settings) throws IOException {
        Files.writeString(dataDirectory().resolve("postgresql.conf"), ServerSettings.asConfigLines(settings),
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    /** {@code pg_ctl start -w} on that port; a fresh server log each time. */
    Commands.Result start(int port) throws IOException {
        Files.deleteIfExists(logFile());
        return commands.run(PG_CTL_TIMEOUT, directory.resolve("pg_ctl-start.out"), List.of(
                binaries.bin("pg_ctl").toString(), "-D", dataDirectory().toString(), "-l", logFile().toString(),
                "-w", "-t", String.valueOf(PG_CTL_WAIT_SECONDS), "-o", "-p " + port, "start"));
    }

    /** The server log so far ("" when there is none). */
    String serverLog() throws IOException {
        return Files.exists(logFile()) ? new String(Files.readAllBytes(logFile()), StandardCharsets.UTF_8) : "";
    }

    /**
     * Stops a running server: {@code pg_ctl stop -m fast}, or SIGKILL to the postmaster if that fails. Returns
     * null when it stopped (or was not running), else what went wrong.
     */
    String stop() {
        Path pidFile = dataDirectory().resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return null;
        }
        try {
            Commands.Result result = commands.run(PG_CTL_TIMEOUT, directory.resolve("pg_ctl-stop.out"), List.of(
                    binaries.bin("pg_ctl").toString(), "-D", dataDirectory().toString(), "-m", "fast", "-w",
                    "-t", String.valueOf(PG_CTL_WAIT_SECONDS), "stop"));
            if (result.succeeded()) {
                return null;
            }
            return killPostmaster(pidFile, result.output());
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** The last lines of a program's output or a log. */
    static String tail(String text) {
        String[] lines = text.strip().split("\n");
        return String.join("\n", Arrays.copyOfRange(lines, Math.max(0, lines.length - TAIL_LINES), lines.length));
    }

    private static String killPostmaster(Path pidFile, String pgCtlOutput) throws IOException {
        List<String> lines = Files.exists(pidFile) ? Files.readAllLines(pidFile, StandardCharsets.UTF_8) : List.of();
        if (lines.isEmpty()) {
            return null; // it stopped after all
        }
        long pid = Long.parseLong(lines.get(0).trim());
        ProcessHandle postmaster = ProcessHandle.of(pid).orElse(null);
        if (postmaster == null) {
            return null;
        }
        postmaster.destroyForcibly();
        try {
            postmaster.onExit().get(10, TimeUnit.SECONDS);
            return "pg_ctl stop -m fast failed (" + pgCtlOutput + "); postmaster " + pid + " was killed";
        } catch (Exception e) {
            return "pg_ctl stop -m fast failed (" + pgCtlOutput + ") and postmaster " + pid
                    + " survived SIGKILL: " + e;
        }
    }
}
