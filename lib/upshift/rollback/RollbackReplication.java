package upshift.rollback;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.migration.MigrationNames;
import upshift.migration.PublishedTables;
import upshift.migration.ReplicationSlot;
import upshift.migration.Subscription;
import upshift.report.Progress;
import upshift.schema.Column;
import upshift.schema.SchemaComparison;
import upshift.schema.TableDrift;
import upshift.schema.TableSelection;
import upshift.server.Feature;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;
import upshift.sql.StatementRunner;
import upshift.subscription.ConnectionClause;
import upshift.subscription.SubscriptionOptions;

/**
 * Rollback replication after switchover: the destination publishes the same tables, the origin subscribes without
 * copying (it already holds every row up to the freeze; copying would fail on duplicate keys) and with only the
 * options its older version accepts. Never while the forward subscription is enabled: without origin = none on a
 * v13 publisher, a write would loop.
 */
public final class RollbackReplication {

    /**
     * What setup-rollback found and did.
     *
     * @param options the options of the rollback subscription's CREATE SUBSCRIPTION (JSON: {@code createOptions},
     *                option name to SQL value; null when the subscription existed already)
     */
    public record Result(String publication, String publicationAction, String subscription,
            String subscriptionAction, @com.fasterxml.jackson.annotation.JsonIgnore SubscriptionOptions options,
            List<QualifiedName> tables, List<QualifiedName> columnListTables, List<String> warnings) {

        @com.fasterxml.jackson.annotation.JsonProperty("createOptions")
        java.util.Map<String, String> createOptions() {
            return subscriptionAction.startsWith("already") ? null : options.ordered();
        }
    }

    private final Cluster origin;
    private final Cluster destination;
    private final MigrationNames names;
    private final StatementRunner runner;
    private final Progress out;

    public RollbackReplication(Cluster origin, Cluster destination, MigrationNames names, StatementRunner runner,
            Progress out) {
        this.origin = origin;
        this.destination = destination;
        this.names = names;
        this.runner = runner;
        this.out = out;
    }

    /**
     * Creates (or completes) the rollback publication and subscription; enables the subscription when asked.
     *
     * @param destinationConninfo how the origin server reaches the destination
     * @param selection           the replicated tables (as for the forward publication)
     */
    public Result setUp(String destinationConninfo, TableSelection selection, boolean enable) throws SQLException {
        Optional<PublishedTables> forward = PublishedTables.read(origin.connection(), names.publication());
        List<QualifiedName> tables = forward.isPresent() && !forward.get().tables().isEmpty()
                ? forward.get().tables()
                : selection.select(origin.connection()).stream().map(TableSelection.Table::name).toList();
        return setUp(destinationConninfo, tables, enable);
    }

    /**
     * The same for an explicit table list: the tables the forward publication replicated, which is what comes back
     * (not a selection by owner, which may select nothing for a role that owns no table).
     */
    public Result setUp(String destinationConninfo, List<QualifiedName> tables, boolean enable) throws SQLException {
        Optional<Subscription> forward = Subscription.find(destination.connection(), names.subscription());
        if (forward.isPresent() && forward.get().enabled()) {
            throw UpshiftException.checkFailed("the forward subscription " + names.subscription()
                    + " is still enabled on destination: running both directions at once would loop every write",
                    "switchover drops it; or cleanup --forward once the destination has everything");
        }
        return create(destinationConninfo, tables, enable, false);
    }

    /**
     * Creates the rollback publication and subscription (disabled) for a caller that has itself stopped the forward
     * subscription: switchover's prepare phase, where under --dry-run the DISABLE is only printed before this.
     */
    public Result prepareDisabled(String destinationConninfo, List<QualifiedName> tables) throws SQLException {
        return create(destinationConninfo, tables, false, false);
    }

    /**
     * Before switchover's freeze: the rollback publication, and the subscription disabled with no slot
     * ({@code slot_name = NONE}). Nothing streams and nothing is kept until the freeze creates the slot, after the
     * drain, and names it on the subscription: a slot made now would send back the changes still to be forwarded.
     */
    public Result prepareWithoutSlot(String destinationConninfo, List<QualifiedName> tables) throws SQLException {
        return create(destinationConninfo, tables, false, true);
    }

    private Result create(String destinationConninfo, List<QualifiedName> tables, boolean enable,
            boolean withoutSlot) throws SQLException {
        List<TableDrift> drifts = SchemaComparison.compare(origin.connection(), destination.connection(), tables);
        List<String> warnings = new ArrayList<>();
        List<QualifiedName> onBoth = new ArrayList<>();
        List<QualifiedName> needColumnList = new ArrayList<>();
        StringBuilder tableList = new StringBuilder();
        boolean columnLists = destination.facts().capabilities().has(Feature.PUBLICATION_COLUMN_LISTS);
        List<String> blockers = new ArrayList<>();
        for (TableDrift d : drifts) {
            if (!d.onDestination()) {
                warnings.add(d.table() + " is not on destination: not replicated back");
                continue;
            }
            onBoth.add(d.table());
            if (tableList.length() > 0) {
                tableList.append(", ");
            }
            tableList.append(d.table().sql());
            if (!d.destinationOnly().isEmpty()) {
                if (columnLists) {
                    needColumnList.add(d.table());
                    tableList.append(" (").append(d.columnList().stream()
                            .map(Sql::ident).collect(Collectors.joining(", "))).append(')');
                } else {
                    blockers.add(d.table() + " has destination-only column(s) "
                            + d.destinationOnly().stream().map(Column::name).toList());
                }
            }
            for (Column c : d.missingOnDestination()) {
                if (c.notNull() && c.defaultExpr() == null && !c.identity() && !c.generated()) {
                    warnings.add("origin requires " + d.table() + "." + c.name() + " (NOT NULL, no default) but the"
                            + " destination does not have it: rows inserted on destination stop rollback"
                            + " replication");
                }
            }
        }
        if (!blockers.isEmpty()) {
            throw UpshiftException.checkFailed("the origin cannot take rows published by the destination: "
                    + String.join("; ", blockers) + " (a PostgreSQL " + destination.facts().major()
                    + " publisher has no column lists)", "add those columns on origin, or drop them on destination");
        }
        if (onBoth.isEmpty()) {
            throw new UpshiftException("no replicated table exists on both sides", "check --owner and --schema");
        }
        warnings.forEach(out::warn);

        String publicationAction = publication(tableList.toString());
        String subscriptionAction = subscription(destinationConninfo, enable, withoutSlot);
        SubscriptionOptions options = withoutSlot ? options().withSlotNamedLater() : options();
        return new Result(names.rollbackPublication(), publicationAction, names.rollbackSubscription(),
                subscriptionAction, options, onBoth, needColumnList, warnings);
    }

    private String publication(String tableList) throws SQLException {
        Optional<PublishedTables> existing = PublishedTables.read(destination.connection(), names.rollbackPublication());
        if (existing.isPresent()) {
            return "already exists (" + existing.get().tables().size() + " tables)";
        }
        runner.execute(destination, "CREATE PUBLICATION " + Sql.ident(names.rollbackPublication()) + " FOR TABLE "
                + tableList);
        return runner.dryRun() ? "would create" : "created";
    }

    private SubscriptionOptions options() {
        return SubscriptionOptions.rollback(destination.facts().capabilities(), origin.facts().capabilities(),
                names.rollbackSlot());
    }

    private String subscription(String destinationConninfo, boolean enable, boolean withoutSlot)
            throws SQLException {
        String sub = Sql.ident(names.rollbackSubscription());
        Optional<Subscription> existing = Subscription.find(origin.connection(), names.rollbackSubscription());
        String action;
        boolean enabled;
        if (existing.isPresent()) {
            action = "already exists";
            enabled = existing.get().enabled();
        } else {
            if (ReplicationSlot.exists(destination.connection(), names.rollbackSlot())) {
                throw new UpshiftException("replication slot " + names.rollbackSlot() + " already exists on"
                        + " destination, but no subscription " + names.rollbackSubscription() + " on origin",
                        "drop it with cleanup --rollback --drop-orphaned-slots, then re-run");
            }
            ConnectionClause connection = new ConnectionClause(destinationConninfo, "destination_password");
            runner.scriptOnly(origin, connection.dryRunPreamble());
            runner.execute(origin, "CREATE SUBSCRIPTION " + sub + " "
                    + (runner.dryRun() ? connection.forDryRun() : connection.forExecution()) + " PUBLICATION "
                    + Sql.ident(names.rollbackPublication()) + " "
                    + (withoutSlot ? options().withSlotNamedLater() : options()).withClause());
            action = (runner.dryRun() ? "would create" : "created") + (withoutSlot ? " with no slot yet" : "");
            enabled = false;
        }
        if (enable && !enabled) {
            runner.execute(origin, "ALTER SUBSCRIPTION " + sub + " ENABLE");
            action += runner.dryRun() ? ", would enable" : ", enabled";
        } else if (enabled) {
            action += " (enabled)";
        } else {
            action += " (disabled)";
        }
        return action;
    }
}
