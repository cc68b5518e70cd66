package upshift.server;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * How many extra sessions a step may open on each of two servers at once (the snapshot copy's --workers, verify's
 * --jobs). Cores are not visible through SQL, so the rule reads connections: 4, or fewer when either server has
 * fewer than 4 free connections per session ({@code max_connections - superuser_reserved_connections} minus the
 * client sessions open now), and at least 1.
 */
public final class SessionBudget {

    /** At most this many: more than the cores of a small server only contend. */
    public static final int MOST = 4;

    /** Free connections wanted per session opened, so that the application keeps its own. */
    static final int FREE_PER_SESSION = 4;

    private SessionBudget() {
    }

    /** The sessions per side both servers can spare. */
    public static int sessions(Connection origin, Connection destination) throws SQLException {
        return Math.max(1, Math.min(MOST, Math.min(free(origin), free(destination)) / FREE_PER_SESSION));
    }

    /** Connections a client may still open on the server. */
    public static int free(Connection c) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT pg_catalog.current_setting('max_connections')::int"
                + " - pg_catalog.current_setting('superuser_reserved_connections')::int"
                + " - (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type = 'client backend')");
                ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
