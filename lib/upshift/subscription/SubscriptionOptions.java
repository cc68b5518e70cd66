package upshift.subscription;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

import upshift.server.Capabilities;
import upshift.server.Feature;
import upshift.sql.Sql;

/**
 * The WITH (...) options of CREATE SUBSCRIPTION, chosen from what both servers' versions accept: a v13 subscriber
 * rejects options it does not know, and a publisher older than 14 cannot stream in-progress transactions anyway.
 */
public final class SubscriptionOptions {

    private final Map<String, String> options;

    private SubscriptionOptions(Map<String, String> options) {
        this.options = options;
    }

    /**
     * The forward subscription (destination subscribes to origin): initial copy, a new slot, created disabled, and
     * every option both sides allow that makes the copy and the apply faster or failures visible.
     *
     * @param binary binary transfer; only safe when every replicated column has the same type on both sides
     */
    public static SubscriptionOptions forward(Capabilities publisher, Capabilities subscriber, String slot,
            boolean binary) {
        Map<String, String> o = common(true, publisher, subscriber, slot);
        if (binary && subscriber.has(Feature.SUBSCRIPTION_BINARY) && publisher.has(Feature.PUBLISHER_BINARY)) {
            o.put("binary", "true");
        }
        return new SubscriptionOptions(o);
    }

    /**
     * The rollback subscription (origin subscribes to destination) after switchover: no copy (origin already holds
     * every row up to the freeze, and copying would fail on duplicate keys), a new slot, created disabled, and only
     * the options the origin's older version accepts.
     */
    public static SubscriptionOptions rollback(Capabilities publisher, Capabilities subscriber, String slot) {
        return new SubscriptionOptions(common(false, publisher, subscriber, slot));
    }

    /** What both directions have: a new slot, created disabled, and the options the subscriber's version allows. */
    private static Map<String, String> common(boolean copyData, Capabilities publisher, Capabilities subscriber,
            String slot) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("copy_data", Boolean.toString(copyData));
        o.put("create_slot", "true");
        o.put("slot_name", Sql.literal(slot));
        o.put("enabled", "false");
        addStreaming(o, publisher, subscriber);
        if (subscriber.has(Feature.SUBSCRIPTION_DISABLE_ON_ERROR)) {
            o.put("disable_on_error", "true");
        }
        if (subscriber.has(Feature.SUBSCRIPTION_RUN_AS_OWNER)) {
            o.put("run_as_owner", "true");
        }
        return o;
    }

    private static void addStreaming(Map<String, String> o, Capabilities publisher, Capabilities subscriber) {
        if (subscriber.has(Feature.SUBSCRIPTION_STREAMING_PARALLEL)
                && publisher.has(Feature.PUBLISHER_PARALLEL_STREAMING)) {
            o.put("streaming", "parallel");
        } else if (subscriber.has(Feature.SUBSCRIPTION_STREAMING) && publisher.has(Feature.PUBLISHER_STREAMING)) {
            o.put("streaming", "on");
        }
    }

    /**
     * The same options for a slot created beforehand (create_slot = false): a subscription to another database
     * of its own server cannot create its slot itself, which waits for every running transaction, its own too.
     */
    public SubscriptionOptions withSlotCreatedBeforehand() {
        Map<String, String> o = new LinkedHashMap<>(options);
        o.put("create_slot", "false");
        return new SubscriptionOptions(o);
    }

    /**
     * The same options for upshift's snapshot copy: no table sync (upshift copies the rows) and no slot yet:
     * enable-subscription creates the slot with the snapshot the copy reads, and only then names it on the
     * subscription, so that streaming starts exactly where the copy's snapshot ends. Until then the subscription
     * names no slot, as the catalog should say: a DROP SUBSCRIPTION in between has no slot to drop and succeeds.
     */
    public SubscriptionOptions forSnapshotCopy() {
        Map<String, String> o = new LinkedHashMap<>(options);
        o.put("copy_data", "false");
        o.put("create_slot", "false");
        o.put("slot_name", "NONE");
        return new SubscriptionOptions(o);
    }

    /**
     * The same options for a way back prepared before a switchover's freeze: no slot yet. The cutover creates the
     * slot inside the freeze, once the drain proves where the last forwarded change is, and names it on the
     * subscription; until then nothing streams and no WAL is kept, and a DROP SUBSCRIPTION has no slot to drop.
     */
    public SubscriptionOptions withSlotNamedLater() {
        Map<String, String> o = new LinkedHashMap<>(options);
        o.put("create_slot", "false");
        o.put("slot_name", "NONE");
        return new SubscriptionOptions(o);
    }

    /** Option name to its SQL value, in the order they are written. */
    public Map<String, String> asMap() {
        return Map.copyOf(options);
    }

    /** Option name to its SQL value, in the order they are written (the JSON contract's {@code createOptions}). */
    public Map<String, String> ordered() {
        return java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(options));
    }

    public boolean has(String option) {
        return options.containsKey(option);
    }

    public String get(String option) {
        return options.get(option);
    }

    /** {@code WITH (copy_data = true, ...)}. */
    public String withClause() {
        return "WITH (" + options.entrySet().stream().map(e -> e.getKey() + " = " + e.getValue())
                .collect(Collectors.joining(", ")) + ")";
    }

    @Override
    public String toString() {
        return withClause();
    }
}
