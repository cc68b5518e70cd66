package upshift.connect;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

import upshift.UpshiftException;

/** Opens the tool's JDBC sessions and turns connection failures into one line an operator can act on. */
public final class Connector {

    private Connector() {
    }

    /**
     * Opens a session to the endpoint. {@code role} names the side in messages ("origin", "destination").
     *
     * @throws UpshiftException with a hint when the server cannot be reached or refuses the login
     */
    public static Connection open(String role, Endpoint endpoint, ConnectSettings settings) {
        try {
            Connection connection = DriverManager.getConnection(endpoint.jdbcUrl(),
                    endpoint.jdbcProperties(settings));
            connection.setAutoCommit(true);
            return connection;
        } catch (SQLException e) {
            throw explain(role, endpoint, e);
        }
    }

    /**
     * The endpoint naming the host of its list that this session reached: pgjdbc tries the hosts in order, as
     * libpq does, and its query executor knows which one answered.
     */
    static Endpoint answeredBy(Connection connection, Endpoint endpoint) {
        if (!endpoint.multiHost()) {
            return endpoint;
        }
        try {
            org.postgresql.util.HostSpec spec = connection.unwrap(org.postgresql.core.BaseConnection.class)
                    .getQueryExecutor().getHostSpec();
            String host = spec.getHost();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return endpoint.answeredBy(host, spec.getPort());
        } catch (SQLException e) {
            return endpoint;
        }
    }

    static UpshiftException explain(String role, Endpoint endpoint, SQLException e) {
        String where = role + " " + endpoint + (endpoint.multiHost() ? " (and every other host of its list)" : "");
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        Throwable root = rootCause(e);
        if (root instanceof UnknownHostException) {
            return new UpshiftException("cannot connect to " + where + ": unknown host \"" + endpoint.host() + "\"",
                    "check the host name in --" + role + " (or PGURL_" + role.toUpperCase() + ")", e);
        }
        if (root instanceof ConnectException || root instanceof NoRouteToHostException) {
            return new UpshiftException("cannot connect to " + where + ": connection refused",
                    "is PostgreSQL running and listening on " + endpoint.host() + ":" + endpoint.port()
                            + "? check listen_addresses, the port and firewalls", e);
        }
        if (root instanceof SocketTimeoutException || state.equals("08001") && containsTimeout(e)) {
            return new UpshiftException("cannot connect to " + where + ": timed out",
                    "the host does not answer on port " + endpoint.port()
                            + "; check the address, security groups and firewalls", e);
        }
        switch (state) {
            case "28P01":
                return new UpshiftException("cannot log in to " + where + ": password authentication failed for user \""
                        + endpoint.user() + "\"", endpoint.hasPassword()
                        ? "check the password given in the URL, PGPASSWORD or the password file"
                        : "no password was given: put it in ~/.pgpass (mode 0600) or PGPASSWORD", e);
            case "28000":
                return new UpshiftException("cannot log in to " + where + ": " + firstLine(e.getMessage()),
                        "check pg_hba.conf on the server (host, user, database and sslmode must match a line)", e);
            case "3D000":
                return new UpshiftException("cannot connect to " + where + ": database \"" + endpoint.dbname()
                        + "\" does not exist", "check the database name at the end of the URL", e);
            case "53300":
                return new UpshiftException("cannot connect to " + where + ": too many connections",
                        "free connections or raise max_connections on the server", e);
            case "57P03":
                return new UpshiftException("cannot connect to " + where + ": the server is starting up or shutting down",
                        "wait and retry", e);
            default:
                return new UpshiftException("cannot connect to " + where + ": " + firstLine(e.getMessage()),
                        "check --" + role + " and that the server accepts connections from here", e);
        }
    }

    private static boolean containsTimeout(SQLException e) {
        String m = e.getMessage();
        return m != null && m.toLowerCase().contains("timed out");
    }

    private static Throwable rootCause(Throwable t) {
        Throwable cause = t;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int nl = message.indexOf('\n');
        return Secrets.redact(nl >= 0 ? message.substring(0, nl) : message);
    }
}
