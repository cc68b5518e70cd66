package upshift.connect;

import java.time.Duration;

/**
 * How the tool's own sessions behave: connect timeout, and the server settings each session starts with.
 * The defaults suit production: a dead host fails in seconds, a statement stuck behind a lock gives up instead
 * of queueing the application behind it.
 */
public record ConnectSettings(String applicationName, int connectTimeoutSeconds, Duration statementTimeout,
        Duration lockTimeout) {

    public static final int DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;
    public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofMinutes(5);
    public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(10);

    public static ConnectSettings defaults(String applicationName) {
        return new ConnectSettings(applicationName, DEFAULT_CONNECT_TIMEOUT_SECONDS, DEFAULT_STATEMENT_TIMEOUT,
                DEFAULT_LOCK_TIMEOUT);
    }

    /**
     * The libpq/pgjdbc "options" value: -c settings applied at session start (0 = no limit). upshift's own
     * sessions opt out of a write freeze (default_transaction_read_only), which switchover sets for the
     * application's roles and which may include the role upshift connects as.
     */
    String serverOptions() {
        return "-c statement_timeout=" + statementTimeout.toMillis() + " -c lock_timeout=" + lockTimeout.toMillis()
                + " -c default_transaction_read_only=off";
    }
}
