package upshift.harness;

import java.util.Map;

/**
 * Starts real PostgreSQL servers for tests. Deliberately not AutoCloseable: JUnit closes AutoCloseable arguments of
 * a parameterized test after each invocation, which would stop the servers shared by every test.
 */
public interface PgProvider {

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
