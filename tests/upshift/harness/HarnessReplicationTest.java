package upshift.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.sql.Sql;

/**
 * Proves the harness itself: a provider's 13 and 16 servers can replicate logically from one to the other with
 * the conninfo the provider hands out ({@link PgServer#peerConninfo(String)}).
 */
class HarnessReplicationTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String DATABASE = "harness_replication";
    private static final String PUBLICATION = "harness_pub";
    private static final String SUBSCRIPTION = "harness_sub";

    @ParameterizedTest(name = "13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void aRowInsertedOn13ArrivesOn16(PgProvider provider) throws Exception {
        PgServer origin = Providers.shared(provider, 13);
        PgServer destination = Providers.shared(provider, 16);
        origin.createDatabase(DATABASE);
        destination.createDatabase(DATABASE);

        try (Connection publisher = connect(origin); Connection subscriber = connect(destination)) {
            String table = "CREATE TABLE item (id bigint PRIMARY KEY, label text NOT NULL)";
            execute(publisher, table);
            execute(subscriber, table);
            execute(publisher, "INSERT INTO item VALUES (1, 'copied by the initial sync')");
            execute(publisher, "CREATE PUBLICATION " + Sql.ident(PUBLICATION) + " FOR TABLE item");
            execute(subscriber, "CREATE SUBSCRIPTION " + Sql.ident(SUBSCRIPTION)
                    + " CONNECTION " + Sql.literal(origin.peerConninfo(DATABASE))
                    + " PUBLICATION " + Sql.ident(PUBLICATION));
            try {
                awaitValue(subscriber, "SELECT count(*) FILTER (WHERE srsubstate <> 'r') || '/' || count(*)"
                        + " FROM pg_subscription_rel", "0/1", "the initial sync of table item to finish");
                assertEquals("copied by the initial sync", value(subscriber, "SELECT label FROM item WHERE id = 1"));

                execute(publisher, "INSERT INTO item VALUES (2, 'streamed after the sync')");
                awaitValue(subscriber, "SELECT label FROM item WHERE id = 2", "streamed after the sync",
                        "row 2, inserted on " + origin.major() + ", to reach " + destination.major());
            } finally {
                execute(subscriber, "DROP SUBSCRIPTION IF EXISTS " + Sql.ident(SUBSCRIPTION));
            }
            assertEquals("0", value(publisher, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = "
                    + Sql.literal(SUBSCRIPTION)), "DROP SUBSCRIPTION removes its slot on the origin");
        }
    }

    private static Connection connect(PgServer server) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(DATABASE), server.superuser(), server.password());
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** The first column of the first row, or null when there is no row. */
    private static String value(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** Polls {@code sql} until it returns {@code expected}; fails after {@link #PATIENCE} saying what it saw. */
    private static void awaitValue(Connection connection, String sql, String expected, String what)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        List<String> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            String actual = value(connection, sql);
            if (expected.equals(actual)) {
                return;
            }
            if (seen.isEmpty() || !String.valueOf(actual).equals(seen.get(seen.size() - 1))) {
                seen.add(String.valueOf(actual));
            }
            Thread.sleep(200);
        }
        fail("waited " + PATIENCE.toSeconds() + " s for " + what + "; expected " + expected + ", saw " + seen
                + "; subscription state: " + value(connection, "SELECT string_agg(subname || ' pid=' || "
                + "coalesce(pid::text, 'none') || ' received=' || coalesce(received_lsn::text, 'none'), '; ')"
                + " FROM pg_stat_subscription") + ". The subscriber's server log says why.");
    }
}
