package upshift.subscription;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import upshift.sql.QualifiedName;

/**
 * A subscription as it exists on a server (in the session's database): enabled or not, its slot, and the tables it
 * has taken on (pg_subscription_rel) with their sync state.
 */
public record SubscriptionState(String name, boolean enabled, String slotName, List<QualifiedName> tables) {

    private static final String SUBSCRIPTION = """
            SELECT s.oid, s.subenabled, s.subslotname
              FROM pg_catalog.pg_subscription s
             WHERE s.subname = ?
               AND s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
            """;

    private static final String TABLES = """
            SELECT n.nspname, c.relname
              FROM pg_catalog.pg_subscription_rel r
              JOIN pg_catalog.pg_class c ON c.oid = r.srrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE r.srsubid = ?
             ORDER BY n.nspname, c.relname
            """;

    public static Optional<SubscriptionState> read(Connection connection, String subscription) throws SQLException {
        Object[] row = SubscriptionCatalogAccess.query(connection, SUBSCRIPTION, st -> {
            st.setString(1, subscription);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? new Object[] {rs.getLong(1), rs.getBoolean(2), rs.getString(3)} : null;
            }
        });
        if (row == null) {
            return Optional.empty();
        }
        long oid = (Long) row[0];
        boolean enabled = (Boolean) row[1];
        String slot = (String) row[2];
        List<QualifiedName> tables = new ArrayList<>();
        try (PreparedStatement st = connection.prepareStatement(TABLES)) {
            st.setLong(1, oid);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    tables.add(new QualifiedName(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return Optional.of(new SubscriptionState(subscription, enabled, slot, tables));
    }

    /** Whether a replication slot of that name exists on the server behind the session. */
    public static boolean slotExists(Connection connection, String slot) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(
                "SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = ?")) {
            st.setString(1, slot);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next();
            }
        }
    }
}
