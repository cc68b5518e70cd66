package upshift.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Reading pg_subscription as a non-superuser. PostgreSQL 13 grants the public only some of its columns, not
 * {@code oid} (later versions do), so rds_superuser on an RDS/Aurora 13 server gets "permission denied" for a query
 * that reads {@code s.oid}. The fallback takes the subscription's id from pg_stat_subscription (readable by all),
 * matched by name.
 */
public final class SubscriptionCatalogAccess {

    private static final String INSUFFICIENT_PRIVILEGE = "42501";

    private SubscriptionCatalogAccess() {
    }

    /**
     * Prepares {@code sql}, which reads {@code pg_catalog.pg_subscription s} and {@code s.oid}; when the server
     * refuses that column, prepares and runs the pg_stat_subscription variant instead. The caller binds and runs
     * the statement through {@code action}.
     */
    public static <T> T query(Connection connection, String sql, StatementAction<T> action) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(sql)) {
            return action.apply(st);
        } catch (SQLException e) {
            if (!INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
                throw e;
            }
        }
        try (PreparedStatement st = connection.prepareStatement(withoutOid(sql))) {
            return action.apply(st);
        }
    }

    /** The same query with s.oid taken from pg_stat_subscription's main-worker row. */
    static String withoutOid(String sql) {
        return sql.replace("FROM pg_catalog.pg_subscription s",
                "FROM pg_catalog.pg_subscription s JOIN pg_catalog.pg_stat_subscription st_oid"
                        + " ON st_oid.subname = s.subname AND st_oid.relid IS NULL")
                .replace("s.oid", "st_oid.subid");
    }

    @FunctionalInterface
    public interface StatementAction<T> {
        T apply(PreparedStatement statement) throws SQLException;
    }
}
