package upshift.cleanup;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import upshift.UpshiftException;
import upshift.cleanup.CleanupReport.Action;
import upshift.cleanup.CleanupReport.OrphanedSlot;
import upshift.connect.Cluster;
import upshift.copy.CopyState;
import upshift.migration.Direction;
import upshift.migration.MigrationNames;
import upshift.migration.PublishedTables;
import upshift.migration.ReplicationSlot;
import upshift.migration.Subscription;
import upshift.report.Progress;
import upshift.sql.Sql;
import upshift.sql.StatementRunner;
import upshift.status.MigrationObject;
import upshift.status.MigrationObjects;

/**
 * cleanup: drops what one migration created, forward and/or rollback: the subscription (disabled first, then
 * dropped together with its slot through the publisher connection; when that connection fails or the slot is
 * already gone, detached from its slot and dropped, the slot then dropped directly on the publisher), the slot and
 * the publication. It also finds orphaned slots (inactive logical slots no subscription of this migration uses) on
 * both servers, and drops those named after this migration when asked to.
 *
 * <p>First {@link #plan} (read-only), then the caller confirms, then {@link #execute}.
 */
public final class ReplicationCleanup {

    /** How long a slot whose subscription was just stopped may stay in use before cleanup gives up on it. */
    static final Duration SLOT_RELEASE_WAIT = Duration.ofSeconds(30);

    private final Cluster origin;
    private final Cluster destination;
    private final MigrationNames names;
    private final StatementRunner runner;
    private final Progress out;

    public ReplicationCleanup(Cluster origin, Cluster destination, MigrationNames names, StatementRunner runner,
            Progress out) {
        this.origin = origin;
        this.destination = destination;
        this.names = names;
        this.runner = runner;
        this.out = out;
    }

    /** One direction's objects as found. {@code slots}: every slot name to handle, with the slot if it exists. */
    record PairPlan(Direction direction, Cluster subscriber, Cluster publisher,
            Optional<Subscription> subscription, Map<String, Optional<ReplicationSlot>> slots, boolean publicationExists,
            String publication) {

        boolean anythingToDrop() {
            return subscription.isPresent() || publicationExists
                    || slots.values().stream().anyMatch(Optional::isPresent);
        }
    }

    /** An inactive logical slot on one server that no subscription of this migration uses. */
    record Orphan(Cluster server, ReplicationSlot slot, boolean thisMigration) {

        boolean droppable() {
            return thisMigration && slot.inCurrentDatabase();
        }
    }

    /** What cleanup will do: read from both servers, nothing changed yet. */
    public record Plan(List<PairPlan> pairs, List<Orphan> orphans, boolean dropOrphans) {

        /** Whether executing it changes anything (no confirmation needed when not). */
        public boolean changesAnything() {
            return pairs.stream().anyMatch(PairPlan::anythingToDrop)
                    || dropOrphans && orphans.stream().anyMatch(Orphan::droppable);
        }

        /** The confirmation question: every object that will be dropped, by server. */
        public String question() {
            Map<String, List<String>> byServer = new LinkedHashMap<>();
            for (PairPlan p : pairs) {
                p.subscription().ifPresent(s -> byServer.computeIfAbsent(p.subscriber().role(), k -> new ArrayList<>())
                        .add("subscription " + s.name() + " (" + (s.enabled() ? "enabled" : "disabled") + ", "
                                + s.tables().size() + " tables)"));
                if (p.publicationExists()) {
                    byServer.computeIfAbsent(p.publisher().role(), k -> new ArrayList<>())
                            .add("publication " + p.publication());
                }
                p.slots().values().stream().flatMap(Optional::stream).forEach(s -> byServer
                        .computeIfAbsent(p.publisher().role(), k -> new ArrayList<>())
                        .add("slot " + s.name() + " (" + s.retainedText() + " WAL retained)"));
            }
            if (dropOrphans) {
                orphans.stream().filter(Orphan::droppable).forEach(o -> byServer
                        .computeIfAbsent(o.server().role(), k -> new ArrayList<>())
                        .add("orphaned slot " + o.slot().name() + " (" + o.slot().retainedText() + " WAL retained)"));
            }
            StringBuilder text = new StringBuilder("cleanup: drops, for good");
            byServer.forEach((server, objects) -> {
                text.append("\n  on ").append(server).append(':');
                objects.forEach(o -> text.append("\n    - ").append(o));
            });
            return text.append("\n  point of no return: the first DROP. A dropped slot cannot be brought back: that"
                    + " replication would need a new subscription and a new initial copy.").toString();
        }
    }

    /** Reads both servers: this migration's objects in the given directions, and orphaned slots. Changes nothing. */
    public Plan plan(Set<Direction> directions, boolean dropOrphans) {
        reach(origin, directions);
        reach(destination, directions);
        try {
            List<PairPlan> pairs = new ArrayList<>();
            for (Direction d : directions) {
                pairs.add(pair(d));
            }
            return new Plan(pairs, orphans(pairs), dropOrphans);
        } catch (SQLException e) {
            throw new UpshiftException("cannot read the replication catalogs: " + e.getMessage(),
                    "the roles need to read pg_subscription, pg_publication and pg_replication_slots", e);
        }
    }

    private PairPlan pair(Direction d) throws SQLException {
        Cluster subscriber = d.subscriber(origin, destination);
        Cluster publisher = d.publisher(origin, destination);
        Optional<Subscription> sub = Subscription.find(subscriber.connection(), d.subscription(names));
        Set<String> slotNames = new LinkedHashSet<>();
        sub.map(Subscription::slotName).ifPresent(slotNames::add);
        slotNames.add(d.slot(names));
        List<ReplicationSlot> present = ReplicationSlot.logical(publisher.connection());
        Map<String, Optional<ReplicationSlot>> slots = new LinkedHashMap<>();
        for (String name : slotNames) {
            slots.put(name, present.stream().filter(s -> s.name().equals(name)).findFirst());
        }
        boolean publication = PublishedTables.read(publisher.connection(), d.publication(names)).isPresent();
        return new PairPlan(d, subscriber, publisher, sub, slots, publication, d.publication(names));
    }

    /**
     * Inactive, non-temporary logical slots on either server, minus the ones this run handles anyway and the ones
     * a subscription of this migration (forward or rollback, whichever exists) uses, table-sync slots included.
     */
    private List<Orphan> orphans(List<PairPlan> pairs) throws SQLException {
        List<Orphan> orphans = new ArrayList<>();
        for (Direction d : Direction.values()) {
            Cluster publisher = d.publisher(origin, destination);
            Cluster subscriber = d.subscriber(origin, destination);
            Set<String> used = new LinkedHashSet<>();
            List<String> usedPrefixes = new ArrayList<>();
            Optional<Subscription> sub = Subscription.find(subscriber.connection(), d.subscription(names));
            if (sub.isPresent()) {
                sub.map(Subscription::slotName).ifPresent(used::add);
                usedPrefixes.add("pg_" + sub.get().oid() + "_sync_");
            }
            pairs.stream().filter(p -> p.publisher() == publisher).forEach(p -> used.addAll(p.slots().keySet()));
            for (ReplicationSlot s : ReplicationSlot.logical(publisher.connection())) {
                if (s.active() || s.temporary() || used.contains(s.name())
                        || usedPrefixes.stream().anyMatch(s.name()::startsWith)) {
                    continue;
                }
                orphans.add(new Orphan(publisher, s, ofThisMigration(s.name())));
            }
        }
        return orphans;
    }

    /** Named after this migration: the name itself, or the name followed by an underscore and more. */
    boolean ofThisMigration(String slot) {
        return slot.equals(names.name()) || slot.startsWith(names.name() + "_");
    }

    /** Opens the session now; when the publisher side cannot be reached, says how to drop a subscription anyway. */
    private void reach(Cluster cluster, Set<Direction> directions) {
        try {
            cluster.connection();
        } catch (UpshiftException e) {
            List<String> manual = new ArrayList<>();
            for (Direction d : directions) {
                if (d.publisher(origin, destination) == cluster) {
                    String sub = Sql.ident(d.subscription(names));
                    manual.add("on " + d.subscriber(origin, destination).role() + ": ALTER SUBSCRIPTION " + sub
                            + " DISABLE; ALTER SUBSCRIPTION " + sub + " SET (slot_name = NONE); DROP SUBSCRIPTION "
                            + sub + ";");
                }
            }
            String hint = (e.hint() == null ? "check the connection" : e.hint()) + (manual.isEmpty() ? "" : "; if that server is gone for good, drop the"
                    + " subscription by hand: " + String.join(" ", manual));
            throw new UpshiftException(e.getMessage(), hint, e.exitCode(), e);
        }
    }

    // ---- executing --------------------------------------------------------------------------------------------

    /** Drops what the plan found (or prints the SQL under --dry-run) and reports every object. */
    public CleanupReport execute(Plan plan) {
        List<Action> actions = new ArrayList<>();
        try {
            for (PairPlan p : plan.pairs()) {
                drop(p, actions);
            }
        } catch (SQLException e) {
            throw new UpshiftException("cannot read the replication catalogs: " + e.getMessage(),
                    "the roles need to read pg_subscription, pg_publication and pg_replication_slots", e);
        }
        List<OrphanedSlot> orphans = new ArrayList<>();
        boolean complete = actions.stream().allMatch(Action::done);
        for (Orphan o : plan.orphans()) {
            OrphanedSlot result = orphan(o, plan.dropOrphans());
            orphans.add(result);
            if (result.result().startsWith("not dropped")) {
                complete = false;
            }
        }
        List<String> remaining = runner.dryRun() ? List.of() : remaining();
        return new CleanupReport(names.name(), plan.pairs().stream().map(p -> p.direction().label()).toList(),
                runner.dryRun(), actions, orphans, remaining, complete);
    }

    private void drop(PairPlan p, List<Action> actions) throws SQLException {
        Direction d = p.direction();
        Cluster subscriber = p.subscriber();
        Cluster publisher = p.publisher();
        Set<String> droppedWithSubscription = new LinkedHashSet<>();
        boolean stoppedSubscription = false;

        Optional<Subscription> found = p.subscription();
        if (found.isEmpty()) {
            actions.add(new Action(subscriber.role(), "subscription", d.subscription(names), "already gone", "", true));
        } else {
            Subscription sub = found.get();
            String ident = Sql.ident(sub.name());
            stoppedSubscription = true;
            if (sub.enabled()) {
                runner.execute(subscriber, "ALTER SUBSCRIPTION " + ident + " DISABLE");
            }
            String slot = sub.slotName();
            boolean slotOnPublisher = slot != null && p.slots().getOrDefault(slot, Optional.empty()).isPresent();
            String detail;
            if (slotOnPublisher) {
                runner.scriptOnly(subscriber, "-- DROP SUBSCRIPTION also drops slot " + slot + " on " + publisher.role()
                        + "; if the " + subscriber.role() + " server cannot reach it, run instead:\n"
                        + "--   ALTER SUBSCRIPTION " + ident + " SET (slot_name = NONE);\n"
                        + "--   DROP SUBSCRIPTION " + ident + ";\n"
                        + "--   and on " + publisher.role() + ": " + ReplicationSlot.dropSql(slot) + ";");
                try {
                    runner.execute(subscriber, "DROP SUBSCRIPTION " + ident);
                    droppedWithSubscription.add(slot);
                    detail = "with its slot " + slot + " on " + publisher.role();
                } catch (UpshiftException e) {
                    String reason = serverMessage(e);
                    out.warn("DROP SUBSCRIPTION " + sub.name() + " could not drop slot " + slot + " through the "
                            + subscriber.role() + " server's connection to " + publisher.role() + " (" + reason
                            + "): detaching the slot and dropping it directly instead");
                    detach(subscriber, ident);
                    detail = "slot detached first (" + reason + ")";
                }
            } else {
                if (slot != null) {
                    detach(subscriber, ident);
                    detail = "its slot " + slot + " was already gone on " + publisher.role() + "; detached first";
                } else {
                    runner.execute(subscriber, "DROP SUBSCRIPTION " + ident);
                    detail = "it had no slot (slot_name = NONE)";
                }
            }
            actions.add(new Action(subscriber.role(), "subscription", sub.name(), dropped(), detail, true));
        }

        for (Map.Entry<String, Optional<ReplicationSlot>> entry : p.slots().entrySet()) {
            String name = entry.getKey();
            if (entry.getValue().isEmpty()) {
                actions.add(new Action(publisher.role(), "slot", name, "already gone", "", true));
                continue;
            }
            if (droppedWithSubscription.contains(name)) {
                if (runner.dryRun() || ReplicationSlot.find(publisher.connection(), name).isEmpty()) {
                    actions.add(new Action(publisher.role(), "slot", name, dropped(), "by DROP SUBSCRIPTION", true));
                    continue;
                }
            }
            actions.add(dropSlot(publisher, entry.getValue().get(), stoppedSubscription));
        }

        if (!p.publicationExists()) {
            actions.add(new Action(publisher.role(), "publication", d.publication(names), "already gone", "", true));
        } else {
            runner.execute(publisher, "DROP PUBLICATION IF EXISTS " + Sql.ident(d.publication(names)));
            actions.add(new Action(publisher.role(), "publication", d.publication(names), dropped(), "", true));
        }
        if (d == Direction.FORWARD) { // only the forward subscription has a snapshot copy
            forgetCopyRecord(subscriber, d.subscription(names), actions);
        }
    }

    /**
     * The snapshot copy's record of the subscription on its subscriber (schema {@value CopyState#SCHEMA}), once the
     * subscription is gone: forgotten, and the schema dropped when nothing else is in it. Indexes and constraints an
     * interrupted copy dropped and never rebuilt keep their recorded definitions, which cleanup lists.
     */
    private void forgetCopyRecord(Cluster subscriber, String subscription, List<Action> actions) throws SQLException {
        CopyState.Leftover left = CopyState.leftover(subscriber.connection(), subscription);
        if (!left.present()) {
            return;
        }
        CopyState.forgetStatements(subscription, left).forEach(sql -> runner.execute(subscriber, sql));
        String record = "schema " + CopyState.SCHEMA;
        if (!left.notRebuilt().isEmpty()) {
            out.warn(left.notRebuilt().size() + " index(es) and constraint(s) the snapshot copy dropped on "
                    + subscriber.role() + " were never rebuilt (the copy was interrupted); their definitions stay in "
                    + CopyState.SCHEMA + ".deferred_object: " + String.join("; ", left.notRebuilt().stream()
                            .map(CopyState.Deferred::create).toList()));
            actions.add(new Action(subscriber.role(), "copy record", record, "kept", left.notRebuilt().size()
                    + " index and constraint definitions never rebuilt are recorded there", true));
        } else if (left.schemaCanGo()) {
            actions.add(new Action(subscriber.role(), "copy record", record, dropped(), left.recorded()
                    ? "the snapshot copy's record of " + subscription : "no record left in it", true));
        } else {
            actions.add(new Action(subscriber.role(), "copy record", record, "kept", left.recorded()
                    ? subscription + "'s record forgotten; " + (left.othersRecorded()
                            ? "another migration's copy is recorded there" : "it holds other objects")
                    : "it holds another migration's record or other objects", true));
        }
    }

    /** ALTER SUBSCRIPTION ... SET (slot_name = NONE) (the subscription is disabled by now) and DROP SUBSCRIPTION. */
    private void detach(Cluster subscriber, String ident) {
        runner.execute(subscriber, "ALTER SUBSCRIPTION " + ident + " SET (slot_name = NONE)");
        runner.execute(subscriber, "DROP SUBSCRIPTION " + ident);
    }

    /**
     * Drops one slot on the publisher directly. A slot still in use is left alone, unless this run just stopped the
     * subscription that used it: its WAL sender then gets a bounded while to let go.
     */
    private Action dropSlot(Cluster publisher, ReplicationSlot planned, boolean justStopped) throws SQLException {
        String server = publisher.role();
        if (!planned.inCurrentDatabase()) {
            return new Action(server, "slot", planned.name(), "kept", "it belongs to database " + planned.database()
                    + ": connect there and run " + planned.dropSql(), false);
        }
        if (runner.dryRun()) {
            if (planned.active() && !justStopped) {
                runner.scriptOnly(publisher, "-- slot " + planned.name() + " is in use (WAL sender pid "
                        + planned.activePid() + "): cleanup would leave it");
                return new Action(server, "slot", planned.name(), "kept", "in use by WAL sender pid "
                        + planned.activePid(), false);
            }
            runner.execute(publisher, planned.dropSql());
            return new Action(server, "slot", planned.name(), "would drop", planned.retainedText() + " WAL retained",
                    true);
        }
        Optional<ReplicationSlot> now = ReplicationSlot.find(publisher.connection(), planned.name());
        if (now.isPresent() && now.get().active() && justStopped) {
            now = waitUntilReleased(publisher, planned.name());
        }
        if (now.isEmpty()) {
            return new Action(server, "slot", planned.name(), "already gone", "", true);
        }
        if (now.get().active()) {
            return new Action(server, "slot", planned.name(), "kept", "in use by WAL sender pid "
                    + now.get().activePid() + " (a subscriber elsewhere streams from it): find it in"
                    + " pg_stat_replication on " + server, false);
        }
        runner.execute(publisher, planned.dropSql());
        return new Action(server, "slot", planned.name(), "dropped", now.get().retainedText() + " WAL released", true);
    }

    private Optional<ReplicationSlot> waitUntilReleased(Cluster publisher, String slot) throws SQLException {
        long deadline = System.nanoTime() + SLOT_RELEASE_WAIT.toNanos();
        Optional<ReplicationSlot> now = ReplicationSlot.find(publisher.connection(), slot);
        while (now.isPresent() && now.get().active() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            now = ReplicationSlot.find(publisher.connection(), slot);
        }
        return now;
    }

    private OrphanedSlot orphan(Orphan o, boolean drop) {
        ReplicationSlot s = o.slot();
        String result;
        if (!o.thisMigration()) {
            result = "kept: not named after migration " + names.name();
        } else if (!s.inCurrentDatabase()) {
            result = "kept: belongs to database " + s.database();
        } else if (!drop) {
            result = "kept: --drop-orphaned-slots drops it";
        } else {
            try {
                runner.execute(o.server(), s.dropSql());
                result = dropped();
            } catch (UpshiftException e) {
                result = "not dropped: " + e.getMessage();
            }
        }
        return new OrphanedSlot(o.server().role(), s.name(), s.database(), s.walStatus(), s.retainedBytes(),
                s.retained(), o.thisMigration(), result, s.dropSql());
    }

    private List<String> remaining() {
        List<String> remaining = new ArrayList<>();
        for (Cluster c : List.of(origin, destination)) {
            try {
                for (MigrationObject o : MigrationObjects.find(c.connection(), names)) {
                    remaining.add(c.role() + ": " + o.kind() + " " + o.name() + " (" + o.state()
                            + (o.detail().isEmpty() ? "" : ", " + o.detail()) + ")");
                }
            } catch (SQLException e) {
                throw new UpshiftException("cannot list what is left on " + c + ": " + e.getMessage(),
                        "run status to see it", e);
            }
        }
        return remaining;
    }

    /** The server's own words (first line) when a statement failed, else the message. */
    private static String serverMessage(UpshiftException e) {
        String message = e.getCause() instanceof SQLException sql && sql.getMessage() != null ? sql.getMessage()
                : e.getMessage();
        int nl = message.indexOf('\n');
        return nl >= 0 ? message.substring(0, nl) : message;
    }

    private String dropped() {
        return runner.dryRun() ? "would drop" : "dropped";
    }
}
