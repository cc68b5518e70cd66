package upshift.monitor;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import upshift.server.Capabilities;
import upshift.server.Feature;
import upshift.sql.QualifiedName;
import upshift.subscription.SubscriptionCatalogAccess;

/** Reads a subscription, its tables' sync states and a publication's tables from the catalogs. */
public final class SubscriptionCatalog {

    private static final String SUBSCRIPTION = """
            SELECT s.oid, s.subname, s.subenabled, s.subslotname, s.subpublications %s
              FROM pg_catalog.pg_subscription s
             WHERE s.subname = ?
               AND s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
            """;

    /** Tables only: from 19 on, pg_subscription_rel also lists sequences, which upshift syncs at switchover. */
    private static final String TABLES = """
            SELECT n.nspname, c.relname, r.srsubstate, r.srsublsn::text AS lsn
              FROM pg_catalog.pg_subscription_rel r
              JOIN pg_catalog.pg_class c ON c.oid = r.srrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE r.srsubid = ?
               AND c.relkind IN ('r', 'p')
             ORDER BY n.nspname, c.relname
            """;

    private static final String PUBLICATION_TABLES = """
            SELECT DISTINCT schemaname, tablename
              FROM pg_catalog.pg_publication_tables
             WHERE pubname = ANY (?)
             ORDER BY 1, 2
            """;

    private static final String PUBLICATIONS_PRESENT =
            "SELECT pubname FROM pg_catalog.pg_publication WHERE pubname = ANY (?) ORDER BY 1";

    private SubscriptionCatalog() {
    }

    /**
     * A subscription of the session's database.
     *
     * @param disableOnError null when the server has no disable_on_error (before 15)
     */
    public record Subscription(long oid, String name, boolean enabled, String slotName, List<String> publications,
            Boolean disableOnError) {
    }

    /** One table of a subscription and its sync state; {@code lsn} is srsublsn (null until synchronized). */
    public record SubscribedTable(QualifiedName table, SyncState state, String lsn) {
    }

    /** The subscription of that name in the session's database, if any. */
    public static Optional<Subscription> find(Connection connection, Capabilities caps, String name)
            throws SQLException {
        boolean disableOnError = caps.has(Feature.SUBSCRIPTION_DISABLE_ON_ERROR);
        String sql = String.format(SUBSCRIPTION, disableOnError ? ", s.subdisableonerr" : "");
        // through SubscriptionCatalogAccess: on 13 a non-superuser may not read pg_subscription.oid
        return Optional.ofNullable(SubscriptionCatalogAccess.query(connection, sql, st -> {
            st.setString(1, name);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                String[] publications = (String[]) rs.getArray("subpublications").getArray();
                return new Subscription(rs.getLong(1), rs.getString("subname"), rs.getBoolean("subenabled"),
                        rs.getString("subslotname"), Arrays.asList(publications),
                        disableOnError ? rs.getBoolean("subdisableonerr") : null);
            }
        }));
    }

    /** The subscription's tables with their sync states, in schema/name order. */
    public static List<SubscribedTable> tables(Connection connection, long subscriptionOid) throws SQLException {
        List<SubscribedTable> tables = new ArrayList<>();
        try (PreparedStatement st = connection.prepareStatement(TABLES)) {
            st.setLong(1, subscriptionOid);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    tables.add(new SubscribedTable(new QualifiedName(rs.getString(1), rs.getString(2)),
                            SyncState.of(rs.getString("srsubstate")), rs.getString("lsn")));
                }
            }
        }
        return tables;
    }

    /** The tables the given publications publish, as the publisher lists them (partitions by their root). */
    public static List<QualifiedName> publicationTables(Connection publisher, List<String> publications)
            throws SQLException {
        List<QualifiedName> tables = new ArrayList<>();
        try (PreparedStatement st = publisher.prepareStatement(PUBLICATION_TABLES)) {
            st.setArray(1, publisher.createArrayOf("text", publications.toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    tables.add(new QualifiedName(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return tables;
    }

    /** Which of these publications exist on the server behind the session. */
    public static List<String> existingPublications(Connection publisher, List<String> publications)
            throws SQLException {
        List<String> found = new ArrayList<>();
        try (PreparedStatement st = publisher.prepareStatement(PUBLICATIONS_PRESENT)) {
            st.setArray(1, publisher.createArrayOf("text", publications.toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getString(1));
                }
            }
        }
        return found;
    }
}
