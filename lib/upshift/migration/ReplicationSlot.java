package upshift.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import upshift.sql.Sql;

/**
 * A logical replication slot as pg_replication_slots shows it, with the WAL it keeps the server from recycling.
 *
 * @param name          slot name (cluster-wide)
 * @param database      the database it decodes (a logical slot is dropped from a session in that database)
 * @param plugin        output plugin, e.g. pgoutput (null for a physical slot)
 * @param active        whether a WAL sender is using it now
 * @param activePid     that WAL sender's pid, or null
 * @param temporary     a temporary slot (gone with its session)
 * @param walStatus     reserved / extended / unreserved / lost
 * @param confirmedFlushLsn what the subscriber confirmed (null before it confirmed anything)
 * @param inCurrentDatabase whether {@code database} is the session's database
 * @param retainedBytes pg_current_wal_lsn() - restart_lsn, null on a standby or when restart_lsn is gone
 * @param retained      the same, pg_size_pretty'd
 */
public record ReplicationSlot(String name, String database, String plugin, boolean active, Integer activePid,
        boolean temporary, String walStatus, String confirmedFlushLsn, boolean inCurrentDatabase, Long retainedBytes,
        String retained) {

    private static final String SLOTS = """
            SELECT s.slot_name, s.database, s.plugin, s.active, s.active_pid, s.temporary, s.wal_status,
                   s.confirmed_flush_lsn::text AS confirmed_flush_lsn,
                   s.database = current_database() AS here,
                   r.bytes, pg_catalog.pg_size_pretty(r.bytes) AS pretty
              FROM pg_catalog.pg_replication_slots s
             CROSS JOIN LATERAL (
                   SELECT CASE WHEN pg_catalog.pg_is_in_recovery() OR s.restart_lsn IS NULL THEN NULL
                               ELSE pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), s.restart_lsn)
                          END AS bytes) r
             WHERE %s
             ORDER BY s.slot_name
            """;

    /** Every logical slot on the server behind the session (slots are cluster-wide: every database's). */
    public static List<ReplicationSlot> logical(Connection connection) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(String.format(SLOTS, "s.slot_type = 'logical'"))) {
            return read(st);
        }
    }

    /** The slots of these names (logical or physical) on the server behind the session, in name order. */
    public static List<ReplicationSlot> named(Connection connection, List<String> names) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(String.format(SLOTS, "s.slot_name = ANY (?)"))) {
            st.setArray(1, connection.createArrayOf("text", names.toArray()));
            return read(st);
        }
    }

    private static List<ReplicationSlot> read(PreparedStatement st) throws SQLException {
        List<ReplicationSlot> slots = new ArrayList<>();
        try (ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                int pid = rs.getInt("active_pid");
                Integer activePid = rs.wasNull() ? null : pid;
                long bytes = rs.getLong("bytes");
                Long retained = rs.wasNull() ? null : bytes;
                slots.add(new ReplicationSlot(rs.getString("slot_name"), rs.getString("database"),
                        rs.getString("plugin"), rs.getBoolean("active"), activePid, rs.getBoolean("temporary"),
                        rs.getString("wal_status"), rs.getString("confirmed_flush_lsn"), rs.getBoolean("here"),
                        retained, rs.getString("pretty")));
            }
        }
        return slots;
    }

    /** Whether a replication slot of that name (logical or physical) exists on the server behind the session. */
    public static boolean exists(Connection connection, String slot) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(
                "SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = ?")) {
            st.setString(1, slot);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The logical slot of that name, if it exists. */
    public static Optional<ReplicationSlot> find(Connection connection, String name) throws SQLException {
        return logical(connection).stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** The statement that drops it; run in a session on its database. */
    public String dropSql() {
        return dropSql(name);
    }

    public static String dropSql(String slot) {
        return "SELECT pg_catalog.pg_drop_replication_slot(" + Sql.literal(slot) + ")";
    }

    /** "1234 kB retained" or "" when unknown. */
    public String retainedText() {
        return retained == null ? "unknown" : retained;
    }
}
