package upshift.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import upshift.UpshiftException;
import upshift.connect.Cluster;

/**
 * One mutating step per migration at a time: a session-level advisory lock, keyed by the migration's name, on each
 * server the step changes. It lives as long as the step's session, so a crashed step releases it; a second operator
 * starting switchover (or switchback, cleanup ...) meanwhile is refused with who holds it.
 */
public final class MigrationLock {

    /** The first key of the two-key advisory lock: "upsh". */
    static final int CLASS_ID = 0x75707368;

    private static final String TRY = "SELECT pg_catalog.pg_try_advisory_lock(?, pg_catalog.hashtext(?))";

    private static final String HOLDER = """
            SELECT a.pid, coalesce(nullif(a.application_name, ''), '?'), a.usename,
                   to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS"Z"')
              FROM pg_catalog.pg_locks l
              JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
               AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
               AND l.classid = ?::oid AND l.objid = (pg_catalog.hashtext(?)::bigint & 4294967295)::oid
             LIMIT 1
            """;

    private MigrationLock() {
    }

    /**
     * Takes the migration's lock on the cluster's session, or refuses (exit 3) naming the session that holds it.
     * Re-taking it on the same session succeeds (advisory locks nest).
     */
    public static void acquire(Cluster cluster, MigrationNames names, String step) {
        try {
            Connection c = cluster.connection();
            if (tryLock(c, names)) {
                return;
            }
            String holder = holder(c, names);
            throw UpshiftException.checkFailed("another upshift step is working on migration " + names.name()
                    + " on " + cluster.role() + (holder == null ? "" : " (" + holder + ")") + ": " + step
                    + " refuses to run beside it",
                    "wait until it ends; if it is stuck, end its session on " + cluster.role()
                            + " with SELECT pg_terminate_backend(pid), then re-run " + step);
        } catch (SQLException e) {
            throw new UpshiftException("cannot take the migration lock on " + cluster.role() + ": " + e.getMessage(),
                    "the role needs to call pg_try_advisory_lock", e);
        }
    }

    static boolean tryLock(Connection c, MigrationNames names) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(TRY)) {
            st.setInt(1, CLASS_ID);
            st.setString(2, names.name());
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static String holder(Connection c, MigrationNames names) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(HOLDER)) {
            st.setLong(1, CLASS_ID);
            st.setString(2, names.name());
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return "pid " + rs.getInt(1) + ", " + rs.getString(2) + " as " + rs.getString(3) + ", connected since "
                        + rs.getString(4);
            }
        }
    }
}
