package upshift.status;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;

import upshift.UpshiftException;
import upshift.columns.AddedColumns;
import upshift.connect.Cluster;
import upshift.migration.MigrationNames;
import upshift.server.Capabilities;
import upshift.server.Feature;
import upshift.server.ServerFacts;
import upshift.switchover.WriteFreeze;

/** What status shows for one side: the server, its settings and capabilities, and this migration's objects. */
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
        List<String> addedColumns) {

    /** Whether upshift's freeze (triggers, or read-only application roles) holds writes on this side. */
    public boolean frozen() {
        return frozenTables > 0 || !frozenRoles.isEmpty();
    }

    public static ClusterStatus of(Cluster cluster, MigrationNames names) {
        ServerFacts facts = cluster.facts();
        Capabilities caps = facts.capabilities();
        List<MigrationObject> objects;
        List<String> frozen;
        int frozenTables;
        List<String> added;
        try {
            objects = MigrationObjects.find(cluster.connection(), names);
            frozen = WriteFreeze.frozenRoles(cluster.connection());
            frozenTables = WriteFreeze.frozenTables(cluster.connection(), names).size();
            added = AddedColumns.marked(cluster.connection(), names).stream()
                    .map(c -> c.table() + "." + c.column()).toList();
        } catch (SQLException e) {
            throw new UpshiftException("cannot list replication objects on " + cluster + ": " + e.getMessage(),
                    "the role needs to read pg_publication, pg_subscription and pg_replication_slots", e);
        }
        return new ClusterStatus(cluster.role(), cluster.endpoint().toString(), facts.version(), facts.major(),
                facts.flavour().label(), facts.user(), facts.superuser(), facts.replicationRole(), facts.memberOf(),
                facts.logicalReplicationEnabled(), facts.settings(), caps.features(), objects, frozen, frozenTables,
                added);
    }
}
