package upshift.harness;

import upshift.connect.Endpoint;

/**
 * A running PostgreSQL server for a test: superuser access from the test JVM, and the
 * libpq conninfo another server (a subscriber) must use to reach it.
 */
public interface PgServer extends AutoCloseable {

    /** Major version, e.g. 13. */
    int major();

    /** Which provider started it: "embedded" or "testcontainers". */
    String provider();

    /** Host and port as seen from the test JVM. */
    String host();

    int port();

    String superuser();

    String password();

    /** jdbc:postgresql://host:port/database, no credentials in it. */
    default String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
    }

    /** postgresql://user:password@host:port/database, as an operator passes it to a script. */
    default String uri(String database) {
        return "postgresql://" + superuser() + ":" + password() + "@" + host() + ":" + port() + "/" + database;
    }

    /** libpq key=value conninfo with which another server of the same provider reaches this one. */
    String peerConninfo(String database);

    /**
     * Creates an empty database, first dropping one of the same name together with what would block that: its
     * subscriptions and the replication slots of it.
     */
    default void createDatabase(String name) {
        Databases.recreate(this, name);
    }

    /** A libpq conninfo for a peer server, values quoted as libpq wants. */
    static String conninfo(String host, int port, String database, String user, String password) {
        return "host=" + Endpoint.quoteConninfoValue(host) + " port=" + port + " dbname="
                + Endpoint.quoteConninfoValue(database) + " user=" + Endpoint.quoteConninfoValue(user)
                + " password=" + Endpoint.quoteConninfoValue(password);
    }

    /** Stops the server and removes what it left behind. */
    @Override
    void close();
}
