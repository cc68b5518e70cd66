package upshift.monitor;

import upshift.connect.Cluster;
import upshift.migration.MigrationNames;

/**
 * Which replication monitor watches: forward (origin publishes, the subscription and its tables live on
 * destination) or rollback (destination publishes back to origin after switchover).
 */
public enum Direction {
    FORWARD,
    ROLLBACK;

    public String subscription(MigrationNames names) {
        return this == FORWARD ? names.subscription() : names.rollbackSubscription();
    }

    public String slot(MigrationNames names) {
        return this == FORWARD ? names.slot() : names.rollbackSlot();
    }

    public String publication(MigrationNames names) {
        return this == FORWARD ? names.publication() : names.rollbackPublication();
    }

    /** The side that holds the publication and the slot. */
    public Cluster publisher(Cluster origin, Cluster destination) {
        return this == FORWARD ? origin : destination;
    }

    /** The side that holds the subscription. */
    public Cluster subscriber(Cluster origin, Cluster destination) {
        return this == FORWARD ? destination : origin;
    }

    public String label() {
        return this == FORWARD ? "forward (origin → destination)" : "rollback (destination → origin)";
    }
}
