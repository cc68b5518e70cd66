package upshift.junit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.LogMessageWaitStrategy;
import org.testcontainers.utility.DockerImageName;

import upshift.connect.Endpoint;
import upshift.embedded.EmbeddedPostgres;
import upshift.embedded.ServerSettings;
import upshift.rehearse.RehearsalServers;

/**
 * A rehearsal's servers in Docker containers through Testcontainers: both on a network of their own, where the
 * destination reaches the origin (and back) by its alias on port 5432, and this JVM through the mapped ports.
 *
 * <p>The image of major version N is system property {@code upshift.image.N}, by default the official
 * {@code postgres:N}; any image that behaves like it works (POSTGRES_USER/PASSWORD/DB, "ready to accept
 * connections" logged twice on a first start, {@code postgres -c name=value} as its command).
 */
final class ContainerServers {

    private static final int PG_PORT = 5432;
    private static final String SUPERUSER = "postgres";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);

    private ContainerServers() {
    }

    /** Null when a Docker engine answers, else why not. */
    static String dockerUnavailableReason() {
        try {
            return DockerClientFactory.instance().isDockerAvailable() ? null
                    : "no Docker engine answers (Testcontainers tried DOCKER_HOST, ~/.testcontainers.properties and"
                            + " /var/run/docker.sock)";
        } catch (RuntimeException | LinkageError e) {
            return "Testcontainers failed to look for a Docker engine: " + e;
        }
    }

    /** The image for a major version: {@code -Dupshift.image.N}, else the official {@code postgres:N}. */
    static String image(int major) {
        String image = System.getProperty("upshift.image." + major, "").strip();
        return image.isEmpty() ? "postgres:" + major : image;
    }

    static ServerProvider.Started start(int origin, int destination, Consumer<String> progress) {
        Network network = Network.newNetwork();
        String password = EmbeddedPostgres.randomPassword();
        List<Server> started = new ArrayList<>();
        try {
            started.add(Server.start(network, "origin", origin, password, progress));
            started.add(Server.start(network, "destination", destination, password, progress));
            return new ServerProvider.Started(RehearsalServers.of(started.get(0), started.get(1)), network::close);
        } catch (RuntimeException e) {
            started.forEach(Server::close);
            network.close();
            throw e;
        }
    }

    /** One server: a container, reached by this JVM on a mapped port and by its peer by alias. */
    private record Server(GenericContainer<?> container, String alias, int major, String image, String password,
            String version) implements RehearsalServers.Server {

        static Server start(Network network, String alias, int major, String password, Consumer<String> progress) {
            String image = ContainerServers.image(major);
            progress.accept("starting PostgreSQL " + major + " in a container of image " + image);
            List<String> command = new ArrayList<>(List.of("postgres"));
            ServerSettings.DEFAULTS.forEach((name, value) -> command.addAll(List.of("-c", name + "=" + value)));
            GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(image))
                    .withNetwork(network)
                    .withNetworkAliases(alias)
                    .withEnv("POSTGRES_USER", SUPERUSER)
                    .withEnv("POSTGRES_PASSWORD", password)
                    .withEnv("POSTGRES_DB", "postgres")
                    .withExposedPorts(PG_PORT)
                    .withCommand(command.toArray(String[]::new))
                    .waitingFor(new LogMessageWaitStrategy()
                            .withRegEx(".*database system is ready to accept connections.*\\s")
                            .withTimes(2)
                            .withStartupTimeout(STARTUP_TIMEOUT));
            try {
                container.start();
                String version = serverVersion(container, major, image, password);
                return new Server(container, alias, major, image, password, version);
            } catch (RuntimeException e) {
                container.stop();
                throw new IllegalStateException("PostgreSQL " + major + " did not start in a container of image "
                        + image + ": " + e.getMessage(), e);
            }
        }

        /** Connects as the rehearsal will and checks that the image runs the major version asked for. */
        private static String serverVersion(GenericContainer<?> container, int major, String image, String password) {
            String url = "jdbc:postgresql://" + container.getHost() + ":" + container.getMappedPort(PG_PORT)
                    + "/postgres";
            long deadline = System.nanoTime() + CONNECT_TIMEOUT.toNanos();
            SQLException last;
            do {
                try (Connection c = DriverManager.getConnection(url, SUPERUSER, password);
                     Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')::int / 10000,"
                             + " split_part(current_setting('server_version'), ' ', 1)")) {
                    rs.next();
                    if (rs.getInt(1) != major) {
                        throw new IllegalStateException("image " + image + " runs PostgreSQL " + rs.getInt(1)
                                + ", not " + major + " (check -Dupshift.image." + major + ")");
                    }
                    return rs.getString(2);
                } catch (SQLException e) {
                    last = e;
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            } while (System.nanoTime() < deadline);
            throw new IllegalStateException(url + " does not accept connections: " + last.getMessage(), last);
        }

        @Override
        public String host() {
            return container.getHost();
        }

        @Override
        public int port() {
            return container.getMappedPort(PG_PORT);
        }

        @Override
        public String superuser() {
            return SUPERUSER;
        }

        /** The peer is a container on the same network: by alias, on the container's own port. */
        @Override
        public String peerConninfo(String database) {
            return "host=" + Endpoint.quoteConninfoValue(alias) + " port=" + PG_PORT + " dbname="
                    + Endpoint.quoteConninfoValue(database) + " user=" + SUPERUSER + " password="
                    + Endpoint.quoteConninfoValue(password);
        }

        @Override
        public void close() {
            container.stop();
        }

        @Override
        public String toString() {
            return "PostgreSQL " + version + " container " + alias + " (" + image + ")";
        }
    }
}
