package upshift.server;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * What upshift needs to know about one server before touching it: version, flavour, the connecting role's
 * rights and the settings that matter for logical replication.
 */
public record ServerFacts(
        int versionNum,
        String version,
        Flavour flavour,
        String database,
        String user,
        boolean superuser,
        boolean replicationRole,
        Set<String> memberOf,
        boolean inRecovery,
        Map<String, String> settings) {

    /** Settings shown by status and checked by preflight, in display order. */
    public static final List<String> REPLICATION_SETTINGS = List.of(
            "wal_level", "rds.logical_replication", "max_replication_slots", "max_wal_senders",
            "max_logical_replication_workers", "max_sync_workers_per_subscription",
            "max_parallel_apply_workers_per_subscription", "max_worker_processes", "max_slot_wal_keep_size",
            "wal_sender_timeout", "logical_decoding_work_mem", "track_commit_timestamp", "autovacuum",
            "server_encoding", "standard_conforming_strings");

    /** Predefined or managed-service roles that grant replication rights when the user is a member. */
    private static final List<String> INTERESTING_ROLES = List.of(
            "rds_superuser", "rds_replication", "pg_create_subscription");

    private static final String FACTS_SQL = """
            SELECT current_setting('server_version_num')::int AS version_num,
                   current_setting('server_version') AS version,
                   current_database() AS database,
                   current_user AS "user",
                   r.rolsuper AS superuser,
                   r.rolreplication AS replication_role,
                   pg_is_in_recovery() AS in_recovery,
                   EXISTS (SELECT 1 FROM pg_catalog.pg_proc WHERE proname = 'aurora_version') AS aurora,
                   EXISTS (SELECT 1 FROM pg_catalog.pg_settings WHERE name LIKE 'rds.%') AS rds,
                   ARRAY(SELECT g.rolname::text FROM pg_catalog.pg_roles g
                          WHERE g.rolname = ANY (?) AND pg_has_role(current_user, g.oid, 'MEMBER')
                          ORDER BY 1) AS member_of
              FROM pg_catalog.pg_roles r
             WHERE r.rolname = current_user
            """;

    private static final String SETTINGS_SQL =
            "SELECT name, setting, unit FROM pg_catalog.pg_settings WHERE name = ANY (?)";

    /** Reads the facts over an open session. */
    public static ServerFacts read(Connection connection) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(FACTS_SQL)) {
            st.setArray(1, connection.createArrayOf("text", INTERESTING_ROLES.toArray()));
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("current_user has no row in pg_roles");
                }
                Set<String> memberOf = new TreeSet<>(List.of((String[]) rs.getArray("member_of").getArray()));
                return new ServerFacts(
                        rs.getInt("version_num"),
                        shortVersion(rs.getString("version")),
                        Flavour.detect(rs.getBoolean("aurora"), rs.getBoolean("rds")),
                        rs.getString("database"),
                        rs.getString("user"),
                        rs.getBoolean("superuser"),
                        rs.getBoolean("replication_role"),
                        memberOf,
                        rs.getBoolean("in_recovery"),
                        readSettings(connection));
            }
        }
    }

    private static Map<String, String> readSettings(Connection connection) throws SQLException {
        Map<String, String> found = new LinkedHashMap<>();
        try (PreparedStatement st = connection.prepareStatement(SETTINGS_SQL)) {
            st.setArray(1, connection.createArrayOf("text", REPLICATION_SETTINGS.toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getString("name"), withUnit(rs.getString("setting"), rs.getString("unit")));
                }
            }
        }
        Map<String, String> ordered = new LinkedHashMap<>();
        for (String name : REPLICATION_SETTINGS) {
            if (found.containsKey(name)) {
                ordered.put(name, found.get(name));
            }
        }
        return ordered;
    }

    /** "16.4 (Debian 16.4-1.pgdg120+1)" → "16.4". */
    static String shortVersion(String serverVersion) {
        int space = serverVersion.indexOf(' ');
        return space > 0 ? serverVersion.substring(0, space) : serverVersion;
    }

    private static String withUnit(String setting, String unit) {
        if (unit == null || unit.isEmpty() || setting == null || setting.equals("-1")) {
            return setting;
        }
        return setting + unit;
    }

    /** 13 for 130023, 16 for 160004. */
    public int major() {
        return versionNum / 10000;
    }

    @JsonIgnore
    public Capabilities capabilities() {
        return Capabilities.of(major(), flavour);
    }

    /** The setting's value with its unit (e.g. "8kB"), or null when this server has no such setting. */
    public String setting(String name) {
        return settings.get(name);
    }

    /** Whether logical decoding is switched on (wal_level, or rds.logical_replication on RDS/Aurora). */
    public boolean logicalReplicationEnabled() {
        if (flavour.isManaged() && settings.containsKey("rds.logical_replication")) {
            return "on".equals(settings.get("rds.logical_replication")) || "logical".equals(settings.get("wal_level"));
        }
        return "logical".equals(settings.get("wal_level"));
    }

    /** Superuser, or rds_superuser on RDS/Aurora: may create publications for any table and subscriptions. */
    public boolean administrator() {
        return superuser || memberOf.contains("rds_superuser");
    }
}
