package upshift.rehearse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import upshift.UpshiftException;
import upshift.connect.Endpoint;
import upshift.embedded.EmbeddedPostgres;
import upshift.sample.SampleApp;

/**
 * The two throw-away servers of a rehearsal, each with a database {@value #DATABASE}: the origin with the old
 * model and its data, the destination with the new model as restore-schema leaves it.
 */
public final class RehearsalServers implements AutoCloseable {

    public static final String DATABASE = "shop";

    /**
     * A running server a rehearsal can use: superuser access from this JVM, and how the other server of the pair
     * reaches it (loopback for embedded servers; a container's network alias for Testcontainers). It needs
     * wal_level = logical and room for the rehearsal's slots and workers, as {@link EmbeddedPostgres} starts them.
     */
    public interface Server extends AutoCloseable {

        int major();

        /** The server's version, e.g. {@code 13.23}. */
        String version();

        /** Host and port as this JVM reaches it. */
        String host();

        int port();

        String superuser();

        String password();

        /** {@code jdbc:postgresql://host:port/database}, no credentials in it. */
        default String jdbcUrl(String database) {
            return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
        }

        /** The libpq conninfo with which the other server of the pair reaches this one's database. */
        default String peerConninfo(String database) {
            return Endpoint.resolve("postgresql://" + superuser() + ":" + password() + "@" + host() + ":" + port()
                    + "/" + database).conninfo();
        }

        /** Stops the server. */
        @Override
        void close();
    }

    /** An embedded server as a rehearsal's {@link Server}. */
    private record Embedded(EmbeddedPostgres server) implements Server {
        public int major() {
            return server.major();
        }

        public String version() {
            return server.version();
        }

        public String host() {
            return server.host();
        }

        public int port() {
            return server.port();
        }

        public String superuser() {
            return server.superuser();
        }

        public String password() {
            return server.password();
        }

        public void close() {
            server.close();
        }

        @Override
        public String toString() {
            return server.toString();
        }
    }

    private final Server origin;
    private final Server destination;

    private RehearsalServers(Server origin, Server destination) {
        this.origin = origin;
        this.destination = destination;
    }

    /** Starts both servers (wal_level = logical) and creates the database on each. */
    public static RehearsalServers start(int fromMajor, int toMajor, Consumer<String> progress) {
        EmbeddedPostgres o = EmbeddedPostgres.builder(fromMajor).progress(progress).start();
        try {
            EmbeddedPostgres d = EmbeddedPostgres.builder(toMajor).progress(progress).start();
            try {
                return of(new Embedded(o), new Embedded(d));
            } catch (RuntimeException e) {
                d.close();
                throw e;
            }
        } catch (RuntimeException e) {
            o.close();
            throw e;
        }
    }

    /**
     * Two servers someone else started (e.g. in containers), with the database {@value #DATABASE} created on each.
     * {@link #close()} stops them.
     */
    public static RehearsalServers of(Server origin, Server destination) {
        RehearsalServers servers = new RehearsalServers(origin, destination);
        servers.createDatabase(origin);
        servers.createDatabase(destination);
        upshift.connect.Secrets.register(origin.password());
        upshift.connect.Secrets.register(destination.password());
        return servers;
    }

    /** The sample shop: old model with {@code rows} rows on origin, new model on destination, the app role on both. */
    public void loadSample(long rows, String appPassword) throws SQLException {
        int users = (int) Math.max(1, rows / 10);
        try (Connection o = connect(origin); Connection d = connect(destination)) {
            SampleApp.createOldModel(o);
            SampleApp.loadData(o, users);
            SampleApp.createNewModel(d);
            SampleApp.grantApplication(o, appPassword);
            SampleApp.grantApplication(d, appPassword);
        }
    }

    /**
     * The operator's own schema: a plain SQL file (a pg_dump --schema-only works; psql meta-command lines are
     * skipped) applied to origin, and {@code newSchema} (or the same file) to destination. Tables stay empty.
     */
    public void loadSchema(Path schema, Path newSchema) throws SQLException {
        try (Connection o = connect(origin); Connection d = connect(destination)) {
            execute(o, readSql(schema));
            execute(d, readSql(newSchema != null ? newSchema : schema));
        }
    }

    /**
     * The operator's schema needs an application role as the sample shop has one, so that the freeze applies to the
     * workload as to an application: created on both servers with that password, allowed to read and write every
     * table and sequence of every non-system schema there.
     */
    public void grantApplicationEverywhere(String role, String password) throws SQLException {
        for (Server server : java.util.List.of(origin, destination)) {
            try (Connection c = connect(server)) {
                execute(c, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = "
                        + upshift.sql.Sql.literal(role) + ") THEN CREATE ROLE " + upshift.sql.Sql.ident(role)
                        + " LOGIN; END IF; END $$");
                execute(c, "ALTER ROLE " + upshift.sql.Sql.ident(role) + " PASSWORD "
                        + upshift.sql.Sql.literal(password));
                java.util.List<String> schemas = new java.util.ArrayList<>();
                try (Statement st = c.createStatement(); var rs = st.executeQuery("SELECT nspname FROM pg_namespace"
                        + " WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname !~ '^pg_'")) {
                    while (rs.next()) {
                        schemas.add(upshift.sql.Sql.ident(rs.getString(1)));
                    }
                }
                String list = String.join(", ", schemas);
                String r = upshift.sql.Sql.ident(role);
                execute(c, "GRANT USAGE ON SCHEMA " + list + " TO " + r + ";"
                        + " GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + list + " TO " + r + ";"
                        + " GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA " + list + " TO " + r);
            }
        }
    }

    /** Where the application's migration command runs: a database of its own on one of the two servers. */
    public record Reference(String host, int port, String database, String user, String password, int major) {

        /** postgres://user:password@host:port/database, parts percent-encoded. */
        public String url() {
            return "postgres://" + encode(user) + ":" + encode(password) + "@" + host + ":" + port + "/"
                    + encode(database);
        }

        private static String encode(String part) {
            return java.net.URLEncoder.encode(part, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
        }
    }

    /**
     * Creates database {@code name} on the destination server ({@code onDestination}) or on origin's, for the
     * application's own migration command; the superuser connects to it.
     */
    public Reference createReferenceDatabase(String name, boolean onDestination) {
        Server server = onDestination ? destination : origin;
        try (Connection c = DriverManager.getConnection(server.jdbcUrl("postgres"), server.superuser(),
                server.password()); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + upshift.sql.Sql.ident(name));
        } catch (SQLException e) {
            throw new UpshiftException("cannot create the reference database on " + server + ": " + e.getMessage(),
                    null, e);
        }
        upshift.connect.Secrets.register(server.password());
        return new Reference(server.host(), server.port(), name, server.superuser(), server.password(),
                server.major());
    }

    /** Drops a database {@link #createReferenceDatabase} made, once its schema has been dumped. */
    public void dropReferenceDatabase(Reference reference) throws SQLException {
        Server server = reference.port() == destination.port() && reference.host().equals(destination.host())
                ? destination : origin;
        try (Connection c = DriverManager.getConnection(server.jdbcUrl("postgres"), server.superuser(),
                server.password()); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + upshift.sql.Sql.ident(reference.database()));
        }
    }

    /** Applies a schema file (as {@link #loadSchema} does) to the reference database. */
    public void loadReferenceSchema(Reference reference, Path schema) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl(reference), reference.user(), reference.password())) {
            execute(c, readSql(schema));
        }
    }

    public static String jdbcUrl(Reference reference) {
        return "jdbc:postgresql://" + reference.host() + ":" + reference.port() + "/" + reference.database();
    }

    /** The origin server (for a caller's own checks after the rehearsal). */
    public Server origin() {
        return origin;
    }

    /** The destination server. */
    public Server destination() {
        return destination;
    }

    public int originMajor() {
        return origin.major();
    }

    public int destinationMajor() {
        return destination.major();
    }

    /** A superuser session on origin's rehearsal database. */
    public Connection originSession() throws SQLException {
        return connect(origin);
    }

    /** A superuser session on destination's rehearsal database. */
    public Connection destinationSession() throws SQLException {
        return connect(destination);
    }

    /** Rows in the origin's tables (for throughput). */
    public long originRows() throws SQLException {
        try (Connection o = connect(origin); Statement st = o.createStatement();
             var rs = st.executeQuery("SELECT coalesce(sum(n_live_tup), 0)::bigint FROM pg_stat_user_tables")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The workload's orders on origin (status 'workload'), to count the writes a round trip lost. */
    public long originWorkloadOrders() throws SQLException {
        try (Connection o = connect(origin); Statement st = o.createStatement();
             var rs = st.executeQuery("SELECT count(*) FROM shop_order WHERE status = 'workload'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    public String originUrl() {
        return url(origin);
    }

    public String destinationUrl() {
        return url(destination);
    }

    /** How the destination server reaches origin (and back): both listen on loopback. */
    public String originConninfo() {
        return origin.peerConninfo(DATABASE);
    }

    public String destinationConninfo() {
        return destination.peerConninfo(DATABASE);
    }

    public String originJdbcUrl() {
        return origin.jdbcUrl(DATABASE);
    }

    public String destinationJdbcUrl() {
        return destination.jdbcUrl(DATABASE);
    }

    public Properties superuserCredentials() {
        Properties p = new Properties();
        p.setProperty("user", origin.superuser());
        p.setProperty("password", origin.password());
        return p;
    }

    public String originVersion() {
        return origin.version();
    }

    public String destinationVersion() {
        return destination.version();
    }

    /** What --keep leaves behind: URLs without passwords, the password file that has them, how to stop. */
    public record Kept(String originUrl, String destinationUrl, Path passwordFile, java.util.List<String> stop) {
    }

    /**
     * Leaves both servers running after this JVM exits. Passwords are never printed: they go to a password file
     * (mode 0600) for PGPASSFILE, which psql and upshift both read.
     */
    public Kept keepRunning() throws IOException {
        if (!(origin instanceof Embedded o) || !(destination instanceof Embedded d)) {
            throw new UpshiftException("only embedded servers can be kept running", "stop them with their owner");
        }
        o.server().keepRunningAfterExit();
        d.server().keepRunningAfterExit();
        Path passwordFile = Files.createTempFile("upshift-rehearsal-", ".pgpass",
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(passwordFile, passwordLine(origin) + passwordLine(destination));
        return new Kept(urlWithoutPassword(origin), urlWithoutPassword(destination), passwordFile,
                java.util.List.of(o.server().stopCommand(), d.server().stopCommand(), "rm -f " + passwordFile));
    }

    private static String passwordLine(Server server) {
        return server.host() + ":" + server.port() + ":*:" + server.superuser() + ":" + server.password() + "\n";
    }

    private static String urlWithoutPassword(Server server) {
        return "postgresql://" + server.superuser() + "@" + server.host() + ":" + server.port() + "/" + DATABASE;
    }

    @Override
    public void close() {
        try {
            destination.close();
        } finally {
            origin.close();
        }
    }

    private void createDatabase(Server server) {
        try (Connection c = DriverManager.getConnection(server.jdbcUrl("postgres"), server.superuser(),
                server.password()); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + DATABASE);
        } catch (SQLException e) {
            throw new UpshiftException("cannot create the rehearsal database on " + server + ": " + e.getMessage(),
                    null, e);
        }
    }

    private static String url(Server server) {
        return "postgresql://" + server.superuser() + ":" + server.password() + "@" + server.host() + ":"
                + server.port() + "/" + DATABASE;
    }

    private static Connection connect(Server server) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(DATABASE), server.superuser(), server.password());
    }

    private static String readSql(Path file) {
        try {
            return Files.readAllLines(file).stream().filter(line -> !line.startsWith("\\"))
                    .collect(Collectors.joining("\n"));
        } catch (IOException e) {
            throw UpshiftException.usage("cannot read schema file " + file + ": " + e.getMessage(),
                    "pass a plain SQL file, e.g. from pg_dump --schema-only");
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
