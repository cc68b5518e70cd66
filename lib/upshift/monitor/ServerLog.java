package upshift.monitor;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * The last logical replication error in the server's log, when the connecting role may read it (superuser, or
 * pg_monitor plus pg_read_server_files) and the server writes a log file (logging_collector). Anything else,
 * permission errors included, simply yields nothing: the log is a bonus, never a requirement.
 */
public final class ServerLog {

    /** How much of the end of the current log file is read. */
    static final int TAIL_BYTES = 256 * 1024;

    private static final String TAIL = """
            SELECT pg_catalog.pg_read_binary_file(f.name, greatest(s.size - ?, 0), ?)
              FROM (SELECT pg_catalog.pg_current_logfile() AS name) f,
                   LATERAL pg_catalog.pg_stat_file(f.name) s
             WHERE f.name IS NOT NULL
            """;

    /** What a lost connection to the publisher looks like in the subscriber's log. */
    static final List<String> CONNECTION_LOSS = List.of("could not receive data from WAL stream",
            "could not send data to WAL stream", "could not connect to the publisher",
            "terminating connection due to administrator command", "server closed the connection unexpectedly",
            "terminating walsender process");

    private static final String DISABLED_BECAUSE_OF_AN_ERROR = "has been disabled because of an error";

    private static final List<String> SETTING_NAMES = List.of("logging_collector", "log_destination",
            "log_directory", "log_min_messages");

    /** log_min_messages levels above ERROR: ERROR lines are not written. */
    private static final List<String> QUIET_LEVELS = List.of("log", "fatal", "panic");

    private static final String SETTINGS = "SELECT name, setting FROM pg_catalog.pg_settings WHERE name = ANY"
            + " (ARRAY['logging_collector', 'log_destination', 'log_directory', 'log_min_messages'])";

    private ServerLog() {
    }

    /** The last "logical replication" ERROR line of the current log file, if it can be read. */
    public static Optional<String> lastReplicationError(Connection connection) {
        try {
            boolean autoCommit = connection.getAutoCommit();
            if (!autoCommit) {
                return Optional.empty();
            }
            try (PreparedStatement st = connection.prepareStatement(TAIL)) {
                st.setQueryTimeout(10);
                st.setLong(1, TAIL_BYTES);
                st.setLong(2, TAIL_BYTES);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next() || rs.getBytes(1) == null) {
                        return Optional.empty();
                    }
                    return lastReplicationError(new String(rs.getBytes(1), StandardCharsets.UTF_8));
                }
            }
        } catch (SQLException e) {
            return Optional.empty();
        }
    }

    /**
     * The last ERROR line that is about logical replication: it says "logical replication" itself or names the WAL
     * stream from the publisher, or its CONTEXT line does ("processing remote data for replication origin ...",
     * "logical replication worker"), or the next line says disable_on_error disabled the subscription.
     */
    static Optional<String> lastReplicationError(String logText) {
        String[] lines = logText.split("\\r?\\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            String line = lines[i];
            int at = line.indexOf("ERROR:");
            if (at < 0) {
                continue;
            }
            boolean about = mentionsReplication(line) || line.contains("WAL stream")
                    || line.contains("could not connect to the publisher");
            for (int j = i + 1; !about && j < lines.length && j <= i + 3; j++) {
                if (lines[j].contains("ERROR:")) {
                    break;
                }
                about = mentionsReplication(lines[j]) || lines[j].contains(DISABLED_BECAUSE_OF_AN_ERROR);
                if (lines[j].contains("LOG:")) {
                    break;
                }
            }
            if (about) {
                return Optional.of(line.substring(at).replaceAll("\\s+", " ").strip());
            }
        }
        return Optional.empty();
    }

    /**
     * Whether a logged error is a lost connection to the publisher (publisher restarted or shut down, walsender
     * terminated, network) rather than a change the subscriber could not apply. PostgreSQL counts both as apply
     * errors, and disable_on_error disables the subscription after either (checked on 16).
     */
    public static boolean isConnectionLoss(String error) {
        return error != null && CONNECTION_LOSS.stream().anyMatch(error::contains);
    }

    /**
     * The subscriber's logging settings that say where its log is, as far as the role may read them.
     *
     * @param loggingCollector on/off, or null when unreadable
     * @param logDestination   stderr, csvlog, jsonlog, syslog, eventlog
     * @param logDirectory     the collector's directory (relative to the data directory unless absolute)
     * @param logMinMessages   the lowest level written (ERROR lines need error or lower)
     */
    public record LogSettings(String loggingCollector, String logDestination, String logDirectory,
            String logMinMessages) {

        /** How to read the apply worker's ERROR lines on that server. */
        public String advice(String server) {
            StringBuilder s = new StringBuilder("the ").append(server).append(" server log has the apply worker's"
                    + " ERROR line; ");
            if ("on".equals(loggingCollector)) {
                s.append("it is in log_directory (").append(logDirectory == null ? "log" : logDirectory)
                        .append(", relative to the data directory), SELECT pg_current_logfile() names the file");
            } else {
                s.append(loggingCollector == null ? "" : "logging_collector is off, so ")
                        .append("it goes to the server's stderr (log_destination = ")
                        .append(logDestination == null ? "stderr" : logDestination)
                        .append("): journalctl for a systemd service, docker logs for a container, the file of"
                                + " pg_ctl -l, or the console's log files on RDS/Aurora");
            }
            if (logMinMessages != null && QUIET_LEVELS.contains(logMinMessages)) {
                s.append("; log_min_messages = ").append(logMinMessages).append(" hides ERROR lines: ALTER SYSTEM"
                        + " SET log_min_messages = warning; SELECT pg_reload_conf()");
            } else if (logMinMessages != null) {
                s.append(" (log_min_messages = ").append(logMinMessages).append(" writes ERROR lines)");
            }
            return s.toString();
        }
    }

    /** The logging settings, each null when the role may not read it; never fails. */
    public static LogSettings settings(Connection connection) {
        String[] values = new String[4];
        try {
            if (!connection.getAutoCommit()) {
                return new LogSettings(null, null, null, null);
            }
            try (PreparedStatement st = connection.prepareStatement(SETTINGS)) {
                st.setQueryTimeout(10);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        int i = SETTING_NAMES.indexOf(rs.getString(1));
                        if (i >= 0) {
                            values[i] = rs.getString(2);
                        }
                    }
                }
            }
        } catch (SQLException e) {
            // unreadable settings only make the advice less specific
        }
        return new LogSettings(values[0], values[1], values[2], values[3]);
    }

    private static boolean mentionsReplication(String line) {
        return line.contains("logical replication") || line.contains("replication origin");
    }
}
