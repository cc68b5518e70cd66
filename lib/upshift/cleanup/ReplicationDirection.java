package upshift.cleanup;

import upshift.connect.Cluster;
import upshift.migration.MigrationNames;

/**
 * The two replication set-ups a migration creates: forward (publication and slot on origin, subscription on
 * destination) and rollback (publication and slot on destination, subscription on origin).
 */
public enum ReplicationDirection {
    FORWARD,
    ROLLBACK;

    public String subscription(MigrationNames names) {
        return this == FORWARD ? names.subscription() : names.rollbackSubscription();
    }

    public String publication(MigrationNames names) {
        return this == FORWARD ? names.publication() : names.rollbackPublication();
    }

    public String slot(MigrationNames names) {
        return this == FORWARD ? names.slot() : names.rollbackSlot();
    }

    /** The side holding the publication and the slot. */
    public Cluster publisher(Cluster origin, Cluster destination) {
        return this == FORWARD ? origin : destination;
    }

    /** The side holding the subscription. */
    public Cluster subscriber(Cluster origin, Cluster destination) {
        return this == FORWARD ? destination : origin;
    }

    /** "forward" or "rollback", as the options spell it. */
    public String label() {
        return this == FORWARD ? "forward" : "rollback";
    }
}
