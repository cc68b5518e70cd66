package upshift.harness;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import upshift.sql.Sql;

/** Fresh databases on a shared test server, whatever replication objects an earlier test left in them. */
final class Databases {

    private static final int SLOT_DROP_ATTEMPTS = 10;

    private Databases() {
    }

    /**
     * Drops the database with what would stop a plain DROP DATABASE ... WITH (FORCE) — subscriptions in it
     * (detached from their remote slots, which belong to the publisher) and replication slots of it — then
     * creates it empty.
     */
    static void recreate(PgServer server, String name) {
        try {
            try (Connection connection = connect(server, "postgres")) {
                if (!exists(connection, name)) {
                    execute(connection, "CREATE DATABASE " + Sql.ident(name));
                    return;
                }
            }
            try (Connection connection = connect(server, name)) {
                dropSubscriptions(connection);
            }
            try (Connection connection = connect(server, "postgres")) {
                dropReplicationSlots(connection, name);
                execute(connection, "DROP DATABASE IF EXISTS " + Sql.ident(name) + " WITH (FORCE)");
                execute(connection, "CREATE DATABASE " + Sql.ident(name));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + name + " on " + server + ": "
                    + e.getMessage(), e);
        }
    }

    private static Connection connect(PgServer server, String database) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(database), server.superuser(), server.password());
    }

    private static boolean exists(Connection connection, String database) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            query.setString(1, database);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next();
            }
        }
    }

    private static void dropSubscriptions(Connection connection) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT subname FROM pg_subscription"
                        + " WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
            while (rows.next()) {
                names.add(rows.getString(1));
            }
        }
        for (String subscription : names) {
            String ident = Sql.ident(subscription);
            execute(connection, "ALTER SUBSCRIPTION " + ident + " DISABLE");
            execute(connection, "ALTER SUBSCRIPTION " + ident + " SET (slot_name = NONE)");
            execute(connection, "DROP SUBSCRIPTION " + ident);
        }
    }

    /** A subscriber elsewhere may reconnect between terminating its walsender and the drop: a few tries. */
    private static void dropReplicationSlots(Connection connection, String database) throws SQLException {
        String terminate = "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
                + " WHERE database = ? AND active_pid IS NOT NULL";
        String drop = "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                + " WHERE database = ? AND NOT active";
        String remaining = "SELECT count(*) FROM pg_replication_slots WHERE database = ?";
        for (int attempt = 1;; attempt++) {
            for (String sql : List.of(terminate, drop)) {
                try (PreparedStatement statement = connection.prepareStatement(sql)) {
                    statement.setString(1, database);
                    statement.execute();
                }
            }
            try (PreparedStatement statement = connection.prepareStatement(remaining)) {
                statement.setString(1, database);
                try (ResultSet rows = statement.executeQuery()) {
                    rows.next();
                    if (rows.getInt(1) == 0) {
                        return;
                    }
                }
            }
            if (attempt == SLOT_DROP_ATTEMPTS) {
                throw new SQLException("replication slots of database " + database + " stay active");
            }
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while dropping replication slots", e);
            }
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
