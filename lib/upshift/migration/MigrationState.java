package upshift.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * This migration's objects on one server, both directions, read at once: its publications (with the number of
 * tables each publishes), its subscriptions in the session's database (through {@link Subscription}, so a
 * non-superuser on 13 can read them) and its replication slots. Everything in name order.
 */
public record MigrationState(List<PublicationState> publications, List<Subscription> subscriptions,
        List<ReplicationSlot> slots) {

    private static final String PUBLICATIONS = """
            SELECT p.pubname,
                   (SELECT count(*) FROM pg_catalog.pg_publication_tables t WHERE t.pubname = p.pubname) AS tables
              FROM pg_catalog.pg_publication p
             WHERE p.pubname = ANY (?)
             ORDER BY p.pubname
            """;

    public MigrationState {
        publications = List.copyOf(publications);
        subscriptions = List.copyOf(subscriptions);
        slots = List.copyOf(slots);
    }

    /** A publication of this migration and how many tables it publishes (pg_publication_tables). */
    public record PublicationState(String name, long tables) {
    }

    /** Reads the migration's publications, subscriptions and slots on the server behind the session. */
    public static MigrationState read(Connection connection, MigrationNames names) throws SQLException {
        List<PublicationState> publications = new ArrayList<>();
        try (PreparedStatement st = connection.prepareStatement(PUBLICATIONS)) {
            st.setArray(1, connection.createArrayOf("text",
                    new String[] {names.publication(), names.rollbackPublication()}));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    publications.add(new PublicationState(rs.getString("pubname"), rs.getLong("tables")));
                }
            }
        }
        List<Subscription> subscriptions = new ArrayList<>();
        for (String name : List.of(names.subscription(), names.rollbackSubscription()).stream().sorted().toList()) {
            Subscription.find(connection, name).ifPresent(subscriptions::add);
        }
        List<ReplicationSlot> slots = ReplicationSlot.named(connection, List.of(names.slot(), names.rollbackSlot()));
        return new MigrationState(publications, subscriptions, slots);
    }

    public Optional<PublicationState> publication(String name) {
        return publications.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    public Optional<Subscription> subscription(String name) {
        return subscriptions.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public Optional<ReplicationSlot> slot(String name) {
        return slots.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** Whether nothing of this migration exists on the server. */
    public boolean isEmpty() {
        return publications.isEmpty() && subscriptions.isEmpty() && slots.isEmpty();
    }
}
