package upshift.migration;

import upshift.connect.Cluster;

/**
 * The two replications of one migration: forward (origin publishes, the subscription lives on destination) and
 * rollback (destination publishes back to origin after switchover). Switchover drains the forward one and starts
 * the rollback one; switchback drains the rollback one and may start the forward one again.
 */
public enum Direction {
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

    /** The side that holds the publication and the slot. */
    public Cluster publisher(Cluster origin, Cluster destination) {
        return this == FORWARD ? origin : destination;
    }

    /** The side that holds the subscription. */
    public Cluster subscriber(Cluster origin, Cluster destination) {
        return this == FORWARD ? destination : origin;
    }

    public Direction opposite() {
        return this == FORWARD ? ROLLBACK : FORWARD;
    }

    /** "forward" or "rollback", as the options spell it. */
    public String label() {
        return this == FORWARD ? "forward" : "rollback";
    }

    /** For headings: "forward (origin → destination)". */
    public String description() {
        return this == FORWARD ? "forward (origin → destination)" : "rollback (destination → origin)";
    }
}
