package upshift.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.harness.PgProvider;
import upshift.harness.PgServer;

/** The server log is read when the role may (superuser, logging_collector on) and quietly skipped otherwise. */
class ServerLogReadTest {

    @ParameterizedTest(name = "server log on 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void readsTheLastReplicationErrorOnlyWhenAllowed(PgProvider provider) throws Exception {
        // with logging_collector the "ready to accept connections" line goes to a file, not to the container's
        // stderr that the container provider waits for
        Assumptions.assumeTrue(provider.name().equals("embedded"), "needs a server with logging_collector = on");
        try (PgServer server = provider.start(16, Map.of("logging_collector", "on"))) {
            String message = "logical replication target relation \"public.shop_product\" is missing replicated"
                    + " column: \"legacy_code\"";
            try (Connection c = DriverManager.getConnection(server.jdbcUrl("postgres"), server.superuser(),
                    server.password()); Statement st = c.createStatement()) {
                try {
                    st.execute("DO $$ BEGIN RAISE EXCEPTION '%', '" + message.replace("'", "''") + "'; END $$");
                } catch (java.sql.SQLException expected) {
                    // the error is what the log should now hold
                }
                Optional<String> found = Optional.empty();
                long deadline = System.nanoTime() + 30_000_000_000L; // the logger process writes asynchronously
                while (found.isEmpty() && System.nanoTime() < deadline) {
                    found = ServerLog.lastReplicationError(c);
                    if (found.isEmpty()) {
                        Thread.sleep(200);
                    }
                }
                assertEquals("ERROR: " + message, found.orElse("nothing found"));

                st.execute("DROP ROLE IF EXISTS log_reader");
                st.execute("CREATE ROLE log_reader LOGIN PASSWORD 'log_reader'");
            }
            try (Connection unprivileged = DriverManager.getConnection(server.jdbcUrl("postgres"), "log_reader",
                    "log_reader")) {
                assertTrue(ServerLog.lastReplicationError(unprivileged).isEmpty());
                try (Statement st = unprivileged.createStatement()) {
                    st.execute("SELECT 1"); // the session is still usable after the refused read
                }
            }
        }
    }
}
