package upshift.status;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;

import upshift.UpshiftException;
import upshift.columns.AddedColumns;
import upshift.connect.Cluster;
import upshift.migration.CutoverRecord;
import upshift.migration.MigrationNames;
import upshift.server.Capabilities;
import upshift.server.Feature;
import upshift.server.ServerFacts;
import upshift.switchover.WriteFreeze;
import upshift.verify.NotReplicated;

/**
 * What status shows for one side: the server, its settings and capabilities, and this migration's objects.
 *
 * @param cutover an unfinished switchover (recorded on origin) or switchback (on destination), as its record says,
 *                e.g. "switchover drained (freeze hard since ...)"; null when none is under way
 * @param notReplicated on origin, once its publication exists: the database's tables it does not carry (unlogged,
 *                other owners, default exclusions, ...); empty otherwise
 */
public record ClusterStatus(
        String role,
        String endpoint,
        String version,
        int major,
        String flavour,
        String user,
        boolean superuser,
        boolean replicationRole,
        Set<String> memberOf,
        boolean logicalReplicationEnabled,
        Map<String, String> settings,
        Set<Feature> capabilities,
        List<MigrationObject> objects,
        List<String> frozenRoles,
        int frozenTables,
        List<AddedColumnName> addedColumns,
        String cutover,
        List<NotReplicated> notReplicated) {

    /** Whether upshift's freeze (triggers, or read-only application roles) holds writes on this side. */
    public boolean frozen() {
        return frozenTables > 0 || !frozenRoles.isEmpty();
    }

    /** A column add-missing-columns added: its table and name ({@code public.shop_product.is_legacy} in text). */
    public record AddedColumnName(upshift.sql.QualifiedName table, String column) {
        @Override
        public String toString() {
            return table + "." + column;
        }
    }

    public static ClusterStatus of(Cluster cluster, MigrationNames names) {
        ServerFacts facts = cluster.facts();
        Capabilities caps = facts.capabilities();
        List<MigrationObject> objects;
        List<String> frozen;
        int frozenTables;
        List<AddedColumnName> added;
        String cutover;
        List<NotReplicated> notReplicated;
        try {
            objects = MigrationObjects.find(cluster.connection(), names);
            frozen = WriteFreeze.frozenRoles(cluster.connection());
            frozenTables = WriteFreeze.frozenTables(cluster.connection(), names).size();
            added = AddedColumns.marked(cluster.connection(), names).stream()
                    .map(c -> new AddedColumnName(c.table(), c.column())).toList();
            // the record of a switchover (on origin) or switchback (on destination) that has not finished
            String publication = cluster.role().equals("origin") ? names.publication() : names.rollbackPublication();
            cutover = CutoverRecord.read(cluster.connection(), publication)
                    .filter(r -> !r.reached(CutoverRecord.DONE))
                    .map(r -> r.step() + " " + r.stage() + " (freeze " + r.freezeMode() + " since " + r.frozenAt()
                            + ")")
                    .orElse(null);
            notReplicated = cluster.role().equals("origin")
                    ? NotReplicated.outsidePublication(cluster.connection(), names.publication(), facts.user())
                    : List.of();
        } catch (SQLException e) {
            throw new UpshiftException("cannot list replication objects on " + cluster + ": " + e.getMessage(),
                    "the role needs to read pg_publication, pg_subscription and pg_replication_slots", e);
        }
        return new ClusterStatus(cluster.role(), cluster.endpoint().toString(), facts.version(), facts.major(),
                facts.flavour().label(), facts.user(), facts.superuser(), facts.replicationRole(), facts.memberOf(),
                facts.logicalReplicationEnabled(), facts.settings(), caps.features(), objects, frozen, frozenTables,
                added, cutover, notReplicated);
    }
}
