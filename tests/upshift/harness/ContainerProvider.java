package upshift.harness;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.LogMessageWaitStrategy;
import org.testcontainers.utility.DockerImageName;


/**
 * Real servers in Docker containers through Testcontainers: one container per server, all on one Docker network
 * that this provider creates. A server reaches another by its network alias ({@code pg13-1}, {@code pg16-2}, ...)
 * on port 5432; the test JVM reaches it through the mapped port on the Docker host.
 *
 * <p>The image for major version N is system property {@code upshift.image.N}, by default the official
 * {@code postgres:N}. Machines without an image registry build {@code upshift/postgres:N} with
 * {@code .ci/build-images.sh} and pass {@code -Dupshift.image.N=upshift/postgres:N}. Any image that behaves like the
 * official one works: POSTGRES_USER/PASSWORD/DB, "database system is ready to accept connections" logged twice on
 * a first start, and a {@code postgres -c name=value ...} command.
 */
public final class ContainerProvider implements PgProvider {

    static final String NAME = "testcontainers";

    private static final int PG_PORT = 5432;
    private static final String SUPERUSER = "postgres";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration PULL_TIMEOUT = Duration.ofMinutes(5);
    private static final String READY_LOG = ".*database system is ready to accept connections.*\\s";

    /** Every server's settings (the embedded provider's too), before those given to {@link #start(int, Map)}. */
    private static final Map<String, String> BASE_SETTINGS = baseSettings();

    private final String password = upshift.embedded.EmbeddedPostgres.randomPassword();
    private final AtomicInteger serial = new AtomicInteger();
    private final List<ContainerServer> started = new CopyOnWriteArrayList<>();
    private Network network; // created with the first server; guarded by this
    private volatile String unavailableReason; // computed once; "" when Docker answers

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String toString() {
        return NAME;
    }

    @Override
    public String unavailableReason() {
        String reason = unavailableReason;
        if (reason == null) {
            reason = probeDocker();
            unavailableReason = reason;
        }
        return reason.isEmpty() ? null : reason;
    }

    private static String probeDocker() {
        try {
            if (DockerClientFactory.instance().isDockerAvailable()) {
                return "";
            }
        } catch (RuntimeException | LinkageError e) {
            return "Testcontainers failed to look for a Docker engine: " + e;
        }
        return "no Docker engine answers (Testcontainers tried DOCKER_HOST, ~/.testcontainers.properties and"
                + " /var/run/docker.sock; on the project's machines start one with .ci/start-dockerd.sh)";
    }

    /** The image for a major version: {@code -Dupshift.image.N}, else the official {@code postgres:N}. */
    static String image(int major) {
        String image = System.getProperty("upshift.image." + major, "").trim();
        return image.isEmpty() ? "postgres:" + major : image;
    }

    @Override
    public PgServer start(int major, Map<String, String> settings) {
        String image = image(major);
        ensureImage(image, major);
        String alias = "pg" + major + "-" + serial.incrementAndGet();
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(image))
                .withNetwork(network())
                .withNetworkAliases(alias)
                .withEnv("POSTGRES_USER", SUPERUSER)
                .withEnv("POSTGRES_PASSWORD", password)
                .withEnv("POSTGRES_DB", "postgres")
                .withExposedPorts(PG_PORT)
                .withCommand(command(settings))
                .waitingFor(new LogMessageWaitStrategy()
                        .withRegEx(READY_LOG)
                        .withTimes(2)
                        .withStartupTimeout(STARTUP_TIMEOUT));
        try {
            container.start();
        } catch (RuntimeException e) {
            String logs = logTail(container);
            container.stop();
            throw new IllegalStateException("PostgreSQL " + major + " did not start in a container of image " + image
                    + " within " + STARTUP_TIMEOUT.toSeconds() + " s: " + e.getMessage() + logs, e);
        }
        ContainerServer server = new ContainerServer(this, major, image, alias, container);
        started.add(server);
        try {
            server.checkServerVersion();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /**
     * Makes sure the image is on the Docker host before Testcontainers starts it: Testcontainers retries a failing
     * pull for minutes, which on a machine without a registry turns a missing image into a long silent wait.
     */
    private static void ensureImage(String image, int major) {
        DockerClient docker = DockerClientFactory.instance().client();
        try {
            docker.inspectImageCmd(image).exec();
            return;
        } catch (NotFoundException absent) {
            // pulled below
        }
        DockerImageName name = DockerImageName.parse(image);
        String problem;
        try (PullImageResultCallback pull = docker.pullImageCmd(name.getUnversionedPart())
                .withTag(name.getVersionPart())
                .exec(new PullImageResultCallback())) {
            if (pull.awaitCompletion(PULL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                return;
            }
            problem = "the pull took more than " + PULL_TIMEOUT.toMinutes() + " minutes";
        } catch (RuntimeException | IOException e) {
            problem = e.getMessage() == null ? e.toString() : e.getMessage().strip();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while pulling " + image, e);
        }
        throw new IllegalStateException("image " + image + " is not on the Docker host and could not be pulled ("
                + problem + "). Without an image registry, build it with .ci/build-images.sh " + major
                + " and pass -Dupshift.image." + major + "=upshift/postgres:" + major);
    }

    /** {@code postgres -c name=value ...}: the base settings, then these (overriding a base setting of the same name). */
    private static String[] command(Map<String, String> settings) {
        Map<String, String> all = new LinkedHashMap<>(BASE_SETTINGS);
        all.putAll(settings);
        List<String> command = new ArrayList<>();
        command.add("postgres");
        all.forEach((name, value) -> {
            if (!name.matches("[A-Za-z_][A-Za-z0-9_.]*")) {
                throw new IllegalArgumentException("not a PostgreSQL setting name: '" + name + "'");
            }
            command.add("-c");
            command.add(name + "=" + value);
        });
        return command.toArray(String[]::new);
    }

    private synchronized Network network() {
        if (network == null) {
            network = Network.newNetwork();
        }
        return network;
    }

    @Override
    public void close() {
        for (ContainerServer server : started) {
            server.close();
        }
        synchronized (this) {
            if (network != null) {
                try {
                    network.close();
                } catch (RuntimeException e) {
                    System.err.println("[upshift harness] could not remove Docker network " + network.getId() + ": " + e);
                }
                network = null;
            }
        }
    }

    private static Map<String, String> baseSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("wal_level", "logical");
        settings.putAll(SHARED_SERVER_SETTINGS);
        settings.put("fsync", "off");
        return settings;
    }

    /** The container's last log lines, for an error message ("" when there are none). */
    private static String logTail(GenericContainer<?> container) {
        try {
            if (container.getContainerId() == null) {
                return "";
            }
            List<String> lines = container.getLogs().lines().toList();
            List<String> tail = lines.subList(Math.max(0, lines.size() - 30), lines.size());
            return tail.isEmpty() ? "" : "\n--- last lines of the container's log ---\n" + String.join("\n", tail);
        } catch (RuntimeException e) {
            return " (its log could not be read: " + e.getMessage() + ")";
        }
    }

    /** One server: a running container, reached by the test JVM on a mapped port and by its peers by alias. */
    private static final class ContainerServer implements PgServer {

        private final ContainerProvider provider;
        private final int major;
        private final String image;
        private final String alias;
        private final GenericContainer<?> container;
        private final String host;
        private final int port;

        ContainerServer(ContainerProvider provider, int major, String image, String alias,
                GenericContainer<?> container) {
            this.provider = provider;
            this.major = major;
            this.image = image;
            this.alias = alias;
            this.container = container;
            this.host = container.getHost();
            this.port = container.getMappedPort(PG_PORT);
        }

        @Override
        public int major() {
            return major;
        }

        @Override
        public String provider() {
            return NAME;
        }

        @Override
        public String host() {
            return host;
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public String superuser() {
            return SUPERUSER;
        }

        @Override
        public String password() {
            return provider.password;
        }

        /** Peers are containers on the same network: they reach this one by its alias, on the container's port. */
        @Override
        public String peerConninfo(String database) {
            return PgServer.conninfo(alias, PG_PORT, database, SUPERUSER, password());
        }

        private Connection connect(String database) throws SQLException {
            return DriverManager.getConnection(jdbcUrl(database), SUPERUSER, password());
        }

        /**
         * Connects as the tests will (which proves the password and the port mapping) and checks the image runs the
         * major version asked for: a wrong -Dupshift.image.N would otherwise surface as puzzling test failures.
         */
        void checkServerVersion() {
            long deadline = System.nanoTime() + CONNECT_TIMEOUT.toNanos();
            SQLException last;
            do {
                try (Connection connection = connect("postgres");
                        Statement statement = connection.createStatement();
                        ResultSet rows = statement.executeQuery("SHOW server_version_num")) {
                    rows.next();
                    int actual = Integer.parseInt(rows.getString(1)) / 10000;
                    if (actual != major) {
                        throw new IllegalStateException("image " + image + " runs PostgreSQL " + actual + ", not "
                                + major + " (check -Dupshift.image." + major + ")");
                    }
                    return;
                } catch (SQLException e) {
                    last = e;
                }
                pause(Duration.ofMillis(250));
            } while (System.nanoTime() < deadline);
            throw new IllegalStateException("PostgreSQL " + major + " in " + this + " logged that it is ready, but "
                    + jdbcUrl("postgres") + " does not accept connections: " + last.getMessage() + logTail(container),
                    last);
        }

        @Override
        public void close() {
            provider.started.remove(this);
            try {
                container.stop();
            } catch (RuntimeException e) {
                System.err.println("[upshift harness] could not stop " + this + ": " + e);
            }
        }

        @Override
        public String toString() {
            String id = container.getContainerId();
            return "PostgreSQL " + major + " container " + alias + " (" + image
                    + (id == null ? "" : ", " + id.substring(0, Math.min(12, id.length()))) + ") on " + host + ":"
                    + port;
        }

        private static void pause(Duration duration) {
            try {
                Thread.sleep(duration.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }
}
