package upshift.subscription;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import upshift.migration.MigrationNames;
import upshift.migration.SubscriptionCatalogAccess;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;

/**
 * Autovacuum switched off on destination tables for the initial copy (the story's parameter group trick, per
 * table), and switched back on by vacuum-analyze. Which tables upshift paused is recorded in the comment of the
 * forward subscription, so the record lives and dies with the subscription and never touches a table's own
 * settings or comments. Tables that already had an explicit autovacuum_enabled are left alone.
 */
public final class AutovacuumPause {

    private static final String MARKER = "upshift:autovacuum-paused ";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The tables whose autovacuum can be paused, each with whether it sets autovacuum_enabled itself: a partitioned
     * table has no storage of its own (ALTER TABLE ... SET fails on it), so its leaf partitions stand for it; a
     * foreign table has no autovacuum.
     */
    private static final String STORAGE_TABLES = """
            SELECT n.nspname, c.relname,
                   EXISTS (SELECT 1 FROM unnest(c.reloptions) o WHERE o LIKE 'autovacuum\\_enabled=%')
              FROM unnest(?::text[], ?::text[]) AS t(schema_name, table_name)
              JOIN pg_catalog.pg_namespace tn ON tn.nspname = t.schema_name
              JOIN pg_catalog.pg_class tc ON tc.relnamespace = tn.oid AND tc.relname = t.table_name
             CROSS JOIN LATERAL (SELECT p.relid FROM pg_catalog.pg_partition_tree(tc.oid) p
                                  WHERE tc.relkind = 'p' AND p.isleaf
                                 UNION ALL SELECT tc.oid WHERE tc.relkind <> 'p') AS l(oid)
              JOIN pg_catalog.pg_class c ON c.oid = l.oid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'm')
             ORDER BY n.nspname, c.relname
            """;

    private static final String RECORDED = """
            SELECT pg_catalog.obj_description(s.oid, 'pg_subscription')
              FROM pg_catalog.pg_subscription s
             WHERE s.subname = ?
               AND s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
            """;

    private AutovacuumPause() {
    }

    /**
     * The statements that pause autovacuum on the tables (the leaf partitions of a partitioned one) that do not set
     * it explicitly, and record them on the subscription (which must exist). Empty when there is nothing to pause.
     */
    public static List<String> pauseStatements(Connection destination, MigrationNames names,
            List<QualifiedName> tables) throws SQLException {
        List<QualifiedName> toPause = new ArrayList<>();
        try (PreparedStatement st = destination.prepareStatement(STORAGE_TABLES)) {
            st.setArray(1, destination.createArrayOf("text", tables.stream().map(QualifiedName::schema).toArray()));
            st.setArray(2, destination.createArrayOf("text", tables.stream().map(QualifiedName::name).toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    QualifiedName table = new QualifiedName(rs.getString(1), rs.getString(2));
                    if (!rs.getBoolean(3) && !toPause.contains(table)) {
                        toPause.add(table);
                    }
                }
            }
        }
        List<String> statements = new ArrayList<>();
        for (QualifiedName table : toPause) {
            statements.add("ALTER TABLE " + table.sql() + " SET (autovacuum_enabled = false)");
        }
        if (!toPause.isEmpty()) {
            statements.add("COMMENT ON SUBSCRIPTION " + Sql.ident(names.subscription()) + " IS "
                    + Sql.literal(MARKER + encode(toPause)));
        }
        return statements;
    }

    /** The tables upshift paused, as recorded on the subscription; empty when none (or no subscription). */
    public static List<QualifiedName> paused(Connection destination, MigrationNames names) throws SQLException {
        // through SubscriptionCatalogAccess: a non-superuser on 13 may not read pg_subscription.oid
        return SubscriptionCatalogAccess.query(destination, RECORDED, st -> {
            st.setString(1, names.subscription());
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next() || rs.getString(1) == null || !rs.getString(1).startsWith(MARKER)) {
                    return List.<QualifiedName>of();
                }
                return decode(rs.getString(1).substring(MARKER.length()));
            }
        });
    }

    /** The statements that switch autovacuum back on for those tables and clear the record. */
    public static List<String> resumeStatements(MigrationNames names, List<QualifiedName> paused) {
        List<String> statements = new ArrayList<>();
        for (QualifiedName table : paused) {
            statements.add("ALTER TABLE " + table.sql() + " RESET (autovacuum_enabled)");
        }
        if (!paused.isEmpty()) {
            statements.add("COMMENT ON SUBSCRIPTION " + Sql.ident(names.subscription()) + " IS NULL");
        }
        return statements;
    }

    private static String encode(List<QualifiedName> tables) {
        try {
            return JSON.writeValueAsString(tables.stream().map(t -> List.of(t.schema(), t.name())).toList());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<QualifiedName> decode(String json) {
        try {
            String[][] pairs = JSON.readValue(json, String[][].class);
            List<QualifiedName> tables = new ArrayList<>();
            for (String[] pair : pairs) {
                tables.add(new QualifiedName(pair[0], pair[1]));
            }
            return tables;
        } catch (JsonProcessingException e) {
            return List.of();
        }
    }
}
