package upshift.cleanup;

import java.util.List;

/**
 * What cleanup found and did, for --json and the summary.
 *
 * @param migration     the migration name
 * @param directions    "forward" and/or "rollback"
 * @param dryRun        whether the SQL was only printed
 * @param actions       one entry per object of the cleaned-up direction(s)
 * @param orphanedSlots inactive logical slots on either server that no subscription of this migration uses
 * @param remaining     this migration's objects still present afterwards (not filled under --dry-run)
 * @param complete      false when an object that should have been dropped is still there
 */
public record CleanupReport(String migration, List<String> directions, boolean dryRun, List<Action> actions,
        List<OrphanedSlot> orphanedSlots, List<String> remaining, boolean complete) {

    /**
     * One publication, subscription or slot of the cleaned-up direction(s).
     *
     * @param server "origin" or "destination"
     * @param kind   "subscription", "publication" or "slot"
     * @param name   its name
     * @param result "dropped", "would drop", "already gone", "kept"
     * @param detail how (e.g. "slot detached: publisher unreachable") or why it was kept
     * @param done   false when it should be gone and is not
     */
    public record Action(String server, String kind, String name, String result, String detail, boolean done) {
    }

    /**
     * An inactive logical slot no subscription of this migration uses. Such a slot keeps WAL on its server for
     * ever (until the disk fills up).
     *
     * @param server         "origin" or "destination"
     * @param slot           slot name
     * @param database       the database it belongs to
     * @param walStatus      pg_replication_slots.wal_status
     * @param retainedBytes  WAL held back, in bytes (null when unknown)
     * @param retained       the same, as a person reads it (text report only)
     * @param thisMigration  its name starts with this migration's name: --drop-orphaned-slots may drop it
     * @param result         "dropped", "would drop", "kept" with the reason
     * @param dropSql        the statement that drops it, to run in a session on {@code database}
     */
    public record OrphanedSlot(String server, String slot, String database, String walStatus, Long retainedBytes,
            @com.fasterxml.jackson.annotation.JsonIgnore String retained, boolean thisMigration, String result, String dropSql) {
    }
}
