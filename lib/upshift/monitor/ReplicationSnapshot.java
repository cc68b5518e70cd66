package upshift.monitor;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonIgnore;

import upshift.UpshiftException;
import upshift.columns.AddedColumns;
import upshift.connect.Cluster;
import upshift.copy.CopyState;
import upshift.migration.Direction;
import upshift.migration.MigrationNames;
import upshift.migration.Publications;
import upshift.migration.Subscription.SubscribedTable;
import upshift.migration.Subscription;
import upshift.migration.SyncState;
import upshift.report.Units;
import upshift.schema.Catalog;
import upshift.schema.Column;
import upshift.schema.TableDrift;
import upshift.server.Capabilities;
import upshift.server.Feature;
import upshift.sql.QualifiedName;
import upshift.sql.Queries;
import upshift.sql.Sql;

/**
 * One look at a logical replication of this migration, both ends at once: the subscription and its tables' sync
 * states on the subscriber, initial copy progress, the apply worker's positions, error counters, the slot's lag on
 * the publisher, and, when something is wrong, a {@link Diagnosis}.
 *
 * @param takenAt      when (UTC, ISO-8601)
 * @param migration    the migration name
 * @param direction    "forward" (origin → destination) or "rollback" (destination → origin)
 * @param publisher    "origin" or "destination": where the publication and the slot are
 * @param subscriber   where the subscription is
 * @param subscriptionName the subscription looked for (the JSON names it here only, not in {@code subscription})
 * @param subscription the subscription, or null when it does not exist
 * @param tables       every table of the subscription with its sync state
 * @param states       how many tables are in each state (state name → count), in pipeline order
 * @param copyProgressAvailable whether the subscriber has pg_stat_progress_copy (14+)
 * @param copies       initial copies in progress
 * @param slotName     the slot looked for on the publisher (the JSON names it here only, not in {@code slot})
 * @param slot         the slot, or null when it does not exist
 * @param maxLagBytes  the lag "caught up" allows
 * @param ready        the subscription exists and every table is ready (r)
 * @param caughtUp     ready, enabled, the slot's lag at most maxLagBytes, the slot active, and a live apply
 *                     worker that kept its pid across two polls without a new apply error (one look never proves
 *                     it: a failing worker lives a few milliseconds per attempt while the lag stays small)
 * @param notCaughtUp  why caughtUp is false (null when it is true)
 * @param applyWorker  the subscription's apply worker as followed across the polls of this run
 * @param diagnosis    what is wrong and how to fix it; null when nothing is
 */
public record ReplicationSnapshot(
        String takenAt,
        String migration,
        String direction,
        String publisher,
        String subscriber,
        String subscriptionName,
        SubscriptionInfo subscription,
        List<TableState> tables,
        @JsonIgnore Map<String, Integer> states,
        boolean copyProgressAvailable,
        List<CopyProgress> copies,
        String slotName,
        SlotInfo slot,
        long maxLagBytes,
        boolean ready,
        boolean caughtUp,
        String notCaughtUp,
        WorkerWatch.ApplyWorker applyWorker,
        Diagnosis diagnosis) {

    /** {@link #states}, keyed in camelCase for the JSON contract: {@code {"dataCopying": 1, "ready": 4}}. */
    @com.fasterxml.jackson.annotation.JsonProperty("states")
    Map<String, Integer> stateCounts() {
        Map<String, Integer> byKey = new LinkedHashMap<>();
        states.forEach((label, n) -> byKey.put(camelCase(label), n));
        return byKey;
    }

    /** {@code data copying} as a JSON key: {@code dataCopying}. */
    static String camelCase(String words) {
        StringBuilder key = new StringBuilder();
        boolean upper = false;
        for (char c : words.toCharArray()) {
            if (c == ' ' || c == '-' || c == '_') {
                upper = key.length() > 0;
            } else {
                key.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
                upper = false;
            }
        }
        return key.toString();
    }

    /**
     * The subscription and its apply worker.
     *
     * @param applyPid              the apply worker's pid; null when none runs (disabled, starting, or failing)
     * @param syncWorkers           tables a table-sync worker is copying right now
     * @param secondsSinceMessage   now() - last_msg_receipt_time, never below 0 (nor is applyLagSeconds: the worker
     *                              may report after the query began)
     * @param applyLagSeconds       now() - latest_end_time: how long ago the worker last confirmed a position to
     *                              the publisher (an idle publisher sends keepalives only every
     *                              wal_sender_timeout / 2, so this grows to ~30 s when nothing happens)
     * @param applyErrorCount       pg_stat_subscription_stats.apply_error_count (15+), else null
     * @param syncErrorCount        the table-sync error counter (15+), else null
     */
    public record SubscriptionInfo(@JsonIgnore String name, boolean enabled, Boolean disableOnError,
            @JsonIgnore String slotName,
            List<String> publications, Integer applyPid, List<QualifiedName> syncWorkers, String receivedLsn,
            String latestEndLsn, String lastMsgReceiptTime, String latestEndTime, Double secondsSinceMessage,
            Double applyLagSeconds, Long applyErrorCount, Long syncErrorCount) {

        /** Apply plus table-sync errors counted since the last stats reset (0 when the server has no counters). */
        public long errorCount() {
            return (applyErrorCount == null ? 0 : applyErrorCount) + (syncErrorCount == null ? 0 : syncErrorCount);
        }
    }

    /** One table of the subscription: {@code state} is the srsubstate letter, {@code stateName} its meaning. */
    public record TableState(QualifiedName table, String state, String stateName, String lsn) {
    }

    /**
     * An initial copy in progress, from pg_stat_progress_copy on the subscriber.
     *
     * @param publisherTableBytes pg_table_size of the table on the publisher (on-disk size: the bytes COPY
     *                            streams differ, so the percentage is an estimate)
     * @param percent             bytesProcessed / publisherTableBytes, at most 100; null when the size is unknown
     * @param elapsedSeconds      how long the table sync worker's copy transaction has run (pg_stat_activity
     *                            xact_start), or null where the role cannot see it
     * @param bytesPerSecond      bytesProcessed / elapsedSeconds, or null
     * @param etaSeconds          the time left at that rate to reach publisherTableBytes (an estimate, as percent
     *                            is), or null
     */
    public record CopyProgress(QualifiedName table, long bytesProcessed, Long publisherTableBytes, long tuplesProcessed,
            Double percent, Double elapsedSeconds, Double bytesPerSecond, Double etaSeconds) {
    }

    /**
     * The slot on the publisher.
     *
     * @param lagBytes  pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)
     * @param lagPretty the same through pg_size_pretty
     * @param walStatus reserved / extended / unreserved / lost
     * @param auroraLogicalStartLsn aurora_volume_logical_start_lsn(), on Aurora only
     */
    public record SlotInfo(@JsonIgnore String name, boolean active, Integer activePid, String walStatus,
            String confirmedFlushLsn, String currentLsn, Long lagBytes, @JsonIgnore String lagPretty,
            String auroraLogicalStartLsn) {
    }

    private static final String WORKERS = """
            SELECT w.pid, w.relid, n.nspname, c.relname,
                   w.received_lsn::text AS received_lsn, w.latest_end_lsn::text AS latest_end_lsn,
                   w.last_msg_receipt_time, w.latest_end_time,
                   CASE WHEN w.last_msg_receipt_time IS NOT NULL
                        THEN GREATEST(EXTRACT(epoch FROM now() - w.last_msg_receipt_time)::float8, 0) END
                       AS since_message,
                   CASE WHEN w.latest_end_time IS NOT NULL
                        THEN GREATEST(EXTRACT(epoch FROM now() - w.latest_end_time)::float8, 0) END
                       AS apply_lag
              FROM pg_catalog.pg_stat_subscription w
              LEFT JOIN pg_catalog.pg_class c ON c.oid = w.relid
              LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE w.subid = ?
             ORDER BY w.relid NULLS FIRST, %s w.received_lsn IS NULL, w.pid
            """;

    /** 16+: the leader apply worker before its parallel apply workers, whatever it has received yet. */
    private static final String LEADER_FIRST = "w.leader_pid IS NOT NULL,";

    private static final String ERRORS =
            "SELECT apply_error_count, %s FROM pg_catalog.pg_stat_subscription_stats WHERE subid = ?";

    private static final String COPIES = """
            SELECT n.nspname, c.relname, p.bytes_processed, p.tuples_processed,
                   (EXTRACT(epoch FROM now() - a.xact_start) * 1000)::bigint AS elapsed_ms
              FROM pg_catalog.pg_stat_progress_copy p
              JOIN pg_catalog.pg_class c ON c.oid = p.relid
              LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = p.pid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE p.datid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
               AND p.command = 'COPY FROM'
               AND p.relid IN (SELECT srrelid FROM pg_catalog.pg_subscription_rel WHERE srsubid = ?)
             ORDER BY n.nspname, c.relname
            """;

    private static final String TABLE_SIZES = """
            SELECT n.nspname, c.relname, pg_catalog.pg_table_size(c.oid)
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest(?::text[], ?::text[]))
            """;

    private static final String SLOT = """
            SELECT s.active, s.active_pid, s.wal_status,
                   s.confirmed_flush_lsn::text AS confirmed_flush_lsn,
                   pg_catalog.pg_current_wal_lsn()::text AS current_lsn,
                   pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), s.confirmed_flush_lsn)::bigint AS lag,
                   pg_catalog.pg_size_pretty(
                       pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), s.confirmed_flush_lsn)) AS lag_pretty
                   %s
              FROM pg_catalog.pg_replication_slots s
             WHERE s.slot_name = ?
            """;

    /** Only ever added on Aurora (Feature.AURORA_LOGICAL_START_LSN): the function exists nowhere else. */
    private static final String AURORA_START = ", aurora_volume_logical_start_lsn()::text AS aurora_start";

    /**
     * Takes a snapshot. Read-only; a handful of catalog queries on each side, plus a schema comparison and bounded
     * value checks when something is wrong.
     */
    public static ReplicationSnapshot take(Cluster origin, Cluster destination, MigrationNames names,
            Direction direction, long maxLagBytes) {
        return take(origin, destination, names, direction, maxLagBytes, new WorkerWatch());
    }

    /** The same, one poll of a run: {@code watch} follows the apply worker from poll to poll. */
    public static ReplicationSnapshot take(Cluster origin, Cluster destination, MigrationNames names,
            Direction direction, long maxLagBytes, WorkerWatch watch) {
        Cluster publisher = direction.publisher(origin, destination);
        Cluster subscriber = direction.subscriber(origin, destination);
        String takenAt = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MILLIS)
                .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        String subscriptionName = direction.subscription(names);

        Capabilities subCaps = subscriber.facts().capabilities();
        Capabilities pubCaps = publisher.facts().capabilities();

        Optional<Subscription> sub = read(subscriber,
                c -> Subscription.find(c, subCaps, subscriptionName));
        List<SubscribedTable> subscribed = sub.map(Subscription::tables).orElse(List.of());
        SubscriptionInfo info = sub.isEmpty() ? null : read(subscriber, c -> subscriptionInfo(c, subCaps, sub.get()));

        boolean copyView = subCaps.has(Feature.PROGRESS_COPY_VIEW);
        List<CopyProgress> copies = List.of();
        if (copyView && sub.isPresent()) {
            Map<QualifiedName, long[]> running = read(subscriber, c -> copies(c, sub.get().oid()));
            if (!running.isEmpty()) {
                Map<QualifiedName, Long> sizes = read(publisher, c -> tableSizes(c, running.keySet()));
                copies = running.entrySet().stream().map(e -> copy(e.getKey(), e.getValue(),
                        sizes.get(e.getKey()))).toList();
            }
        }

        String slotName = sub.map(Subscription::slotName).orElse(direction.slot(names));
        SlotInfo slot = slotName == null ? null : read(publisher, c -> slot(c, pubCaps, slotName));

        List<TableState> tables = subscribed.stream().map(t -> new TableState(t.table(),
                String.valueOf(t.state().code()), t.state().label(), t.lsn())).toList();
        Map<String, Integer> states = countStates(subscribed);
        boolean ready = sub.isPresent() && !subscribed.isEmpty()
                && subscribed.stream().allMatch(t -> t.state() == SyncState.READY);
        // a snapshot copy (create-subscription --initial-copy snapshot) leaves every table 'r' from the start: ready
        // waits for its rows, indexes and constraints too
        String copyPending = sub.isEmpty() || direction != Direction.FORWARD ? null
                : read(subscriber, c -> CopyState.pendingReason(c, subscriptionName));
        ready = ready && copyPending == null;
        Long retryMillis = info == null ? null : read(subscriber, ReplicationSnapshot::retryMillis);
        WorkerWatch.ApplyWorker worker = watch.observe(info, retryMillis);
        String notCaughtUp = copyPending != null ? copyPending
                : notCaughtUp(info, subscribed, ready, slot, maxLagBytes, worker);

        Diagnosis diagnosis = null;
        if (Diagnosis.worthInvestigating(info, slot, slotName, worker)) {
            List<TableDrift> drifts = List.of();
            List<ValueCheck.Result> values = List.of();
            List<SubscriberRules.Rule> rules = List.of();
            String logError = null;
            ServerLog.LogSettings logSettings = null;
            if (info != null) {
                List<QualifiedName> compared = comparedTables(publisher, info, subscribed);
                Map<QualifiedName, List<Column>> pubColumns = read(publisher, p -> Catalog.columns(p, compared));
                Map<QualifiedName, List<Column>> subColumns = read(subscriber, s -> Catalog.columns(s, compared));
                drifts = drifts(compared, pubColumns, subColumns);
                Map<QualifiedName, List<SubscriberRules.UniqueKey>> pubKeys =
                        read(publisher, p -> SubscriberRules.uniqueKeys(p, compared));
                Map<QualifiedName, List<SubscriberRules.UniqueKey>> subKeys =
                        read(subscriber, s -> SubscriberRules.uniqueKeys(s, compared));
                rules = SubscriberRules.find(compared, pubColumns, subColumns, pubKeys, subKeys,
                        AddedColumns.marker(names));
                boolean checkValues = !Diagnosis.hasDefiniteCause(drifts, rules);
                values = ValueCheck.check(publisher.connection(), drifts, checkValues);
                rules = SubscriberRules.check(publisher.connection(), rules, checkValues);
                logError = ServerLog.lastReplicationError(subscriber.connection()).orElse(null);
                logSettings = ServerLog.settings(subscriber.connection());
            }
            diagnosis = Diagnosis.of(new Diagnosis.Facts(direction, subscriber.role(), publisher.role(),
                    subscriptionName, slotName, info, subscribed, slot, drifts, values, logError, worker, rules,
                    logSettings));
        }

        return new ReplicationSnapshot(takenAt, names.name(), direction.name().toLowerCase(java.util.Locale.ROOT),
                publisher.role(), subscriber.role(), subscriptionName, info, tables, states, copyView, copies,
                slotName, slot, maxLagBytes, ready, notCaughtUp == null, notCaughtUp, worker, diagnosis);
    }

    /**
     * Why the subscriber is not caught up, or null when it is: every table ready, the subscription enabled, the
     * slot's confirmed_flush_lsn within maxLagBytes of the publisher's current WAL and the slot active, and a live
     * apply worker that kept its pid across {@link WorkerWatch#SETTLED_POLLS} polls without a new apply error.
     */
    static String notCaughtUp(SubscriptionInfo info, List<SubscribedTable> subscribed,
            boolean ready, SlotInfo slot, long maxLagBytes, WorkerWatch.ApplyWorker worker) {
        if (info == null) {
            return "the subscription does not exist";
        }
        if (!ready) {
            long readyTables = subscribed.stream().filter(t -> t.state() == SyncState.READY).count();
            return "not every table is ready (" + readyTables + "/" + subscribed.size() + ")";
        }
        if (!info.enabled()) {
            return "the subscription is disabled";
        }
        if (slot == null) {
            return "the slot does not exist";
        }
        if (slot.lagBytes() == null) {
            return "the slot's lag is unknown (no confirmed_flush_lsn yet)";
        }
        if (slot.lagBytes() > maxLagBytes) {
            return "slot lag " + Units.pretty(slot.lagBytes()) + " (" + slot.lagBytes() + " bytes) is above --max-lag "
                    + Units.pretty(maxLagBytes);
        }
        if (Diagnosis.inactiveWithLag(slot)) {
            return "the slot is inactive with " + slot.lagBytes() + " bytes not confirmed: nothing streams them";
        }
        if (info.applyPid() == null) {
            return "no apply worker runs"
                    + (worker.restarts() > 0 ? " (it restarted " + worker.restarts() + " times during the wait)" : "");
        }
        if (worker.newApplyErrors() != null && worker.newApplyErrors() > 0) {
            return worker.newApplyErrors() + " new apply errors were counted during the wait";
        }
        if (!worker.settled()) {
            return worker.restarts() > 0
                    ? "the apply worker restarted (pid now " + info.applyPid() + "): it must keep one pid for "
                            + WorkerWatch.SETTLED_POLLS + " polls"
                    : "the apply worker (pid " + info.applyPid() + ") has been seen in " + worker.samePidPolls()
                            + " poll" + (worker.samePidPolls() == 1 ? "" : "s") + ": caught up needs the same pid in "
                            + WorkerWatch.SETTLED_POLLS + " polls (monitor --until caught-up)";
        }
        return null;
    }

    /** The subscriber's wal_retrieve_retry_interval in milliseconds: how long a failed worker waits to restart. */
    private static Long retryMillis(Connection c) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(RETRY_INTERVAL); ResultSet rs = st.executeQuery()) {
            return rs.next() ? (Long) rs.getObject(1) : null;
        }
    }

    private static final String RETRY_INTERVAL = "SELECT setting::bigint FROM pg_catalog.pg_settings"
            + " WHERE name = 'wal_retrieve_retry_interval'";

    /** Each published table the publisher has, compared with the subscriber's (publisher as "origin" side). */
    private static List<TableDrift> drifts(List<QualifiedName> tables, Map<QualifiedName, List<Column>> publisher,
            Map<QualifiedName, List<Column>> subscriber) {
        List<TableDrift> drifts = new ArrayList<>();
        for (QualifiedName table : tables) {
            if (publisher.containsKey(table)) {
                drifts.add(TableDrift.compare(table, publisher.get(table), subscriber.get(table)));
            }
        }
        return drifts;
    }

    /** Whether --until must stop waiting: nothing will progress until an operator acts. */
    public boolean blocked() {
        return diagnosis != null && diagnosis.blocking();
    }

    /** How many tables are ready. */
    public long readyTables() {
        return tables.stream().filter(t -> t.state().equals("r")).count();
    }

    private static Map<String, Integer> countStates(List<SubscribedTable> tables) {
        Map<SyncState, Integer> counts = new EnumMap<>(SyncState.class);
        tables.forEach(t -> counts.merge(t.state(), 1, Integer::sum));
        Map<String, Integer> named = new LinkedHashMap<>();
        counts.forEach((state, n) -> named.put(state.label(), n));
        return named;
    }

    private static List<QualifiedName> comparedTables(Cluster publisher, SubscriptionInfo info,
            List<SubscribedTable> subscribed) {
        Set<QualifiedName> tables = new LinkedHashSet<>();
        try {
            tables.addAll(Publications.tables(publisher.connection(), info.publications()));
        } catch (SQLException e) {
            // the publisher's list is a bonus (it finds tables the subscriber lacks); the subscriber's suffices
        }
        subscribed.forEach(t -> tables.add(t.table()));
        return List.copyOf(tables);
    }

    private static SubscriptionInfo subscriptionInfo(Connection c, Capabilities caps,
            Subscription sub) throws SQLException {
        Integer applyPid = null;
        String received = null;
        String latestEnd = null;
        String lastMessage = null;
        String latestEndTime = null;
        Double sinceMessage = null;
        Double applyLag = null;
        boolean applySeen = false;
        List<QualifiedName> syncWorkers = new ArrayList<>();
        String order = caps.has(Feature.SUBSCRIPTION_WORKER_LEADER_PID) ? LEADER_FIRST : "";
        try (PreparedStatement st = c.prepareStatement(String.format(WORKERS, order))) {
            st.setLong(1, sub.oid());
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    Integer pid = (Integer) rs.getObject("pid");
                    if (rs.getObject("relid") != null) {
                        if (pid != null && rs.getString("relname") != null) {
                            syncWorkers.add(new QualifiedName(rs.getString("nspname"), rs.getString("relname")));
                        }
                    } else if (!applySeen) {
                        // the leader apply worker sorts first; parallel apply workers (16+) have no received_lsn
                        applySeen = true;
                        applyPid = pid;
                        received = rs.getString("received_lsn");
                        latestEnd = rs.getString("latest_end_lsn");
                        lastMessage = timestamp(rs, "last_msg_receipt_time");
                        latestEndTime = timestamp(rs, "latest_end_time");
                        sinceMessage = (Double) rs.getObject("since_message");
                        applyLag = (Double) rs.getObject("apply_lag");
                    }
                }
            }
        }
        Long applyErrors = null;
        Long syncErrors = null;
        String syncColumn = caps.tableSyncErrorCountColumn();
        if (caps.has(Feature.SUBSCRIPTION_STATS_VIEW) && syncColumn != null) {
            try (PreparedStatement st = c.prepareStatement(String.format(ERRORS, Sql.ident(syncColumn)))) {
                st.setLong(1, sub.oid());
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next()) {
                        applyErrors = rs.getLong(1);
                        syncErrors = rs.getLong(2);
                    }
                }
            }
        }
        return new SubscriptionInfo(sub.name(), sub.enabled(), sub.disableOnError(), sub.slotName(),
                sub.publications(), applyPid, syncWorkers, received, latestEnd, lastMessage, latestEndTime,
                sinceMessage, applyLag, applyErrors, syncErrors);
    }

    private static String timestamp(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.withOffsetSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.MILLIS)
                .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }

    /** Copies in progress: table → {bytes processed, tuples processed, elapsed ms or -1}. */
    private static Map<QualifiedName, long[]> copies(Connection c, long subscriptionOid) throws SQLException {
        Map<QualifiedName, long[]> copies = new LinkedHashMap<>();
        try (PreparedStatement st = c.prepareStatement(COPIES)) {
            st.setLong(1, subscriptionOid);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    long elapsed = rs.getLong(5);
                    copies.put(new QualifiedName(rs.getString(1), rs.getString(2)),
                            new long[] {rs.getLong(3), rs.getLong(4), rs.wasNull() ? -1 : elapsed});
                }
            }
        }
        return copies;
    }

    private static Map<QualifiedName, Long> tableSizes(Connection c, Set<QualifiedName> tables) throws SQLException {
        Map<QualifiedName, Long> sizes = new LinkedHashMap<>();
        try (PreparedStatement st = c.prepareStatement(TABLE_SIZES)) {
            st.setArray(1, c.createArrayOf("text", tables.stream().map(QualifiedName::schema).toArray()));
            st.setArray(2, c.createArrayOf("text", tables.stream().map(QualifiedName::name).toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    sizes.put(new QualifiedName(rs.getString(1), rs.getString(2)), rs.getLong(3));
                }
            }
        }
        return sizes;
    }

    static CopyProgress copy(QualifiedName table, long[] progress, Long publisherBytes) {
        Double percent = publisherBytes == null || publisherBytes <= 0 ? null
                : Math.min(100.0, Math.round(1000.0 * progress[0] / publisherBytes) / 10.0);
        Double elapsed = progress.length < 3 || progress[2] < 0 ? null : progress[2] / 1000.0;
        Double rate = elapsed == null || elapsed <= 0 ? null : progress[0] / elapsed;
        Double eta = rate == null || rate <= 0 || publisherBytes == null ? null
                : Math.max(0, publisherBytes - progress[0]) / rate;
        return new CopyProgress(table, progress[0], publisherBytes, progress[1], percent, elapsed, rate, eta);
    }

    private static SlotInfo slot(Connection c, Capabilities caps, String name) throws SQLException {
        boolean aurora = caps.has(Feature.AURORA_LOGICAL_START_LSN);
        try (PreparedStatement st = c.prepareStatement(String.format(SLOT, aurora ? AURORA_START : ""))) {
            st.setString(1, name);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new SlotInfo(name, rs.getBoolean("active"), (Integer) rs.getObject("active_pid"),
                        rs.getString("wal_status"), rs.getString("confirmed_flush_lsn"), rs.getString("current_lsn"),
                        (Long) rs.getObject("lag"), rs.getString("lag_pretty"),
                        aurora ? rs.getString("aurora_start") : null);
            }
        }
    }

    private interface Query<T> {
        T run(Connection connection) throws SQLException;
    }

    private static <T> T read(Cluster cluster, Query<T> query) {
        try {
            return query.run(cluster.connection());
        } catch (SQLException e) {
            throw new UpshiftException("cannot read the replication state on " + cluster + ": "
                    + Queries.firstLine(e.getMessage()), "the role needs to read pg_subscription, pg_stat_subscription and"
                    + " pg_replication_slots (pg_monitor grants what is missing)", e);
        }
    }
}
