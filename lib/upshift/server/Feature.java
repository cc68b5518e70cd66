package upshift.server;

import java.util.Set;

/**
 * A version- or flavour-dependent behaviour upshift relies on. Each has the first major version that has it and
 * the flavours that have it; {@link Capabilities} answers for one server.
 */
public enum Feature {

    // Subscription options (CREATE SUBSCRIPTION ... WITH), checked on the subscriber.
    SUBSCRIPTION_BINARY(14, "subscription option binary"),
    SUBSCRIPTION_STREAMING(14, "subscription option streaming = on"),
    SUBSCRIPTION_STREAMING_PARALLEL(16, "subscription option streaming = parallel"),
    SUBSCRIPTION_TWO_PHASE(15, "subscription option two_phase"),
    SUBSCRIPTION_DISABLE_ON_ERROR(15, "subscription option disable_on_error"),
    SUBSCRIPTION_ORIGIN(16, "subscription option origin"),
    SUBSCRIPTION_RUN_AS_OWNER(16, "subscription option run_as_owner"),
    SUBSCRIPTION_PASSWORD_REQUIRED(16, "subscription option password_required"),
    SUBSCRIPTION_FAILOVER(17, "subscription option failover"),

    // What a publisher sends (protocol versions), checked on the publisher.
    PUBLISHER_STREAMING(14, "publisher streams large in-progress transactions"),
    PUBLISHER_PARALLEL_STREAMING(16, "publisher streams to parallel apply workers"),
    PUBLISHER_BINARY(14, "publisher sends binary column data"),
    PUBLISHER_TWO_PHASE(15, "publisher decodes prepared transactions"),
    PUBLISHER_ORIGIN_FILTER(16, "publisher filters changes by origin"),
    PUBLICATION_COLUMN_LISTS(15, "publication column lists"),
    PUBLICATION_ROW_FILTERS(15, "publication row filters"),
    PUBLICATION_FOR_TABLES_IN_SCHEMA(15, "publication FOR TABLES IN SCHEMA"),
    PUBLICATION_GENERATED_COLUMNS(18, "publication option publish_generated_columns (stored generated columns sent)"),

    // Type behaviour a conversion depends on, checked on the server that reads the values.
    NUMERIC_INFINITY(14, "numeric accepts Infinity and -Infinity"),

    // Monitoring.
    PROGRESS_COPY_VIEW(14, "pg_stat_progress_copy"),
    SYNC_STATE_FINISHED_COPY(14, "table sync state 'f' (finished copy)"),
    SUBSCRIPTION_STATS_VIEW(15, "pg_stat_subscription_stats"),
    SUBSCRIPTION_STATS_TABLE_SEQ_COLUMNS(19, "pg_stat_subscription_stats.sync_table_error_count (renamed in 19)"),
    SUBSCRIPTION_WORKER_TYPE(17, "pg_stat_subscription.worker_type"),
    SUBSCRIPTION_WORKER_LEADER_PID(16, "pg_stat_subscription.leader_pid (parallel apply workers name their leader)"),

    // The snapshot copy: ctid range conditions use a TID range scan instead of reading the whole table.
    TID_RANGE_SCAN(14, "TID range scans (ctid >= ... AND ctid < ...)"),

    // Maintenance.
    MAINTAIN_PRIVILEGE(17, "MAINTAIN privilege and pg_maintain role (VACUUM/ANALYZE without owning the table)"),

    // Roles and sequences.
    PG_CREATE_SUBSCRIPTION_ROLE(16, "predefined role pg_create_subscription"),
    SEQUENCE_REPLICATION(19, "sequences replicated on demand (REFRESH SEQUENCES)"),
    SEQUENCE_DATA_FUNCTION(18, "pg_get_sequence_data(regclass): last_value and is_called of a sequence, called or not"),

    // Settings a schema dump may SET (pg_dump 17+ writes SET transaction_timeout = 0).
    SETTING_TRANSACTION_TIMEOUT(17, "setting transaction_timeout"),

    // Constraints.
    UNIQUE_NULLS_NOT_DISTINCT(15, "UNIQUE NULLS NOT DISTINCT"),
    NOT_NULL_NOT_VALID(18, "NOT NULL constraints NOT VALID"),

    // Managed-service specifics.
    RDS_LOGICAL_REPLICATION_SETTING(0, Set.of(Flavour.RDS, Flavour.AURORA),
            "logical replication switched on by rds.logical_replication"),
    RDS_SUPERUSER_ROLE(0, Set.of(Flavour.RDS, Flavour.AURORA), "rds_superuser instead of a superuser"),
    AURORA_LOGICAL_START_LSN(0, Set.of(Flavour.AURORA), "aurora_volume_logical_start_lsn()");

    private final int sinceMajor;
    private final Set<Flavour> flavours;
    private final String description;

    Feature(int sinceMajor, String description) {
        this(sinceMajor, Set.of(Flavour.values()), description);
    }

    Feature(int sinceMajor, Set<Flavour> flavours, String description) {
        this.sinceMajor = sinceMajor;
        this.flavours = flavours;
        this.description = description;
    }

    /** The first major version that has it (0: any version of the flavours that have it). */
    public int sinceMajor() {
        return sinceMajor;
    }

    public Set<Flavour> flavours() {
        return flavours;
    }

    public String description() {
        return description;
    }
}
