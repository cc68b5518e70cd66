package upshift.vacuum;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.migration.MigrationNames;
import upshift.migration.Publications;
import upshift.migration.Subscription;
import upshift.server.Capabilities;
import upshift.server.Feature;
import upshift.sql.QualifiedName;

/**
 * The destination tables vacuum-analyze works on: the forward subscription's tables (pg_subscription_rel), or,
 * when there is no subscription (any more), the tables of origin's publication. Each with its size on destination
 * and whether the connecting role may vacuum it (VACUUM only warns and skips a table it may not process).
 *
 * @param source     "subscription" or "publication"
 * @param sourceName the subscription's or the publication's name
 * @param tables     in schema/name order
 */
public record VacuumTargets(String source, String sourceName, List<Target> tables) {

    /** Where the table list comes from. */
    public enum From {
        /** The subscription if it exists, else the publication. */
        AUTO,
        SUBSCRIPTION,
        PUBLICATION
    }

    /**
     * One table.
     *
     * @param exists        whether the destination has it
     * @param sizeBytes     pg_table_size on destination (null when it does not exist)
     * @param mayVacuum     whether the role may vacuum it (owner, database owner before 17, MAINTAIN from 17,
     *                      superuser)
     * @param autovacuumOff whether the table has autovacuum_enabled = false
     */
    public record Target(QualifiedName table, boolean exists, Long sizeBytes, boolean mayVacuum,
            boolean autovacuumOff) {
    }

    private static final String TABLES = """
            SELECT n.nspname, c.relname, pg_catalog.pg_table_size(c.oid) AS size, %s AS may_vacuum,
                   EXISTS (SELECT 1 FROM unnest(c.reloptions) o
                            WHERE lower(o) IN ('autovacuum_enabled=false', 'autovacuum_enabled=off')) AS autovacuum_off
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p')
               AND (n.nspname, c.relname) IN (SELECT * FROM unnest(?::text[], ?::text[]))
            """;

    /** From 17: the MAINTAIN privilege (owners, superusers and pg_maintain have it). */
    private static final String MAY_VACUUM_MAINTAIN = "pg_catalog.has_table_privilege(c.oid, 'MAINTAIN')";

    /** Before 17: superuser, the table's owner, or the database's owner. */
    private static final String MAY_VACUUM_OWNER = """
            ((SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)
             OR pg_catalog.pg_has_role(c.relowner, 'USAGE')
             OR pg_catalog.pg_has_role((SELECT datdba FROM pg_catalog.pg_database
                                         WHERE datname = current_database()), 'USAGE'))""";

    /**
     * Finds the tables.
     *
     * @param origin asked for only when the publication is the source
     */
    public static VacuumTargets find(Cluster destination, Supplier<Cluster> origin, MigrationNames names, From from) {
        try {
            Capabilities caps = destination.facts().capabilities();
            List<QualifiedName> tables;
            String source;
            String sourceName;
            Optional<Subscription> sub = from == From.PUBLICATION ? Optional.empty()
                    : Subscription.find(destination.connection(), caps, names.subscription());
            if (sub.isPresent()) {
                source = "subscription";
                sourceName = sub.get().name();
                tables = sub.get().tableNames();
            } else if (from == From.SUBSCRIPTION) {
                throw new UpshiftException("subscription " + names.subscription() + " does not exist on destination",
                        "pass --tables-from publication to take the tables of origin's publication "
                                + names.publication());
            } else {
                Cluster o = origin.get();
                source = "publication";
                sourceName = names.publication();
                if (Publications.existing(o.connection(), List.of(sourceName)).isEmpty()) {
                    throw new UpshiftException("neither subscription " + names.subscription()
                            + " on destination nor publication " + sourceName + " on origin exists",
                            "check --name; vacuum-analyze takes its tables from the migration's subscription"
                                    + " or publication");
                }
                tables = Publications.tables(o.connection(), List.of(sourceName));
            }
            return new VacuumTargets(source, sourceName, describe(destination.connection(), caps, tables));
        } catch (SQLException e) {
            throw new UpshiftException("cannot list the tables to vacuum: " + e.getMessage(),
                    "the role needs to read pg_subscription_rel on destination and pg_publication_tables on origin",
                    e);
        }
    }

    private static List<Target> describe(Connection c, Capabilities caps, List<QualifiedName> tables)
            throws SQLException {
        Map<QualifiedName, Target> found = new LinkedHashMap<>();
        String sql = String.format(TABLES, caps.has(Feature.MAINTAIN_PRIVILEGE) ? MAY_VACUUM_MAINTAIN
                : MAY_VACUUM_OWNER);
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setArray(1, c.createArrayOf("text", tables.stream().map(QualifiedName::schema).toArray()));
            st.setArray(2, c.createArrayOf("text", tables.stream().map(QualifiedName::name).toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    QualifiedName name = new QualifiedName(rs.getString(1), rs.getString(2));
                    found.put(name, new Target(name, true, rs.getLong("size"), rs.getBoolean("may_vacuum"),
                            rs.getBoolean("autovacuum_off")));
                }
            }
        }
        List<Target> result = new ArrayList<>();
        for (QualifiedName t : tables.stream().sorted().distinct().toList()) {
            result.add(found.getOrDefault(t, new Target(t, false, null, false, false)));
        }
        return result;
    }
}
