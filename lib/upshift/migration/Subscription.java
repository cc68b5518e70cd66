package upshift.migration;

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

/**
 * A subscription of the session's database as pg_subscription shows it, with the tables it has taken on
 * (pg_subscription_rel) and their sync states. Read through {@link SubscriptionCatalogAccess}: on 13 a non-superuser
 * may not read pg_subscription.oid.
 *
 * @param oid            pg_subscription.oid (on 13, as a non-superuser, pg_stat_subscription.subid)
 * @param enabled        subenabled
 * @param slotName       subslotname, null after ALTER SUBSCRIPTION ... SET (slot_name = NONE)
 * @param publications   subpublications
 * @param disableOnError subdisableonerr; null when not asked for or the server has none (before 15)
 * @param tables         pg_subscription_rel's tables (not its sequences, which 19 lists), in schema/name order
 */
public record Subscription(long oid, String name, boolean enabled, String slotName, List<String> publications,
        Boolean disableOnError, List<SubscribedTable> tables) {

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

    /** The main (apply) worker of a subscription, as pg_stat_subscription lists it: table-sync workers excluded. */
    private static final String APPLY_WORKER = """
            SELECT pid FROM pg_catalog.pg_stat_subscription WHERE subname = ? AND relid IS NULL AND pid IS NOT NULL
            """;

    public Subscription {
        publications = List.copyOf(publications);
        tables = List.copyOf(tables);
    }

    /** One table of a subscription and its sync state; {@code lsn} is srsublsn (null until synchronized). */
    public record SubscribedTable(QualifiedName table, SyncState state, String lsn) {
    }

    /**
     * The subscription of that name in the session's database, if any, with {@code disableOnError} read where the
     * server has it.
     */
    public static Optional<Subscription> find(Connection connection, Capabilities caps, String name)
            throws SQLException {
        return find(connection, name, caps.has(Feature.SUBSCRIPTION_DISABLE_ON_ERROR));
    }

    /** The subscription of that name in the session's database, if any ({@code disableOnError} null). */
    public static Optional<Subscription> find(Connection connection, String name) throws SQLException {
        return find(connection, name, false);
    }

    private static Optional<Subscription> find(Connection connection, String name, boolean disableOnError)
            throws SQLException {
        String sql = String.format(SUBSCRIPTION, disableOnError ? ", s.subdisableonerr" : "");
        Subscription row = SubscriptionCatalogAccess.query(connection, sql, st -> {
            st.setString(1, name);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                String[] publications = (String[]) rs.getArray("subpublications").getArray();
                return new Subscription(rs.getLong(1), rs.getString("subname"), rs.getBoolean("subenabled"),
                        rs.getString("subslotname"), Arrays.asList(publications),
                        disableOnError ? rs.getBoolean("subdisableonerr") : null, List.of());
            }
        });
        if (row == null) {
            return Optional.empty();
        }
        return Optional.of(row.withTables(tables(connection, row.oid())));
    }

    /** The subscription's tables with their sync states, in schema/name order. */
    private static List<SubscribedTable> tables(Connection connection, long subscriptionOid) throws SQLException {
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

    /** The pid of the subscription's apply worker, null when none runs (pg_stat_subscription is readable by all). */
    public static Integer applyWorkerPid(Connection connection, String subscription) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(APPLY_WORKER)) {
            st.setString(1, subscription);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? (Integer) rs.getObject(1) : null;
            }
        }
    }

    /** How many of its tables are not in state ready yet. */
    public long notReady() {
        return tables.stream().filter(t -> t.state() != SyncState.READY).count();
    }

    /** The names of its tables, in schema/name order. */
    public List<QualifiedName> tableNames() {
        return tables.stream().map(SubscribedTable::table).toList();
    }

    /** The same subscription, as it is once ALTER SUBSCRIPTION ... ENABLE has run. */
    public Subscription enabledNow() {
        return new Subscription(oid, name, true, slotName, publications, disableOnError, tables);
    }

    private Subscription withTables(List<SubscribedTable> read) {
        return new Subscription(oid, name, enabled, slotName, publications, disableOnError, read);
    }
}
