package upshift.copy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

import org.postgresql.PGConnection;
import org.postgresql.replication.ReplicationSlotInfo;

import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.sql.Queries;

/**
 * The forward slot, created over a replication connection, and the snapshot it exports: the copy reads exactly the
 * rows the slot's first change follows. The snapshot lives only while this connection is open, so it stays open for
 * the whole copy.
 */
public final class ExportedSnapshot implements AutoCloseable {

    private final Connection replication;
    private final ReplicationSlotInfo slot;

    private ExportedSnapshot(Connection replication, ReplicationSlotInfo slot) {
        this.replication = replication;
        this.slot = slot;
    }

    /** CREATE_REPLICATION_SLOT slot LOGICAL pgoutput (EXPORT_SNAPSHOT, the default) on origin. */
    public static ExportedSnapshot create(Cluster origin, String slotName) {
        Properties props = origin.endpoint().jdbcProperties(origin.settings());
        props.setProperty("replication", "database");
        props.setProperty("assumeMinServerVersion", "10");
        props.setProperty("preferQueryMode", "simple");
        Connection c;
        try {
            c = DriverManager.getConnection(origin.endpoint().jdbcUrl(), props);
        } catch (SQLException e) {
            throw new UpshiftException("cannot open a replication connection to origin " + origin.endpoint() + ": "
                    + Queries.firstLine(e.getMessage()), "the origin user needs the REPLICATION attribute (RDS:"
                            + " rds_replication) and a pg_hba.conf line for database connections", e);
        }
        try {
            ReplicationSlotInfo info = c.unwrap(PGConnection.class).getReplicationAPI().createReplicationSlot()
                    .logical().withSlotName(slotName).withOutputPlugin("pgoutput").make();
            if (info.getSnapshotName() == null) {
                throw new UpshiftException("origin created slot " + slotName + " but exported no snapshot",
                        "drop the slot (cleanup --forward) and use --initial-copy native");
            }
            return new ExportedSnapshot(c, info);
        } catch (SQLException e) {
            close(c);
            throw new UpshiftException("cannot create replication slot " + slotName + " on origin: "
                    + Queries.firstLine(e.getMessage()), "check max_replication_slots and max_wal_senders on origin", e);
        }
    }

    public String name() {
        return slot.getSnapshotName();
    }

    /** Where streaming starts: the slot's consistent point. */
    public String consistentPoint() {
        return slot.getConsistentPoint().asString();
    }

    @Override
    public void close() {
        close(replication);
    }

    private static void close(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // the snapshot is released either way
        }
    }
}
