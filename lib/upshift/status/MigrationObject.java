package upshift.status;

/**
 * A publication, subscription or replication slot of this migration found on one server.
 *
 * @param kind    "publication", "subscription" or "slot"
 * @param name    its name
 * @param state   one word: "present", "enabled"/"disabled" for subscriptions, "active"/"inactive" for slots
 * @param detail  what else an operator wants to see (table count, retained WAL)
 * @param tables  tables published or subscribed (null for slots)
 * @param ready   subscribed tables in state ready (null unless a subscription)
 */
public record MigrationObject(String kind, String name, String state, String detail, Integer tables,
        Integer ready) {
}
