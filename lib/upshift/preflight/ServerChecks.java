package upshift.preflight;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import upshift.connect.Cluster;
import upshift.migration.MigrationNames;
import upshift.schema.TableSelection;
import upshift.server.Capabilities;
import upshift.server.Feature;
import upshift.server.ServerFacts;
import upshift.sql.Queries;
import upshift.sql.Sql;

/** The servers themselves: versions, standby, logical decoding, replication capacity (both directions), rights. */
final class ServerChecks {

    private final Context ctx;
    private final Cluster origin;
    private final Cluster destination;
    private final ServerFacts o;
    private final ServerFacts d;
    private final TableSelection selection;
    private final PreflightOptions options;
    private final MigrationNames names;

    ServerChecks(Context ctx) {
        this.ctx = ctx;
        this.origin = ctx.origin;
        this.destination = ctx.destination;
        this.o = ctx.o;
        this.d = ctx.d;
        this.selection = ctx.selection;
        this.options = ctx.options;
        this.names = ctx.names;
    }

    /** Versions and encodings, standby, logical decoding, capacity, rights. */
    void run() throws SQLException {
        versions();
        recovery();
        logicalReplication();
        capacity();
        copyWorkers();
        rights();
    }

    /** What the snapshot copy (enable-subscription) runs on by default, from the connections both sides can spare. */
    private void copyWorkers() throws SQLException {
        int workers = upshift.copy.SnapshotCopy.defaultWorkers(origin.connection(), destination.connection());
        add(Severity.INFO, "capacity", Side.BOTH, "snapshot copy workers", "enable-subscription copies on "
                + workers + " sessions per side by default (4, fewer when either side has fewer than 4 free"
                + " connections per worker; cores are not visible through SQL): --workers N up to the smaller"
                + " server's cores", null);
    }

    private void versions() {
        add(Severity.INFO, "versions", Side.BOTH, "server",
                "PostgreSQL " + o.version() + " (" + o.flavour().label() + ") → PostgreSQL " + d.version() + " ("
                        + d.flavour().label() + ")", null);
        if (d.major() < o.major()) {
            add(Severity.WARNING, "versions", Side.DESTINATION, "server", "the destination is an older major version ("
                    + d.major() + ") than origin (" + o.major() + "): this is a downgrade", null);
        }
        String oe = o.setting("server_encoding");
        String de = d.setting("server_encoding");
        if (oe != null && de != null && !oe.equals(de)) {
            add(Severity.WARNING, "encoding", Side.BOTH, "server_encoding", "origin stores " + oe
                    + ", destination " + de + ": characters the destination encoding lacks stop the apply",
                    "create the destination database with ENCODING " + Sql.literal(oe)
                            + " (CREATE DATABASE ... TEMPLATE template0 ENCODING " + Sql.literal(oe) + ")");
        }
    }

    private void recovery() {
        if (o.inRecovery()) {
            add(Severity.BLOCKING, "recovery", Side.ORIGIN, "server",
                    "origin is a standby (in recovery): publications and slots must be created on the primary",
                    "point --origin / PGURL_ORIGIN at the primary (on Aurora: the cluster's writer endpoint)");
        }
        if (d.inRecovery()) {
            add(Severity.BLOCKING, "recovery", Side.DESTINATION, "server",
                    "destination is a standby (in recovery): it cannot take the schema or a subscription",
                    "point --destination / PGURL_DESTINATION at the primary (on Aurora: the writer endpoint)");
        }
    }

    private void logicalReplication() {
        if (!o.logicalReplicationEnabled()) {
            add(Severity.BLOCKING, "logical-replication", Side.ORIGIN, o.capabilities().logicalReplicationSetting(),
                    "logical decoding is off (wal_level = " + o.setting("wal_level")
                            + "): origin cannot publish", Fixes.logicalReplication(o));
        }
        if (!d.logicalReplicationEnabled()) {
            add(Severity.WARNING, "logical-replication", Side.DESTINATION,
                    d.capabilities().logicalReplicationSetting(), "logical decoding is off (wal_level = "
                            + d.setting("wal_level") + "): not needed to subscribe, but rollback replication"
                            + " (setup-rollback) publishes from destination; switching it on needs a restart,"
                            + " so do it before the new server takes production traffic",
                    Fixes.logicalReplication(d));
        }
    }

    // ---- capacity ---------------------------------------------------------------------------------------------

    /** Slots, WAL senders and workers in use on one server, not counting this migration's own. */
    private record Usage(long slots, long senders, long subscriptions) {
    }

    private Usage usage(Cluster cluster) throws SQLException {
        Connection c = cluster.connection();
        String sql = """
                SELECT (SELECT count(*) FROM pg_catalog.pg_replication_slots WHERE slot_name <> ALL (?)) AS slots,
                       (SELECT count(*) FROM pg_catalog.pg_stat_replication
                         WHERE coalesce(application_name, '') <> ALL (?)) AS senders,
                       (SELECT count(*) FROM pg_catalog.pg_subscription s
                         WHERE s.subenabled
                           AND NOT (s.subname = ANY (?) AND s.subdbid = (SELECT oid FROM pg_catalog.pg_database
                                                                          WHERE datname = current_database())))
                           AS subscriptions
                """;
        String[] slots = {names.slot(), names.rollbackSlot()};
        String[] subscriptions = {names.subscription(), names.rollbackSubscription()};
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setArray(1, c.createArrayOf("text", slots));
            st.setArray(2, c.createArrayOf("text", subscriptions));
            st.setArray(3, c.createArrayOf("text", subscriptions));
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return new Usage(rs.getLong("slots"), rs.getLong("senders"), rs.getLong("subscriptions"));
            }
        }
    }

    private void capacity() throws SQLException {
        Usage ou = usage(origin);
        Usage du = usage(destination);
        Integer sync = intSetting(d, "max_sync_workers_per_subscription");
        int syncWorkers = sync == null ? 2 : sync;
        int need = 1 + syncWorkers;
        String needWhy = "1 for the subscription and " + syncWorkers
                + " for the initial table sync, max_sync_workers_per_subscription on destination";
        List<String> ok = new ArrayList<>();

        if (sync != null && sync == 0) {
            add(Severity.BLOCKING, "capacity", Side.DESTINATION, "max_sync_workers_per_subscription",
                    "max_sync_workers_per_subscription = 0: the initial copy of the tables never starts",
                    Fixes.reloadSetting(d, "max_sync_workers_per_subscription", "2"));
        }
        Integer slots = intSetting(o, "max_replication_slots");
        if (slots != null) {
            long free = slots - ou.slots();
            if (free < need) {
                add(Severity.BLOCKING, "capacity", Side.ORIGIN, "max_replication_slots", "max_replication_slots = "
                        + slots + " with " + ou.slots() + " in use leaves " + free + " free; the migration needs "
                        + need + " (" + needWhy + ")",
                        Fixes.restartSetting(o, "max_replication_slots", String.valueOf(ou.slots() + need)));
            } else {
                ok.add("origin " + free + " of " + slots + " replication slots free");
            }
        }
        Integer senders = intSetting(o, "max_wal_senders");
        if (senders != null) {
            long free = senders - ou.senders();
            if (free < need) {
                add(Severity.BLOCKING, "capacity", Side.ORIGIN, "max_wal_senders", "max_wal_senders = " + senders
                        + " with " + ou.senders() + " in use leaves " + free + " free; the migration needs " + need
                        + " (" + needWhy + ")",
                        Fixes.restartSetting(o, "max_wal_senders", String.valueOf(ou.senders() + need)));
            } else {
                ok.add("origin " + free + " of " + senders + " WAL senders free");
            }
        }
        Integer workers = intSetting(d, "max_logical_replication_workers");
        if (workers != null) {
            long free = workers - du.subscriptions();
            if (free < need) {
                add(Severity.BLOCKING, "capacity", Side.DESTINATION, "max_logical_replication_workers",
                        "max_logical_replication_workers = " + workers + (du.subscriptions() > 0 ? " with "
                                + du.subscriptions() + " other enabled subscription(s) leaves " + free : "")
                                + "; the migration needs " + need + " (1 apply worker + " + syncWorkers
                                + " table sync workers)",
                        Fixes.restartSetting(d, "max_logical_replication_workers",
                                String.valueOf(du.subscriptions() + need)));
            } else {
                ok.add("destination " + free + " of " + workers + " logical replication workers free");
            }
        }
        Integer processes = intSetting(d, "max_worker_processes");
        if (processes != null) {
            long needed = 1 + du.subscriptions() + need;
            if (processes < needed) {
                add(Severity.BLOCKING, "capacity", Side.DESTINATION, "max_worker_processes",
                        "max_worker_processes = " + processes + " but logical replication alone needs " + needed
                                + " (the launcher, " + (du.subscriptions() > 0 ? du.subscriptions()
                                + " other subscription(s), " : "") + "1 apply worker, " + syncWorkers
                                + " table sync workers); parallel query takes from the same pool",
                        Fixes.restartSetting(d, "max_worker_processes", String.valueOf(needed + 8)));
            } else {
                ok.add("destination max_worker_processes " + processes);
            }
        }
        // Rollback replication runs the other way, after switchover: destination publishes, origin subscribes
        // (copy_data = false, so no table sync).
        Integer dSlots = intSetting(d, "max_replication_slots");
        Integer dSenders = intSetting(d, "max_wal_senders");
        if ((dSlots != null && dSlots - du.slots() < 1) || (dSenders != null && dSenders - du.senders() < 1)) {
            add(Severity.WARNING, "capacity", Side.DESTINATION, "max_replication_slots / max_wal_senders",
                    "destination has no free replication slot or WAL sender (" + dSlots + " slots, " + du.slots()
                            + " in use; " + dSenders + " senders, " + du.senders()
                            + " in use): rollback replication (setup-rollback) needs one of each",
                    Fixes.restartSetting(d, "max_replication_slots", String.valueOf(du.slots() + 1)) + "\n"
                            + Fixes.restartSetting(d, "max_wal_senders", String.valueOf(du.senders() + 1)));
        }
        Integer oWorkers = intSetting(o, "max_logical_replication_workers");
        if (oWorkers != null && oWorkers - ou.subscriptions() < 1) {
            add(Severity.WARNING, "capacity", Side.ORIGIN, "max_logical_replication_workers",
                    "origin has no free logical replication worker (" + oWorkers + ", " + ou.subscriptions()
                            + " other subscription(s)): rollback replication (setup-rollback) needs one",
                    Fixes.restartSetting(o, "max_logical_replication_workers",
                            String.valueOf(ou.subscriptions() + 1)));
        }
        if (!ok.isEmpty()) {
            add(Severity.INFO, "capacity", Side.BOTH, "replication capacity", String.join("; ", ok)
                    + ". The migration needs " + need + " of each (" + needWhy + ")", null);
        }
    }

    private static Integer intSetting(ServerFacts facts, String name) {
        String value = facts.setting(name);
        if (value == null) {
            return null;
        }
        try {
            return Integer.valueOf(value.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    // ---- rights -----------------------------------------------------------------------------------------------

    private void rights() throws SQLException {
        String ou = Sql.ident(o.user());
        if (!o.administrator()) {
            boolean replication = o.replicationRole() || o.memberOf().contains("rds_replication");
            if (!replication) {
                add(Severity.BLOCKING, "rights", Side.ORIGIN, "role " + o.user(), "role " + o.user()
                        + " is neither superuser" + (o.flavour().isManaged() ? "/rds_superuser" : "")
                        + " nor allowed to replicate: the subscription cannot stream from origin",
                        o.flavour().isManaged() ? "GRANT rds_replication TO " + ou + ";"
                                : "ALTER ROLE " + ou + " REPLICATION;");
            }
            Connection c = origin.connection();
            boolean create;
            boolean owns;
            try (PreparedStatement st = c.prepareStatement("SELECT has_database_privilege(current_database(), 'CREATE'),"
                    + " EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = ?"
                    + " AND pg_has_role(current_user, r.oid, 'USAGE'))")) {
                st.setString(1, selection.owner());
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    create = rs.getBoolean(1);
                    owns = rs.getBoolean(2);
                }
            }
            if (!owns) {
                add(Severity.BLOCKING, "rights", Side.ORIGIN, "role " + o.user(), "role " + o.user()
                        + " does not own the tables (they belong to " + selection.owner()
                        + "): CREATE PUBLICATION ... FOR TABLE needs ownership",
                        "GRANT " + Sql.ident(selection.owner()) + " TO " + ou + ";\n"
                                + "-- or connect to origin as " + selection.owner());
            }
            if (!create) {
                add(Severity.BLOCKING, "rights", Side.ORIGIN, "role " + o.user(), "role " + o.user()
                        + " lacks CREATE on database " + o.database() + ": it cannot create the publication",
                        "GRANT CREATE ON DATABASE " + Sql.ident(o.database()) + " TO " + ou + ";");
            }
        }
        if (!d.administrator()) {
            String du = Sql.ident(d.user());
            Capabilities caps = d.capabilities();
            if (!caps.has(Feature.PG_CREATE_SUBSCRIPTION_ROLE)) {
                add(Severity.BLOCKING, "rights", Side.DESTINATION, "role " + d.user(), "PostgreSQL " + d.major()
                        + " lets only a superuser" + (d.flavour().isManaged() ? " (rds_superuser)" : "")
                        + " create subscriptions; " + d.user() + " is not one",
                        d.flavour().isManaged() ? "GRANT rds_superuser TO " + du + ";"
                                : "ALTER ROLE " + du + " SUPERUSER;  -- or connect as a superuser");
            } else {
                if (!d.memberOf().contains("pg_create_subscription")) {
                    add(Severity.BLOCKING, "rights", Side.DESTINATION, "role " + d.user(), "role " + d.user()
                            + " is neither superuser nor a member of pg_create_subscription: it cannot create the"
                            + " subscription", "GRANT pg_create_subscription TO " + du + ";");
                }
                if (!Queries.queryBoolean(destination.connection(),
                        "SELECT has_database_privilege(current_database(), 'CREATE')")) {
                    add(Severity.BLOCKING, "rights", Side.DESTINATION, "role " + d.user(), "role " + d.user()
                            + " lacks CREATE on database " + d.database() + ": it cannot create the subscription",
                            "GRANT CREATE ON DATABASE " + Sql.ident(d.database()) + " TO " + du + ";");
                }
            }
        }
    }


    private void add(Severity severity, String check, Side side, String subject, String problem, String fix) {
        ctx.add(severity, check, side, subject, problem, fix);
    }
}
