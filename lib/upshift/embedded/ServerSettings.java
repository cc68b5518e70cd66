package upshift.embedded;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** postgresql.conf settings of an embedded server: logical replication ready, crash safety off. */
public final class ServerSettings {

    /**
     * Every embedded server gets these unless the caller overrides them; a rehearsal's container servers get them
     * too.
     */
    public static final Map<String, String> DEFAULTS = defaults();

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");

    private ServerSettings() {
    }

    /** The defaults, then the caller's settings (which win), then where to listen (which nobody overrides). */
    static Map<String, String> merged(Map<String, String> overrides, String listenAddress, String socketDirectory) {
        Map<String, String> result = new LinkedHashMap<>(DEFAULTS);
        overrides.forEach((name, value) -> {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("not a PostgreSQL setting name: " + name);
            }
            if (value == null) {
                throw new IllegalArgumentException("setting " + name + " has no value");
            }
            if (name.equals("port") || name.equals("listen_addresses") || name.equals("unix_socket_directories")) {
                throw new IllegalArgumentException("setting " + name + " is chosen by the embedded server itself;"
                        + " leave it out");
            }
            result.put(name, value);
        });
        result.put("listen_addresses", listenAddress);
        result.put("unix_socket_directories", socketDirectory);
        return result;
    }

    /** Lines to append to postgresql.conf (later lines win there); values quoted, backslashes and quotes escaped. */
    static String asConfigLines(Map<String, String> settings) {
        StringBuilder conf = new StringBuilder("\n# upshift embedded server\n");
        settings.forEach((name, value) -> conf.append(name).append(" = '")
                .append(value.replace("\\", "\\\\").replace("'", "''")).append("'\n"));
        return conf.toString();
    }

    private static Map<String, String> defaults() {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("wal_level", "logical");
        defaults.put("max_replication_slots", "20");
        defaults.put("max_wal_senders", "20");
        defaults.put("max_logical_replication_workers", "8");
        defaults.put("max_worker_processes", "16");
        defaults.put("fsync", "off");
        return Collections.unmodifiableMap(defaults);
    }
}
