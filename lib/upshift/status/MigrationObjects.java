package upshift.status;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import upshift.migration.MigrationNames;
import upshift.migration.SubscriptionCatalogAccess;

/** Finds this migration's publications, subscriptions and slots on one server, in both directions. */
public final class MigrationObjects {

    private static final String PUBLICATIONS = """
            SELECT p.pubname,
                   (SELECT count(*) FROM pg_catalog.pg_publication_tables t WHERE t.pubname = p.pubname) AS tables
              FROM pg_catalog.pg_publication p
             WHERE p.pubname = ANY (?)
             ORDER BY p.pubname
            """;

    private static final String SUBSCRIPTIONS = """
            SELECT s.subname, s.subenabled, s.subslotname,
                   (SELECT count(*) FROM pg_catalog.pg_subscription_rel r WHERE r.srsubid = s.oid) AS tables,
                   (SELECT count(*) FROM pg_catalog.pg_subscription_rel r
                     WHERE r.srsubid = s.oid AND r.srsubstate = 'r') AS ready
              FROM pg_catalog.pg_subscription s
             WHERE s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
               AND s.subname = ANY (?)
             ORDER BY s.subname
            """;

    private static final String SLOTS = """
            SELECT slot_name, active,
                   pg_size_pretty(CASE WHEN pg_is_in_recovery() THEN NULL
                                       ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) END) AS retained
              FROM pg_catalog.pg_replication_slots
             WHERE slot_name = ANY (?)
             ORDER BY slot_name
            """;

    private MigrationObjects() {
    }

    /** Every object of this migration (forward and rollback) that exists on the server behind the session. */
    public static List<MigrationObject> find(Connection connection, MigrationNames names) throws SQLException {
        List<MigrationObject> found = new ArrayList<>();
        String[] publications = {names.publication(), names.rollbackPublication()};
        String[] subscriptions = {names.subscription(), names.rollbackSubscription()};
        String[] slots = {names.slot(), names.rollbackSlot()};
        query(connection, PUBLICATIONS, publications, rs -> found.add(new MigrationObject("publication",
                rs.getString("pubname"), "present", rs.getLong("tables") + " tables", rs.getInt("tables"), null)));
        SubscriptionCatalogAccess.query(connection, SUBSCRIPTIONS, st -> {
            st.setArray(1, connection.createArrayOf("text", subscriptions));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    found.add(new MigrationObject("subscription", rs.getString("subname"),
                            rs.getBoolean("subenabled") ? "enabled" : "disabled",
                            rs.getLong("ready") + "/" + rs.getLong("tables") + " tables ready, slot "
                                    + rs.getString("subslotname"), rs.getInt("tables"), rs.getInt("ready")));
                }
            }
            return null;
        });
        query(connection, SLOTS, slots, rs -> found.add(new MigrationObject("slot", rs.getString("slot_name"),
                rs.getBoolean("active") ? "active" : "inactive",
                rs.getString("retained") == null ? "" : rs.getString("retained") + " WAL retained", null, null)));
        return found;
    }

    private interface RowHandler {
        void accept(ResultSet rs) throws SQLException;
    }

    private static void query(Connection c, String sql, String[] names, RowHandler handler) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setArray(1, c.createArrayOf("text", names));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    handler.accept(rs);
                }
            }
        }
    }
}
