package upshift.status;

/**
 * A publication, subscription or replication slot of this migration found on one server.
 *
 * @param kind    "publication", "subscription" or "slot"
 * @param name    its name
 * @param state   one word: "present", "enabled"/"disabled" for subscriptions, "active"/"inactive" for slots
 * @param detail  what else an operator wants to see (table count, retained WAL)
 */
public record MigrationObject(String kind, String name, String state, String detail) {
}
