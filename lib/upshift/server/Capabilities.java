package upshift.server;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/** What one server can do, keyed by its major version and flavour: the capability table upshift consults. */
public final class Capabilities {

    private final int major;
    private final Flavour flavour;
    private final Set<Feature> features;

    private Capabilities(int major, Flavour flavour) {
        this.major = major;
        this.flavour = flavour;
        EnumSet<Feature> set = EnumSet.noneOf(Feature.class);
        for (Feature f : Feature.values()) {
            if (major >= f.sinceMajor() && f.flavours().contains(flavour)) {
                set.add(f);
            }
        }
        this.features = Collections.unmodifiableSet(set);
    }

    public static Capabilities of(int major, Flavour flavour) {
        if (major < 10) {
            throw new IllegalArgumentException("PostgreSQL " + major + " has no built-in logical replication");
        }
        return new Capabilities(major, flavour);
    }

    public int major() {
        return major;
    }

    public Flavour flavour() {
        return flavour;
    }

    public boolean has(Feature feature) {
        return features.contains(feature);
    }

    /** Every feature this server has, in table order. */
    public Set<Feature> features() {
        return features;
    }

    /** The setting that switches logical decoding on: wal_level, or rds.logical_replication on RDS and Aurora. */
    public String logicalReplicationSetting() {
        return has(Feature.RDS_LOGICAL_REPLICATION_SETTING) ? "rds.logical_replication" : "wal_level";
    }

    /** pg_stat_subscription_stats' column counting table-sync errors (renamed in 19), or null before 15. */
    public String tableSyncErrorCountColumn() {
        if (!has(Feature.SUBSCRIPTION_STATS_VIEW)) {
            return null;
        }
        return has(Feature.SUBSCRIPTION_STATS_TABLE_SEQ_COLUMNS) ? "sync_table_error_count" : "sync_error_count";
    }

    @Override
    public String toString() {
        return "PostgreSQL " + major + " (" + flavour.label() + ")";
    }
}
