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

    /** Every object of the session's database that may belong to a migration: its kind and name. */
    private static final String OBJECTS = """
            SELECT 'publication' AS kind, p.pubname AS name FROM pg_catalog.pg_publication p
            UNION ALL
            SELECT 'subscription', s.subname FROM pg_catalog.pg_subscription s
             WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database())
            UNION ALL
            SELECT 'slot', r.slot_name FROM pg_catalog.pg_replication_slots r WHERE r.database = current_database()
            """;

    private KnownMigrations() {
    }

    /**
     * The name an object of migration N has on that side: origin holds the forward publication N_pub and slot
     * N_slot and the rollback subscription N_rollback_sub; destination the forward subscription N_sub and the
     * rollback publication N_rollback_pub and slot N_rollback_slot. Knowing the side makes x_rollback_pub
     * unambiguous (x's rollback publication on destination, the forward one of x_rollback on origin).
     */
    static String suffix(String role, String kind) {
        boolean origin = role.equals("origin");
        return switch (kind) {
            case "publication" -> origin ? "_pub" : "_rollback_pub";
            case "subscription" -> origin ? "_rollback_sub" : "_sub";
            case "slot" -> origin ? "_slot" : "_rollback_slot";
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /** The migration an object of that kind on that side belongs to, when its name has the suffix. */
    static Optional<String> migrationOf(String role, String kind, String object) {
        String suffix = suffix(role, kind);
        if (!object.endsWith(suffix) || object.length() <= suffix.length()) {
            return Optional.empty();
        }
        String name = object.substring(0, object.length() - suffix.length());
        try {
            return Optional.of(new MigrationNames(name).name());
        } catch (UpshiftException notAMigrationName) {
            return Optional.empty();
        }
    }

    /** The migrations whose objects exist on the server behind the session (on that side), sorted. */
    public static SortedSet<String> on(Connection connection, String role) throws SQLException {
        SortedSet<String> names = new TreeSet<>();
        try (PreparedStatement st = connection.prepareStatement(OBJECTS); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                migrationOf(role, rs.getString("kind"), rs.getString("name")).ifPresent(names::add);
            }
        }
        return names;
    }

    /** The migrations on any of these servers, sorted. */
    public static SortedSet<String> on(List<Cluster> servers) {
        SortedSet<String> names = new TreeSet<>();
        for (Cluster server : servers) {
            try {
                names.addAll(on(server.connection(), server.role()));
            } catch (SQLException e) {
                throw new UpshiftException("cannot list the migrations on " + server + ": " + e.getMessage(),
                        "the role needs to read pg_publication, pg_subscription and pg_replication_slots", e);
            }
        }
        return names;
    }

    /** Whether anything of this migration exists on any of these servers. */
    public static boolean exists(MigrationNames names, List<Cluster> servers) {
        return on(servers).contains(names.name());
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
