package upshift.publication;

import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.migration.PublishedTables;
import upshift.report.Output;
import upshift.report.Table;
import upshift.schema.TableSelection;
import upshift.sql.QualifiedName;

/** The create-publication step: which tables, the plan, and what it tells the operator. */
public final class PublicationStep {

    private PublicationStep() {
    }

    /**
     * The tables to publish. Unlogged tables cannot be published (warned). Tables without a replica identity are
     * refused (exit 3): publishing them makes every UPDATE and DELETE on them fail on the production origin.
     */
    public static List<TableSelection.Table> selectTables(Cluster origin, TableSelection selection, Output out,
            boolean allowMissingReplicaIdentity) {
        List<TableSelection.Table> candidates;
        try {
            candidates = selection.candidates(origin.connection());
        } catch (SQLException e) {
            throw new UpshiftException("cannot list origin tables: " + e.getMessage(),
                    "the origin role needs to read pg_class", e);
        }
        candidates.stream().filter(t -> !t.excluded() && t.unlogged()).forEach(t ->
                out.warn(t.name() + " is UNLOGGED: it cannot be published and will not be replicated"));
        List<TableSelection.Table> selected = candidates.stream().filter(t -> !t.excluded() && !t.unlogged())
                .toList();
        if (selected.isEmpty()) {
            throw new UpshiftException("no tables to publish: role \"" + selection.owner()
                    + "\" owns none outside the exclusions " + selection.excludes(),
                    "check --owner, --schema and --exclude");
        }
        List<QualifiedName> withoutIdentity = selected.stream().filter(t -> !t.hasReplicaIdentity())
                .map(TableSelection.Table::name).toList();
        if (!withoutIdentity.isEmpty()) {
            String fix = withoutIdentity.stream()
                    .map(t -> "ALTER TABLE " + t.sql() + " ADD PRIMARY KEY (...) -- or REPLICA IDENTITY FULL")
                    .collect(Collectors.joining("; "));
            if (!allowMissingReplicaIdentity) {
                throw UpshiftException.checkFailed("refusing to publish " + withoutIdentity.size()
                        + " table(s) without a primary key or replica identity: " + withoutIdentity
                        + " (UPDATE and DELETE on them would fail on origin)", fix);
            }
            out.warn("publishing tables without replica identity, UPDATE/DELETE on them will fail on origin: "
                    + withoutIdentity);
        }
        return selected;
    }

    public static PublicationPlan plan(Cluster origin, String publication, List<TableSelection.Table> selected,
            boolean prune) {
        Optional<PublishedTables> existing;
        try {
            existing = PublishedTables.read(origin.connection(), publication);
        } catch (SQLException e) {
            throw new UpshiftException("cannot read publication " + publication + ": " + e.getMessage(),
                    "the origin role needs to read pg_publication", e);
        }
        if (existing.isPresent() && existing.get().allTables()) {
            throw new UpshiftException("publication " + publication + " exists and is FOR ALL TABLES",
                    "upshift publishes an explicit table list: drop it (cleanup) or pick another --name");
        }
        return PublicationPlan.of(publication, selected, existing, prune);
    }

    /** The JSON document: the plan, and whether it only was printed (--dry-run) rather than run. */
    record Result(@com.fasterxml.jackson.annotation.JsonUnwrapped PublicationPlan plan, boolean dryRun) {
    }

    public static void report(Output out, PublicationPlan plan, boolean dryRun) {
        if (out.json()) {
            out.json(new Result(plan, dryRun));
            return;
        }
        String verb = dryRun ? "would " : "";
        if (!plan.exists()) {
            out.note("Publication " + plan.publication() + (dryRun ? " would be created" : " created") + " with "
                    + plan.toAdd().size() + " tables" + (plan.needsPartitionRoot() ? " (publish_via_partition_root)" : "")
                    + ".");
        } else if (plan.toAdd().isEmpty()) {
            out.note("Publication " + plan.publication() + " already publishes all " + plan.alreadyPublished().size()
                    + " selected tables.");
        } else {
            out.note("Publication " + plan.publication() + " existed; " + verb + "add " + plan.toAdd().size()
                    + " table(s) that appeared since: " + plan.toAdd());
            out.note("The subscription picks them up when enable-subscription runs again"
                    + " (ALTER SUBSCRIPTION ... REFRESH PUBLICATION copies them).");
        }
        if (!plan.notSelected().isEmpty()) {
            out.warn("published but no longer selected: " + plan.notSelected()
                    + (plan.statements().stream().anyMatch(s -> s.contains(" DROP TABLE ")) ? " (" + verb + "removed)"
                            : " (kept; --prune removes them)"));
        }
        if (!dryRun) {
            Table table = Table.of("published table", "status");
            plan.alreadyPublished().forEach(t -> table.row(t, "already published"));
            plan.toAdd().forEach(t -> table.row(t, plan.exists() ? "added" : "published"));
            out.table(table);
        }
    }
}
