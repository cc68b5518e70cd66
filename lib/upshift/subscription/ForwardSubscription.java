package upshift.subscription;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.connect.SameServer;
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
     */
    public record Result(String subscription, String action,
            @com.fasterxml.jackson.annotation.JsonIgnore SubscriptionOptions options, boolean binary,
            List<QualifiedName> refreshedTables, List<String> warnings) {

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
        if (SameServer.relation(origin, destination) != SameServer.Relation.DIFFERENT_SERVERS) {
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
        String action;
        if (state.enabled()) {
            action = "already enabled";
        } else {
            runner.execute(destination, "ALTER SUBSCRIPTION " + Sql.ident(names.subscription()) + " ENABLE");
            action = runner.dryRun() ? "would enable" : "enabled";
            state = state.enabledNow();
        }
        List<QualifiedName> refreshed = refreshIfEnabled(state, publication);
        return new Result(names.subscription(), action, null, false, refreshed, force ? blockers : List.of());
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
