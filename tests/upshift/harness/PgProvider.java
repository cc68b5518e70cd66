package upshift.harness;

import java.util.Map;

/**
 * Starts real PostgreSQL servers for tests. Deliberately not AutoCloseable: JUnit closes AutoCloseable arguments of
 * a parameterized test after each invocation, which would stop the servers shared by every test.
 */
public interface PgProvider {

    /**
     * Settings every test server gets, under those a test asks for: servers are shared by every test of a JVM,
     * and each test's subscription keeps an apply worker, a WAL sender and a slot busy.
     */
    Map<String, String> SHARED_SERVER_SETTINGS = Map.of(
            "max_replication_slots", "64",
            "max_wal_senders", "64",
            "max_logical_replication_workers", "48",
            "max_worker_processes", "64",
            "max_connections", "300");

    /** "embedded" or "testcontainers"; shows in test names. */
    String name();

    /** Null when this provider can run here, else the reason it cannot (e.g. "no Docker engine answers"). */
    String unavailableReason();

    /** A server of the given major version with wal_level=logical and room for slots and workers. */
    default PgServer start(int major) {
        return start(major, Map.of());
    }

    /** Same, with extra/overriding postgresql.conf settings (e.g. wal_level=replica for a failing preflight). */
    PgServer start(int major, Map<String, String> settings);

    /** Stops everything this provider started (called once, when the JVM exits). */
    void close();
}
