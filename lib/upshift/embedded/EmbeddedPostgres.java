package upshift.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import upshift.UpshiftException;

/**
 * A throw-away PostgreSQL server from the zonky binaries: initdb into a fresh directory under
 * {@code java.io.tmpdir}, started on a free port of 127.0.0.1 with logical replication enabled and fsync off,
 * stopped and deleted by {@link #close()} (or when the JVM exits). The superuser {@value #SUPERUSER} has a random
 * password that every connection, local or TCP, must give (scram-sha-256). When the JVM runs as root, the server
 * runs as {@code nobody}.
 *
 * <pre>{@code
 * try (EmbeddedPostgres pg = EmbeddedPostgres.builder(16).setting("max_connections", "50").start()) {
 *     DriverManager.getConnection(pg.jdbcUrl("postgres"), pg.superuser(), pg.password());
 * }
 * }</pre>
 */
public final class EmbeddedPostgres implements AutoCloseable {

    public static final String HOST = "127.0.0.1";
    public static final String SUPERUSER = "postgres";

    private static final int PORT_ATTEMPTS = 5;

    private final PostgresBinaries binaries;
    private final ServerInstance instance;
    private final String password;
    private final int port;
    private final Thread stopOnExit;
    private boolean closed;

    private EmbeddedPostgres(PostgresBinaries binaries, ServerInstance instance, String password, int port) {
        this.binaries = binaries;
        this.instance = instance;
        this.password = password;
        this.port = port;
        this.stopOnExit = new Thread(this::close, "upshift-embedded-postgres-" + port);
        Runtime.getRuntime().addShutdownHook(stopOnExit);
    }

    /** A server of that major version (13 to 18). */
    public static Builder builder(int major) {
        return new Builder(major);
    }

    /** Starts a server of that major version with the defaults plus {@code settings} (which win). */
    public static EmbeddedPostgres start(int major, Map<String, String> settings) {
        return builder(major).settings(settings).start();
    }

    /** How a server is started. */
    public static final class Builder {
        private final int major;
        private final Map<String, String> settings = new LinkedHashMap<>();
        private Consumer<String> progress = message -> { };

        private Builder(int major) {
            this.major = major;
        }

        /** A postgresql.conf setting, added or overriding a default (e.g. {@code wal_level=replica}). */
        public Builder setting(String name, String value) {
            settings.put(name, value);
            return this;
        }

        public Builder settings(Map<String, String> more) {
            settings.putAll(more);
            return this;
        }

        /** Receives short progress lines (unpacking, initdb, ready); by default they go nowhere. */
        public Builder progress(Consumer<String> receiver) {
            this.progress = receiver;
            return this;
        }

        /** Unpacks the binaries if needed, runs initdb and starts the server; returns once it accepts connections. */
        public EmbeddedPostgres start() {
            return launch(major, new LinkedHashMap<>(settings), progress);
        }
    }

    public int major() {
        return binaries.major();
    }

    /** The server's version, e.g. {@code 13.23}. */
    public String version() {
        return binaries.serverVersion();
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    public String superuser() {
        return SUPERUSER;
    }

    public String password() {
        return password;
    }

    public Path dataDirectory() {
        return instance.dataDirectory();
    }

    /** The server's log (deleted by {@link #close()}). */
    public Path logFile() {
        return instance.logFile();
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/<database>}, no credentials in it. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + database;
    }

    /**
     * Leaves the server running when this JVM exits (rehearse --keep): no shutdown hook stops it any more. It is
     * stopped with {@link #stopCommand()}.
     */
    public synchronized void keepRunningAfterExit() {
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        } catch (IllegalStateException exiting) {
            // already shutting down: the hook runs
        }
    }

    /** The shell command that stops a kept server and removes its files. */
    public String stopCommand() {
        String pgCtl = binaries.bin("pg_ctl") + " stop -m fast -D " + instance.dataDirectory();
        return (ServerUser.forThisJvm().switchesUser() ? "setpriv --reuid=nobody --regid=nogroup --clear-groups " : "")
                + pgCtl + " && rm -rf " + instance.directory();
    }

    /** Stops the server ({@code pg_ctl stop -m fast}) and deletes its directories; a second call does nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        } catch (IllegalStateException exiting) {
            // the JVM is already running its shutdown hooks (maybe this very one)
        }
        String stopProblem = instance.stop();
        try {
            Trees.deleteRecursively(instance.directory());
        } catch (IOException e) {
            throw new UpshiftException("could not delete the directory of " + this + " (" + instance.directory()
                    + "): " + e, "delete it by hand", e);
        }
        if (stopProblem != null) {
            throw new UpshiftException(this + " did not stop cleanly: " + stopProblem,
                    "its files are deleted; check that no postgres process of it is left (ps -ef | grep postgres)");
        }
    }

    @Override
    public String toString() {
        return "embedded PostgreSQL " + binaries.version() + " on " + HOST + ":" + port;
    }

    private static EmbeddedPostgres launch(int major, Map<String, String> settings, Consumer<String> progress) {
        long started = System.nanoTime();
        PostgresBinaries binaries = PostgresBinaries.forMajor(major, progress);
        ServerUser user = ServerUser.forThisJvm();
        user.checkCanReach(binaries.home());
        ServerInstance instance = new ServerInstance(binaries, user, newInstanceDirectory(major));
        try {
            user.own(instance.directory());
            user.checkCanReach(instance.directory().getParent());
            Map<String, String> conf = ServerSettings.merged(settings, HOST, instance.directory().toString());
            String password = randomPassword();
            progress.accept("initdb PostgreSQL " + binaries.version() + " in " + instance.dataDirectory()
                    + " as " + user);
            instance.initdb(SUPERUSER, password);
            instance.configure(conf);
            int port = startOnFreePort(binaries, instance);
            progress.accept("PostgreSQL " + binaries.version() + " ready on " + HOST + ":" + port + " after "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
            return new EmbeddedPostgres(binaries, instance, password, port);
        } catch (IOException | RuntimeException e) {
            instance.stop();
            Trees.deleteQuietly(instance.directory());
            if (e instanceof UpshiftException known) {
                throw known;
            }
            if (e instanceof IllegalArgumentException usage) {
                throw usage;
            }
            throw new UpshiftException("could not start embedded PostgreSQL " + binaries.version() + ": " + e,
                    "check free space and permissions under " + System.getProperty("java.io.tmpdir"), e);
        }
    }

    private static Path newInstanceDirectory(int major) {
        Path parent = Path.of(System.getProperty("java.io.tmpdir"));
        try {
            return Files.createTempDirectory(parent, "upshift-pg" + major + "-");
        } catch (IOException e) {
            throw new UpshiftException("could not create a directory for embedded PostgreSQL " + major + " under "
                    + parent + ": " + e, "point -Djava.io.tmpdir at a writable directory", e);
        }
    }

    /** Starts the server, taking another port when it loses the race for one; returns the port. */
    private static int startOnFreePort(PostgresBinaries binaries, ServerInstance instance) throws IOException {
        List<Integer> portsTried = new ArrayList<>();
        while (portsTried.size() < PORT_ATTEMPTS) {
            int port = FreePort.onLoopback();
            portsTried.add(port);
            Commands.Result result = instance.start(port);
            if (result.succeeded()) {
                return port;
            }
            String serverLog = instance.serverLog();
            if (!serverLog.contains("could not bind") && !serverLog.contains("Address already in use")) {
                throw new UpshiftException("PostgreSQL " + binaries.version() + " did not start on " + HOST + ":"
                        + port + " (pg_ctl exit " + result.exitCode() + ": " + ServerInstance.tail(result.output())
                        + ")\nserver log, last lines:\n" + ServerInstance.tail(serverLog),
                        "the server log above says why; if it names a setting, fix the settings passed to"
                                + " EmbeddedPostgres (they go to the end of postgresql.conf)");
            }
            instance.stop();
        }
        throw new UpshiftException("PostgreSQL " + binaries.version() + " could not bind any of the ports "
                + portsTried + " on " + HOST, "other processes keep taking the free ports; try again");
    }

    /** A throw-away server's superuser password: 24 characters, none that reads like another. */
    public static String randomPassword() {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        SecureRandom random = new SecureRandom();
        StringBuilder password = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            password.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return password.toString();
    }
}
