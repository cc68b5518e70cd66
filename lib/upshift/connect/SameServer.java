package upshift.connect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import upshift.UpshiftException;

/**
 * Whether origin and destination are one running server, and then whether they are one database.
 *
 * <p>What it proves, without any privilege: the session to origin (its backend pid) is listed in destination's
 * pg_stat_activity (every role sees every session's pid there) and both report the same
 * pg_postmaster_start_time(), to the microsecond. Two servers would need a session of the same pid and a
 * postmaster started at the same microsecond; a physical standby or a clone has its own postmaster, and so is
 * another server. Where pg_control_system() may be read (it is revoked from PUBLIC on some managed services), a
 * different system identifier settles it at once, and the same one is named in the message. The database is the
 * same when its oid is too.
 */
public final class SameServer {

    /** How origin and destination relate. */
    public enum Relation { DIFFERENT_SERVERS, SAME_SERVER_OTHER_DATABASE, SAME_DATABASE }

    private record Identity(String systemIdentifier, String postmasterStart, int pid, long databaseOid,
            String database) {
    }

    private SameServer() {
    }

    /**
     * Refuses (a usage error, exit 2) when origin and destination are the same database: replicating a database
     * into itself deadlocks create-subscription against its own slot creation and would loop every write. When
     * either side cannot be reached this says nothing: the step reports that itself if it needs the side.
     */
    public static void refuseSameDatabase(Cluster origin, Cluster destination) {
        Relation relation;
        Identity o;
        try {
            origin.connection();
            destination.connection();
            relation = relation(origin, destination);
            o = identity(origin.connection());
        } catch (UpshiftException | SQLException e) {
            return;
        }
        if (relation == Relation.SAME_DATABASE) {
            throw UpshiftException.usage("origin (" + origin.endpoint() + ") and destination ("
                    + destination.endpoint() + ") are the same database " + o.database() + " on the same server"
                    + (o.systemIdentifier() == null ? "" : " (system identifier " + o.systemIdentifier() + ")")
                    + ": nothing was done", "point --destination (or PGURL_DESTINATION) at the new cluster; a"
                    + " rehearsal on one server needs two databases");
        }
    }

    /** How the two clusters relate (both sessions are opened). */
    public static Relation relation(Cluster origin, Cluster destination) throws SQLException {
        Identity o = identity(origin.connection());
        Identity d = identity(destination.connection());
        if (o.systemIdentifier() != null && d.systemIdentifier() != null
                && !o.systemIdentifier().equals(d.systemIdentifier())) {
            return Relation.DIFFERENT_SERVERS;
        }
        if (!o.postmasterStart().equals(d.postmasterStart()) || !sees(destination.connection(), o.pid())) {
            return Relation.DIFFERENT_SERVERS;
        }
        return o.databaseOid() == d.databaseOid() ? Relation.SAME_DATABASE : Relation.SAME_SERVER_OTHER_DATABASE;
    }

    private static Identity identity(Connection c) throws SQLException {
        String systemIdentifier = null;
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT system_identifier::text FROM pg_catalog.pg_control_system()")) {
            if (rs.next()) {
                systemIdentifier = rs.getString(1);
            }
        } catch (SQLException e) {
            if (!"42501".equals(e.getSQLState()) && !"42883".equals(e.getSQLState())) {
                throw e;
            }
            // not executable by this role here: the session proof below decides alone
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                SELECT pg_catalog.pg_postmaster_start_time()::text, pg_catalog.pg_backend_pid(), d.oid::int8,
                       d.datname
                  FROM pg_catalog.pg_database d WHERE d.datname = current_database()
                """)) {
            rs.next();
            return new Identity(systemIdentifier, rs.getString(1), rs.getInt(2), rs.getLong(3), rs.getString(4));
        }
    }

    private static boolean sees(Connection c, int pid) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity WHERE pid = ?)")) {
            st.setInt(1, pid);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
