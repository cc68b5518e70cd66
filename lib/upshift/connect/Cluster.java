package upshift.connect;

import java.sql.Connection;
import java.sql.SQLException;

import upshift.UpshiftException;
import upshift.server.ServerFacts;

/**
 * One side of the migration, origin or destination: where it is, one session to it (opened on first use) and the
 * facts read from it (once).
 */
public final class Cluster implements AutoCloseable {

    private final String role;
    private Endpoint endpoint;
    private final ConnectSettings settings;
    private Connection connection;
    private ServerFacts facts;
    private java.util.function.BiConsumer<String, String> statementLog;

    public Cluster(String role, Endpoint endpoint, ConnectSettings settings) {
        this.role = role;
        this.endpoint = endpoint;
        this.settings = settings;
    }

    /** "origin" or "destination". */
    public String role() {
        return role;
    }

    /** Where it is: once connected, with the host that answered ({@link Endpoint#answeredBy}). */
    public Endpoint endpoint() {
        return endpoint;
    }

    /** How the tool's sessions to it behave (connect timeout etc.); client programs started for it use the same. */
    public ConnectSettings settings() {
        return settings;
    }

    /**
     * The session, opened on first use. For a multi-host URL, the endpoint then names the host that answered
     * (what status, preflight and the other banners print), not the first of the list.
     */
    public Connection connection() {
        if (connection == null) {
            connection = Connector.open(role, endpoint, settings);
            endpoint = Connector.answeredBy(connection, endpoint);
            if (statementLog != null) {
                connection = StatementLog.wrap(connection, role, statementLog);
            }
        }
        return connection;
    }

    /**
     * Reports every SQL text this cluster's session runs, reads included, to {@code log} as (role, sql): -v of a
     * step whose work is reading (status). Call before the first use.
     */
    public Cluster logStatements(java.util.function.BiConsumer<String, String> log) {
        this.statementLog = log;
        return this;
    }

    /** A second, independent session (e.g. for a workload or a watcher); the caller closes it. */
    public Connection openAnother() {
        return Connector.open(role, endpoint, settings);
    }

    /**
     * Another cluster for the same server, with a session of its own, for work that runs beside this cluster's
     * (e.g. the sequences synced while the drain waits); the caller closes it. It connects to the host that answered
     * this one, so a multi-host URL cannot put the two sessions on different servers.
     */
    public Cluster another() {
        return new Cluster(role, endpoint, settings);
    }

    /** Version, flavour, rights and settings, read once. */
    public ServerFacts facts() {
        if (facts == null) {
            try {
                facts = ServerFacts.read(connection());
            } catch (SQLException e) {
                throw new UpshiftException("cannot read server facts from " + role + " " + endpoint + ": "
                        + e.getMessage(), "the role needs to read pg_settings and pg_roles", e);
            }
        }
        return facts;
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing a broken session: nothing left to do
            }
            connection = null;
        }
    }

    @Override
    public String toString() {
        return role + " " + endpoint;
    }
}
