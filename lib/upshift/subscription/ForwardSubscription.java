package upshift.subscription;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.connect.SameServer;
import upshift.copy.CopyState;
import upshift.copy.InitialCopy;
import upshift.copy.SnapshotCopy;
import upshift.migration.MigrationNames;
import upshift.migration.PublishedTables;
import upshift.migration.ReplicationSlot;
import upshift.migration.Subscription;
import upshift.report.Progress;
import upshift.schema.SchemaComparison;
import upshift.schema.TableDrift;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;
import upshift.sql.StatementRunner;

/**
 * The forward subscription (destination subscribes to origin's publication): creating it disabled with the options
 * both versions allow, and enabling it once the destination can take every replicated row.
 */
public final class ForwardSubscription {

    /** --binary: auto uses binary transfer only when every replicated column has the same type on both sides. */
    public enum BinaryMode { AUTO, ON, OFF }

    /**
     * What create-subscription or enable-subscription found and did, for --json and the summary.
     *
     * @param options the options CREATE SUBSCRIPTION used (or, under --dry-run, would use); null when this run did
     *                not create the subscription (JSON: {@code createOptions}, option name to SQL value)
     * @param copy    enable-subscription's snapshot copy, or null (native table sync, or create-subscription)
     */
    public record Result(String subscription, String action,
            @com.fasterxml.jackson.annotation.JsonIgnore SubscriptionOptions options, boolean binary,
            List<QualifiedName> refreshedTables, List<String> warnings, SnapshotCopy.Result copy) {

        Result(String subscription, String action, SubscriptionOptions options, boolean binary,
                List<QualifiedName> refreshedTables, List<String> warnings) {
            this(subscription, action, options, binary, refreshedTables, warnings, null);
        }

        @com.fasterxml.jackson.annotation.JsonProperty("createOptions")
        java.util.Map<String, String> createOptions() {
            return options == null ? null : options.ordered();
        }
    }

    private final Cluster origin;
    private final Cluster destination;
    private final MigrationNames names;
    private final StatementRunner runner;
    private final Progress out;

    public ForwardSubscription(Cluster origin, Cluster destination, MigrationNames names, StatementRunner runner,
            Progress out) {
        this.origin = origin;
        this.destination = destination;
        this.names = names;
        this.runner = runner;
        this.out = out;
    }

    /** create-subscription: CREATE SUBSCRIPTION ... WITH (enabled = false, ...); optional autovacuum pause. */
    public Result create(String originConninfo, BinaryMode binaryMode, boolean pauseAutovacuum) throws SQLException {
        return create(originConninfo, binaryMode, pauseAutovacuum, InitialCopy.NATIVE);
    }

    /**
     * The same, with the initial copy chosen: {@link InitialCopy#SNAPSHOT} creates the subscription with
     * {@code copy_data = false, create_slot = false} and records a pending snapshot copy on destination, which
     * enable-subscription runs; {@link InitialCopy#NATIVE} lets PostgreSQL's table sync copy.
     */
    public Result create(String originConninfo, BinaryMode binaryMode, boolean pauseAutovacuum,
            InitialCopy initialCopy) throws SQLException {
        PublishedTables publication = publication();
        Optional<Subscription> existing = Subscription.find(destination.connection(), names.subscription());
        if (existing.isPresent()) {
            if (pauseAutovacuum) {
                // a crash right after CREATE SUBSCRIPTION left the pause undone; already paused tables are skipped
                pauseAutovacuum(publication);
            }
            List<QualifiedName> refreshed = refreshIfEnabled(existing.get(), publication);
            return new Result(names.subscription(), "already exists (" + (existing.get().enabled() ? "enabled"
                    : "disabled") + ")", null, false, refreshed, List.of());
        }
        if (ReplicationSlot.exists(origin.connection(), names.slot())) {
            throw new UpshiftException("replication slot " + names.slot() + " already exists on origin, but no"
                    + " subscription " + names.subscription() + " on destination (left by an earlier attempt?)",
                    "drop it with cleanup --forward, or SELECT pg_drop_replication_slot(" + Sql.literal(names.slot())
                            + ") on origin");
        }
        List<TableDrift> drifts = SchemaComparison.compare(origin.connection(), destination.connection(),
                publication.tables());
        List<QualifiedName> missingTables = drifts.stream().filter(d -> !d.onDestination()).map(TableDrift::table)
                .toList();
        if (!missingTables.isEmpty()) {
            throw UpshiftException.checkFailed("the destination lacks published tables " + missingTables,
                    "restore the new schema first: dump-schema and restore-schema");
        }
        List<String> warnings = new ArrayList<>(driftWarnings(drifts));
        warnings.forEach(out::warn);

        boolean binary = switch (binaryMode) {
            case OFF -> false;
            case AUTO -> drifts.stream().allMatch(TableDrift::binarySafe);
            case ON -> {
                List<String> unsafe = drifts.stream().filter(d -> !d.binarySafe()).map(d -> d.table().toString())
                        .toList();
                if (!unsafe.isEmpty()) {
                    throw UpshiftException.checkFailed("--binary on, but column types differ in " + unsafe,
                            "binary transfer breaks when types differ (int vs bigint): use --binary auto or off");
                }
                yield true;
            }
        };
        SubscriptionOptions options = SubscriptionOptions.forward(origin.facts().capabilities(),
                destination.facts().capabilities(), names.slot(), binary);
        boolean snapshot = initialCopy == InitialCopy.SNAPSHOT;
        if (snapshot) {
            // enable-subscription creates the slot with an exported snapshot and copies under it
            options = options.forSnapshotCopy();
        } else if (SameServer.relation(origin, destination) != SameServer.Relation.DIFFERENT_SERVERS) {
            // another database of the same server (a rehearsal): CREATE SUBSCRIPTION creating the slot would wait
            // for its own transaction and hang, so the slot is made first, on origin, by a separate session
            runner.execute(origin, "SELECT pg_catalog.pg_create_logical_replication_slot(" + Sql.literal(names.slot())
                    + ", 'pgoutput')");
            options = options.withSlotCreatedBeforehand();
        }
        ConnectionClause connection = new ConnectionClause(originConninfo, "origin_password");
        runner.scriptOnly(destination, connection.dryRunPreamble());
        String head = "CREATE SUBSCRIPTION " + Sql.ident(names.subscription()) + " ";
        String tail = " PUBLICATION " + Sql.ident(names.publication()) + " " + options.withClause();
        if (snapshot) {
            CopyState.createStatements(names.subscription()).forEach(sql -> runner.execute(destination, sql));
        } else {
            nativeSyncNotes(binary && options.has("binary")).forEach(out::note);
        }
        runner.execute(destination, head + (runner.dryRun() ? connection.forDryRun() : connection.forExecution())
                + tail);
        if (pauseAutovacuum) {
            pauseAutovacuum(publication);
        }
        return new Result(names.subscription(), runner.dryRun() ? "would create (disabled)" : "created (disabled)",
                options, options.has("binary"), List.of(), warnings);
    }

    /**
     * enable-subscription: refuses (exit 3) while the destination cannot take every replicated row, unless forced;
     * enables; refreshes when the publication gained tables.
     */
    public Result enable(boolean force) throws SQLException {
        return enable(force, null, SnapshotCopy.DEFAULT_CHUNK_BYTES);
    }

    /**
     * The same; a subscription created for the snapshot copy gets its rows first, on {@code workers} sessions per
     * side (null: {@link SnapshotCopy#defaultWorkers}), and is enabled once every index and constraint is back.
     */
    public Result enable(boolean force, Integer workers, long chunkBytes) throws SQLException {
        PublishedTables publication = publication();
        Subscription state = Subscription.find(destination.connection(), names.subscription())
                .orElseThrow(() -> new UpshiftException("subscription " + names.subscription()
                        + " does not exist on destination", "run create-subscription first"));
        List<TableDrift> drifts = SchemaComparison.compare(origin.connection(), destination.connection(),
                publication.tables());
        List<String> blockers = blockers(drifts);
        if (!blockers.isEmpty()) {
            if (!force) {
                throw UpshiftException.checkFailed("the destination cannot take every replicated row yet: "
                        + String.join("; ", blockers), "run add-missing-columns (and fix the schema), or --force"
                        + " to enable anyway and watch it fail in monitor");
            }
            blockers.forEach(b -> out.warn("enabling anyway (--force): " + b));
        }
        SnapshotCopy.Result copy = null;
        Optional<CopyState.Phase> phase = CopyState.phase(destination.connection(), names.subscription());
        if (phase.isPresent() && phase.get() != CopyState.Phase.DONE) {
            if (workers != null && workers < 1) {
                throw UpshiftException.usage("--workers must be at least 1", "omit it for the default");
            }
            int n = workers != null ? workers : SnapshotCopy.defaultWorkers(origin.connection(),
                    destination.connection());
            if (runner.dryRun()) {
                // the copy needs the slot's exported snapshot, which only a running enable-subscription holds: a
                // pasted script must stop here, or it would start streaming into empty tables
                runner.scriptOnly(destination, "-- enable-subscription first copies the " + publication.tables().size()
                        + " tables under the slot's exported snapshot: not a psql step\n"
                        + "\\echo 'the initial snapshot copy is not a psql step: run enable-subscription itself;"
                        + " nothing was run'\n"
                        + "\\quit\n"
                        + "-- then, after the copy and the index rebuild:");
            } else {
                copy = new SnapshotCopy(origin, destination, names, out).chunkBytes(chunkBytes).run(publication.tables(),
                        publication.viaPartitionRoot(), n);
            }
        }
        String action;
        if (state.enabled()) {
            action = "already enabled";
        } else {
            if (state.slotName() == null && phase.isPresent()) {
                // created for the snapshot copy with slot_name = NONE: the copy has made the slot by now
                runner.execute(destination, "ALTER SUBSCRIPTION " + Sql.ident(names.subscription()) + " SET (slot_name = "
                        + Sql.literal(names.slot()) + ")");
            }
            runner.execute(destination, "ALTER SUBSCRIPTION " + Sql.ident(names.subscription()) + " ENABLE");
            action = runner.dryRun() ? "would enable" : "enabled";
            state = state.enabledNow();
        }
        List<QualifiedName> refreshed = refreshIfEnabled(state, publication);
        return new Result(names.subscription(), action, null, false, refreshed, force ? blockers : List.of(), copy);
    }

    /**
     * What the native table sync depends on and upshift does not change: max_sync_workers_per_subscription (tables
     * copied at once; a reload, and taken from max_logical_replication_workers, a restart), and binary transfer.
     */
    private List<String> nativeSyncNotes(boolean binary) {
        List<String> notes = new ArrayList<>();
        String sync = destination.facts().setting("max_sync_workers_per_subscription");
        String workers = destination.facts().setting("max_logical_replication_workers");
        if (sync != null) {
            notes.add("native table sync copies " + sync + " tables at a time (max_sync_workers_per_subscription on"
                    + " destination; raising it needs a reload, and it is bounded by max_logical_replication_workers = "
                    + workers + ", which needs a restart); upshift changes no server setting");
        }
        if (!binary) {
            notes.add("native table sync copies in text" + (origin.facts().capabilities().has(
                    upshift.server.Feature.PUBLISHER_BINARY) ? "" : " (a " + origin.facts().major()
                            + " publisher has no binary table sync)") + "; --initial-copy snapshot copies in"
                    + " binary where the types allow");
        }
        return notes;
    }

    private void pauseAutovacuum(PublishedTables publication) throws SQLException {
        AutovacuumPause.pauseStatements(destination.connection(), names, publication.tables())
                .forEach(sql -> runner.execute(destination, sql));
    }

    private PublishedTables publication() throws SQLException {
        return PublishedTables.read(origin.connection(), names.publication()).orElseThrow(() ->
                new UpshiftException("publication " + names.publication() + " does not exist on origin",
                        "run create-publication first"));
    }

    /** ALTER SUBSCRIPTION ... REFRESH PUBLICATION when the publication has tables the subscription lacks. */
    private List<QualifiedName> refreshIfEnabled(Subscription state, PublishedTables publication) {
        List<QualifiedName> newTables = publication.tables().stream().filter(t -> !state.tableNames().contains(t))
                .toList();
        if (newTables.isEmpty()) {
            return List.of();
        }
        if (!state.enabled()) {
            out.note("the publication has tables the subscription does not know yet " + newTables
                    + ": enable-subscription refreshes it");
            return List.of();
        }
        runner.execute(destination, "ALTER SUBSCRIPTION " + Sql.ident(names.subscription()) + " REFRESH PUBLICATION");
        return newTables;
    }

    /** What makes the apply fail: missing tables, missing columns, destination-only NOT NULL without default. */
    static List<String> blockers(List<TableDrift> drifts) {
        List<String> blockers = new ArrayList<>();
        for (TableDrift d : drifts) {
            if (!d.onDestination()) {
                blockers.add(d.table() + " is missing on destination");
                continue;
            }
            if (!d.missingOnDestination().isEmpty()) {
                blockers.add(d.table() + " lacks column(s) " + d.missingOnDestination().stream()
                        .map(c -> c.name()).toList() + " (add-missing-columns adds them)");
            }
            d.destinationOnlyRequired().forEach(c -> blockers.add(d.table() + "." + c.name()
                    + " is NOT NULL without default on destination only (every replicated INSERT fails)"));
        }
        return blockers;
    }

    private static List<String> driftWarnings(List<TableDrift> drifts) {
        return blockers(drifts).stream().map(b -> b + "; fix it before enable-subscription").toList();
    }
}
