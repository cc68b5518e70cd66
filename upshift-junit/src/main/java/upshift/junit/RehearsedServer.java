package upshift.junit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * One of a rehearsal's two servers, still running after the runbook, as the test reaches it: the rehearsal's
 * database on it, as its superuser.
 *
 * @param major    the major version, e.g. 16
 * @param version  the server's version, e.g. 16.15
 * @param database the database the rehearsal migrated
 */
public record RehearsedServer(int major, String version, String host, int port, String database, String user,
        String password) {

    /** {@code jdbc:postgresql://host:port/database}, no credentials in it. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    /** A new JDBC session on the rehearsal's database, as the superuser. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), user, password);
    }

    /** The password stays out of test reports. */
    @Override
    public String toString() {
        return "PostgreSQL " + version + " at " + jdbcUrl() + " (user " + user + ")";
    }
}
