package upshift.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import upshift.sql.QualifiedName;

/**
 * Which origin tables this migration replicates: the ordinary and partitioned tables owned by one role, minus
 * exclusion patterns, optionally only in some schemas. Partitions are represented by their root (published with
 * publish_via_partition_root). The same selection drives preflight, the publication, add-missing-columns,
 * vacuum-analyze, verify and the rollback publication.
 *
 * @param owner    role whose tables are replicated
 * @param excludes SQL LIKE patterns matched against {@code name} and {@code schema.name}
 * @param schemas  schemas to restrict to; empty for every schema
 */
public record TableSelection(String owner, List<String> excludes, List<String> schemas) {

    /** django_migrations is restored from the new model; spatial_ref_sys belongs to PostGIS. */
    public static final List<String> DEFAULT_EXCLUDES = List.of("django_migrations", "spatial_ref_sys");

    private static final String TABLES = """
            SELECT n.nspname, c.relname, c.relkind, c.relpersistence, c.relreplident,
                   EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                            WHERE i.indrelid = c.oid AND i.indisprimary) AS has_primary_key,
                   EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                            WHERE i.indrelid = c.oid AND i.indisreplident) AS has_identity_index
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p')
               AND NOT c.relispartition
               AND c.relpersistence <> 't'
               AND pg_catalog.pg_get_userbyid(c.relowner) = ?
               AND n.nspname NOT IN ('pg_catalog', 'information_schema')
               AND n.nspname NOT LIKE 'pg\\_toast%'
               AND n.nspname NOT LIKE 'pg\\_temp%'
               AND (cardinality(?::text[]) = 0 OR n.nspname = ANY (?::text[]))
             ORDER BY n.nspname, c.relname
            """;

    public TableSelection {
        excludes = List.copyOf(excludes);
        schemas = List.copyOf(schemas);
    }

    /** Every table the owner has (in the chosen schemas), each marked excluded or not, in schema/name order. */
    public List<Table> candidates(Connection connection) throws SQLException {
        List<Table> tables = new ArrayList<>();
        try (PreparedStatement st = connection.prepareStatement(TABLES)) {
            st.setString(1, owner);
            st.setArray(2, connection.createArrayOf("text", schemas.toArray()));
            st.setArray(3, connection.createArrayOf("text", schemas.toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    QualifiedName name = new QualifiedName(rs.getString(1), rs.getString(2));
                    tables.add(new Table(name, rs.getString("relkind").charAt(0),
                            "u".equals(rs.getString("relpersistence")), rs.getString("relreplident").charAt(0),
                            rs.getBoolean("has_primary_key"), rs.getBoolean("has_identity_index"),
                            excluded(name)));
                }
            }
        }
        return tables;
    }

    /** The tables to replicate: not excluded, and publishable (unlogged tables cannot be). */
    public List<Table> select(Connection connection) throws SQLException {
        return candidates(connection).stream().filter(t -> !t.excluded() && !t.unlogged()).toList();
    }

    /** Whether an exclusion pattern matches the table's name or its qualified name. */
    public boolean excluded(QualifiedName name) {
        for (String pattern : excludes) {
            Pattern regex = like(pattern);
            if (regex.matcher(name.name()).matches() || regex.matcher(name.toString()).matches()) {
                return true;
            }
        }
        return false;
    }

    /** A SQL LIKE pattern as a regular expression: % any run, _ one character, \ escapes. */
    static Pattern like(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\\' && i + 1 < pattern.length()) {
                regex.append(Pattern.quote(String.valueOf(pattern.charAt(++i))));
            } else if (c == '%') {
                regex.append(".*");
            } else if (c == '_') {
                regex.append('.');
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }

    /**
     * One candidate table on origin.
     *
     * @param kind            'r' ordinary, 'p' partitioned
     * @param replicaIdentity pg_class.relreplident: d default (primary key), i index, f full, n nothing
     */
    public record Table(QualifiedName name, char kind, boolean unlogged, char replicaIdentity,
            boolean hasPrimaryKey, boolean hasIdentityIndex, boolean excluded) {

        public boolean partitioned() {
            return kind == 'p';
        }

        /**
         * Whether UPDATE and DELETE keep working once the table is published: without a replica identity the
         * origin rejects them outright.
         */
        public boolean hasReplicaIdentity() {
            return switch (replicaIdentity) {
                case 'd' -> hasPrimaryKey;
                case 'i' -> hasIdentityIndex;
                case 'f' -> true;
                default -> false;
            };
        }
    }
}
