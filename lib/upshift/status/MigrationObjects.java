package upshift.status;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import upshift.migration.MigrationNames;
import upshift.migration.MigrationState;
import upshift.migration.ReplicationSlot;
import upshift.migration.Subscription;
import upshift.migration.SyncState;

/** This migration's publications, subscriptions and slots on one server, in both directions, as status lists them. */
public final class MigrationObjects {

    private MigrationObjects() {
    }

    /** Every object of this migration (forward and rollback) that exists on the server behind the session. */
    public static List<MigrationObject> find(Connection connection, MigrationNames names) throws SQLException {
        return of(MigrationState.read(connection, names));
    }

    /** The objects of a state already read. */
    public static List<MigrationObject> of(MigrationState state) {
        List<MigrationObject> found = new ArrayList<>();
        for (MigrationState.PublicationState p : state.publications()) {
            found.add(new MigrationObject("publication", p.name(), "present", p.tables() + " tables",
                    (int) p.tables(), null));
        }
        for (Subscription s : state.subscriptions()) {
            int tables = s.tables().size();
            int ready = (int) s.tables().stream().filter(t -> t.state() == SyncState.READY).count();
            found.add(new MigrationObject("subscription", s.name(), s.enabled() ? "enabled" : "disabled",
                    ready + "/" + tables + " tables ready, slot " + s.slotName(), tables, ready));
        }
        for (ReplicationSlot s : state.slots()) {
            found.add(new MigrationObject("slot", s.name(), s.active() ? "active" : "inactive",
                    s.retained() == null ? "" : s.retained() + " WAL retained", null, null));
        }
        return found;
    }
}
