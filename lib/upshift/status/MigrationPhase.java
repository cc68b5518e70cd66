package upshift.status;

import java.util.Optional;

import upshift.migration.MigrationNames;

/**
 * Where the migration is in the runbook, derived from what exists on both servers (nothing is stored elsewhere).
 */
public final class MigrationPhase {

    private MigrationPhase() {
    }

    /** A short description of the phase and the next step, or null when a side is missing. */
    public static String of(ClusterStatus origin, ClusterStatus destination, MigrationNames names) {
        if (origin == null || destination == null) {
            return null;
        }
        Optional<MigrationObject> publication = find(origin, "publication", names.publication());
        Optional<MigrationObject> subscription = find(destination, "subscription", names.subscription());
        Optional<MigrationObject> rollbackSubscription = find(origin, "subscription", names.rollbackSubscription());
        Optional<MigrationObject> rollbackPublication = find(destination, "publication", names.rollbackPublication());
        boolean frozen = origin.frozen();
        boolean destinationFrozen = destination.frozen();
        int added = destination.addedColumns().size();

        if (subscription.isPresent()) {
            MigrationObject sub = subscription.get();
            if (frozen || origin.cutover() != null) {
                return "switchover in progress: " + (origin.cutover() != null ? origin.cutover() + "; " : "")
                        + (frozen ? "origin writes frozen (" + freeze(origin) + ")" : "origin not frozen by upshift")
                        + "; re-run switchover to finish, or switchover --abort";
            }
            if (!"enabled".equals(sub.state())) {
                return "forward subscription created, disabled: next enable-subscription"
                        + " (or it was disabled by an apply error: see monitor)";
            }
            if (sub.ready() != null && sub.tables() != null && sub.ready() < sub.tables()) {
                return "initial copy: " + sub.ready() + "/" + sub.tables() + " tables ready (monitor --until ready)";
            }
            return destinationFrozen ? "switched back, destination follows origin again (frozen: " + freeze(destination)
                    + "); next switchover for a second attempt" : "streaming: every table ready; next vacuum-analyze,"
                            + " then switchover";
        }
        if (rollbackSubscription.isPresent()) {
            if (destinationFrozen || destination.cutover() != null) {
                return "switchback in progress: " + (destination.cutover() != null ? destination.cutover() + "; "
                        : "") + (destinationFrozen ? "destination writes frozen (" + freeze(destination) + ")"
                                : "destination not frozen by upshift")
                        + "; re-run switchback to finish, or switchback --abort";
            }
            return "switched over: destination is primary, rollback replication "
                    + rollbackSubscription.get().state() + (frozen ? ", origin frozen (" + freeze(origin) + ")" : "")
                    + "; the way back: switchback; when no longer needed: cleanup --rollback";
        }
        if (destinationFrozen) {
            return "switched back: origin is primary again, destination frozen (" + freeze(destination)
                    + "); when done: cleanup --rollback, cleanup --forward";
        }
        if (publication.isPresent()) {
            return frozen ? "switched over without rollback replication: next cleanup --forward"
                    : "publication created: next create-subscription";
        }
        if (rollbackPublication.isPresent()) {
            return "rollback publication left on destination: cleanup --rollback";
        }
        if (added > 0) {
            return "replication removed; " + added + " added column(s) left on destination: drop-added-columns";
        }
        return "nothing of migration \"" + names.name() + "\" on either server (not started, or finished)"
                + (frozen ? "; origin, the old primary, still rejects writes (" + freeze(origin) + ")" : "");
    }

    private static String freeze(ClusterStatus side) {
        return side.frozenTables() > 0 ? side.frozenTables() + " table(s) reject writes"
                : "read-only roles " + side.frozenRoles();
    }

    private static Optional<MigrationObject> find(ClusterStatus side, String kind, String name) {
        return side.objects().stream().filter(o -> o.kind().equals(kind) && o.name().equals(name)).findFirst();
    }
}
