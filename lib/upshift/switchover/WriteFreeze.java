package upshift.switchover;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import upshift.sql.Sql;

/**
 * Stops the application writing on origin for the switchover, without stopping the rollback subscription's apply
 * worker (which does not check default_transaction_read_only).
 *
 * <p>The freeze is {@code ALTER ROLE app IN DATABASE db SET default_transaction_read_only = on} for each
 * application role, then terminating their sessions so that reconnecting ones start read-only. It is a soft freeze:
 * a session can still {@code SET default_transaction_read_only = off} or {@code BEGIN READ WRITE}; an application
 * does not. The per-database role setting is also the record of the freeze: unfreezing resets it for the roles
 * that have it.
 */
public final class WriteFreeze {

    /** Non-superuser login roles other than the managed services' own and PostgreSQL's predefined ones. */
    private static final String APPLICATION_ROLES = """
            SELECT rolname FROM pg_catalog.pg_roles
             WHERE rolcanlogin AND NOT rolsuper
               AND rolname <> current_user
               AND rolname !~ '^(pg_|rds|aurora)'
             ORDER BY rolname
            """;

    private static final String FROZEN_ROLES = """
            SELECT r.rolname
              FROM pg_catalog.pg_db_role_setting s
              JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
             WHERE s.setdatabase = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
               AND 'default_transaction_read_only=on' = ANY (s.setconfig)
             ORDER BY r.rolname
            """;

    private static final String TERMINATE = """
            SELECT a.pid, pg_catalog.pg_terminate_backend(a.pid)
              FROM pg_catalog.pg_stat_activity a
             WHERE a.datname = current_database()
               AND a.usename = ANY (?)
               AND a.pid <> pg_catalog.pg_backend_pid()
               AND a.backend_type = 'client backend'
            """;

    private static final String STILL_RUNNING = """
            SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE pid = ANY (?)
            """;

    /** How long terminated sessions get to end (a backend finishing a commit is not interrupted mid-way). */
    private static final long TERMINATION_WAIT_MILLIS = 30_000;

    private WriteFreeze() {
    }

    /** The roles to freeze: the ones given, or every non-superuser login role except upshift's own. */
    public static List<String> applicationRoles(Connection origin, List<String> given) throws SQLException {
        if (given != null && !given.isEmpty()) {
            return List.copyOf(given);
        }
        List<String> roles = new ArrayList<>();
        try (PreparedStatement st = origin.prepareStatement(APPLICATION_ROLES); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                roles.add(rs.getString(1));
            }
        }
        return roles;
    }

    /** The roles frozen in this database now. */
    public static List<String> frozenRoles(Connection origin) throws SQLException {
        List<String> roles = new ArrayList<>();
        try (PreparedStatement st = origin.prepareStatement(FROZEN_ROLES); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                roles.add(rs.getString(1));
            }
        }
        return roles;
    }

    public static List<String> freezeStatements(String database, List<String> roles) {
        return roles.stream().map(role -> "ALTER ROLE " + Sql.ident(role) + " IN DATABASE " + Sql.ident(database)
                + " SET default_transaction_read_only = on").toList();
    }

    public static List<String> unfreezeStatements(String database, List<String> roles) {
        return roles.stream().map(role -> "ALTER ROLE " + Sql.ident(role) + " IN DATABASE " + Sql.ident(database)
                + " RESET default_transaction_read_only").toList();
    }

    /**
     * Terminates the roles' client sessions in this database and waits until they are gone: pg_terminate_backend
     * only signals, and a backend that is committing finishes first. Only then has the last application write
     * happened, so the drain marker that follows covers it. Returns how many sessions were ended.
     */
    public static int terminateSessions(Connection origin, List<String> roles) throws SQLException {
        if (roles.isEmpty()) {
            return 0;
        }
        List<Integer> pids = new ArrayList<>();
        try (PreparedStatement st = origin.prepareStatement(TERMINATE)) {
            st.setArray(1, origin.createArrayOf("text", roles.toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    pids.add(rs.getInt(1));
                }
            }
        }
        long deadline = System.currentTimeMillis() + TERMINATION_WAIT_MILLIS;
        try (PreparedStatement st = origin.prepareStatement(STILL_RUNNING)) {
            st.setArray(1, origin.createArrayOf("int4", pids.toArray()));
            while (!pids.isEmpty()) {
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) == 0) {
                        break;
                    }
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new upshift.UpshiftException("terminated application sessions on origin are still running"
                            + " after " + TERMINATION_WAIT_MILLIS / 1000 + " s",
                            "see pg_stat_activity on origin; re-run switchover, or switchover --abort");
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new upshift.UpshiftException("interrupted while sessions end", "re-run switchover", e);
                }
            }
        }
        return pids.size();
    }

    /** The terminate query as SQL for a --dry-run script. */
    public static String terminateSql(List<String> roles) {
        return TERMINATE.strip().replace("ANY (?)", "ANY (ARRAY[" + String.join(", ",
                roles.stream().map(Sql::literal).toList()) + "]::text[])");
    }
}
