package upshift.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

import upshift.UpshiftException;
import upshift.connect.Cluster;

/**
 * The migrations that exist on the servers, by the names of their objects in the session's database: publications
 * {@code N_pub} / {@code N_rollback_pub}, subscriptions {@code N_sub} / {@code N_rollback_sub} and logical slots
 * {@code N_slot} / {@code N_rollback_slot}. A step that works on an existing migration refuses a {@code --name} that
 * names none of them (a typo there would otherwise act on nothing, or on something else), naming those that do
 * exist.
 */
public final class KnownMigrations {

    /** Every object name of the session's database that may belong to a migration (public columns only). */
    private static final String OBJECTS = """
            SELECT p.pubname AS name FROM pg_catalog.pg_publication p
            UNION
            SELECT s.subname FROM pg_catalog.pg_subscription s
             WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database())
            UNION
            SELECT r.slot_name FROM pg_catalog.pg_replication_slots r WHERE r.database = current_database()
            """;

    private static final List<String> SUFFIXES = List.of("_rollback_pub", "_rollback_sub", "_rollback_slot",
            "_pub", "_sub", "_slot");

    private KnownMigrations() {
    }

    /** The migration names whose objects exist on the server behind the session, sorted. */
    public static SortedSet<String> on(Connection connection) throws SQLException {
        SortedSet<String> names = new TreeSet<>();
        try (PreparedStatement st = connection.prepareStatement(OBJECTS); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                migrationOf(rs.getString(1)).ifPresent(names::add);
            }
        }
        return names;
    }

    /** The migration an object name belongs to: the name without its suffix, when that is a valid name. */
    static Optional<String> migrationOf(String object) {
        for (String suffix : SUFFIXES) {
            if (object.endsWith(suffix) && object.length() > suffix.length()) {
                String name = object.substring(0, object.length() - suffix.length());
                try {
                    return Optional.of(new MigrationNames(name).name());
                } catch (UpshiftException notAMigrationName) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /** The migrations on any of these servers, sorted. */
    public static SortedSet<String> on(List<Cluster> servers) {
        SortedSet<String> names = new TreeSet<>();
        for (Cluster server : servers) {
            try {
                names.addAll(on(server.connection()));
            } catch (SQLException e) {
                throw new UpshiftException("cannot list the migrations on " + server + ": " + e.getMessage(),
                        "the role needs to read pg_publication, pg_subscription and pg_replication_slots", e);
            }
        }
        return names;
    }

    /**
     * Refuses (usage error, exit 2) a migration of which nothing exists on these servers.
     *
     * @param step what needs it, for the message ("enable-subscription")
     */
    public static void require(MigrationNames names, List<Cluster> servers, String step) {
        SortedSet<String> known = on(servers);
        if (!known.contains(names.name())) {
            throw unknown(names, known, servers, step);
        }
    }

    /** The refusal: the name, where it was looked for, and the migrations that do exist (or how one starts). */
    public static UpshiftException unknown(MigrationNames names, SortedSet<String> known, List<Cluster> servers,
            String step) {
        String where = String.join(" or ", servers.stream().map(Cluster::role).toList());
        return UpshiftException.usage("no migration named \"" + names.name() + "\" on " + where + ": " + step
                + " needs one (publication " + names.publication() + ", subscription " + names.subscription()
                + " or their rollback twins)", known.isEmpty()
                        ? "none exists in these databases: create-publication starts one (--name NAME, default "
                                + MigrationNames.DEFAULT + ")"
                        : "the migrations here: " + String.join(", ", known) + " (pass --name "
                                + known.first() + ")");
    }
}
