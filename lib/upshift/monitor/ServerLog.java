package upshift.monitor;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
     * The last ERROR line that is about logical replication: it says "logical replication" itself, or its CONTEXT
     * line does ("processing remote data for replication origin ...", "logical replication worker").
     */
    static Optional<String> lastReplicationError(String logText) {
        String[] lines = logText.split("\\r?\\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            String line = lines[i];
            int at = line.indexOf("ERROR:");
            if (at < 0) {
                continue;
            }
            boolean about = mentionsReplication(line);
            for (int j = i + 1; !about && j < lines.length && j <= i + 3; j++) {
                if (lines[j].contains("ERROR:") || lines[j].contains("LOG:")) {
                    break;
                }
                about = mentionsReplication(lines[j]);
            }
            if (about) {
                return Optional.of(line.substring(at).replaceAll("\\s+", " ").strip());
            }
        }
        return Optional.empty();
    }

    private static boolean mentionsReplication(String line) {
        return line.contains("logical replication") || line.contains("replication origin");
    }
}
