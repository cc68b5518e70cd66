package upshift.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;

/**
 * The TimeZone a server's own sessions of a role start with (the apply worker on destination runs as the
 * subscription owner; the walsender on origin as the replication connection's role), which is not what
 * {@code SHOW TimeZone} says in upshift's session: pgjdbc sends the JVM's zone as a startup parameter.
 *
 * <p>A session's default comes, first match wins, from ALTER ROLE ... IN DATABASE ... SET, ALTER ROLE ... SET,
 * ALTER DATABASE ... SET, ALTER ROLE ALL SET (all in pg_db_role_setting, which every role may read), then the
 * configuration files (pg_file_settings, which only superusers and, from 15, roles granted access may read), then
 * the server's command line or built-in default (which no SQL shows). When it cannot be read, the zone is unknown.
 *
 * @param zone   the zone name, or null when unknown
 * @param source where it comes from, or why it is unknown, for a person
 */
public record ServerTimeZone(String zone, String source) {

    private static final String ROLE_SETTINGS = """
            SELECT pg_catalog.substr(cfg, pg_catalog.strpos(cfg, '=') + 1),
                   CASE WHEN s.setdatabase <> 0 AND s.setrole <> 0 THEN 'ALTER ROLE ' || ? || ' IN DATABASE SET'
                        WHEN s.setrole <> 0 THEN 'ALTER ROLE ' || ? || ' SET'
                        WHEN s.setdatabase <> 0 THEN 'ALTER DATABASE SET'
                        ELSE 'ALTER ROLE ALL SET' END
              FROM pg_catalog.pg_db_role_setting s
             CROSS JOIN LATERAL pg_catalog.unnest(s.setconfig) cfg
             WHERE (s.setdatabase = 0
                    OR s.setdatabase = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()))
               AND (s.setrole = 0 OR s.setrole = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = ?))
               AND pg_catalog.lower(pg_catalog.split_part(cfg, '=', 1)) = 'timezone'
             ORDER BY (s.setdatabase <> 0 AND s.setrole <> 0) DESC, (s.setrole <> 0) DESC, (s.setdatabase <> 0) DESC
             LIMIT 1
            """;

    private static final String FILE_SETTING = """
            SELECT setting, sourcefile FROM pg_catalog.pg_file_settings
             WHERE pg_catalog.lower(name) = 'timezone' AND applied
             ORDER BY seqno DESC LIMIT 1
            """;

    public boolean known() {
        return zone != null;
    }

    /** Reads the default TimeZone of {@code role}'s sessions in the connection's database. */
    public static ServerTimeZone of(Connection connection, String role) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(ROLE_SETTINGS)) {
            st.setString(1, role);
            st.setString(2, role);
            st.setString(3, role);
            try (ResultSet rs = st.executeQuery()) {
                if (rs.next()) {
                    return new ServerTimeZone(unquote(rs.getString(1)), rs.getString(2));
                }
            }
        }
        boolean autoCommit = connection.getAutoCommit();
        Savepoint savepoint = autoCommit ? null : connection.setSavepoint();
        try (PreparedStatement st = connection.prepareStatement(FILE_SETTING); ResultSet rs = st.executeQuery()) {
            if (rs.next()) {
                return new ServerTimeZone(rs.getString(1), "the configuration file " + rs.getString(2));
            }
            return new ServerTimeZone(null, "no TimeZone in the configuration files, pg_db_role_setting has none for "
                    + role + "; the server's command line or built-in default is not visible in SQL");
        } catch (SQLException e) {
            if (savepoint != null) {
                connection.rollback(savepoint);
            }
            if ("42501".equals(e.getSQLState())) {
                return new ServerTimeZone(null, "no TimeZone set for " + role + " in pg_db_role_setting, and this"
                        + " role may not read the configuration files (pg_file_settings)");
            }
            throw e;
        }
    }

    private static String unquote(String value) {
        String v = value.trim();
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }
}
