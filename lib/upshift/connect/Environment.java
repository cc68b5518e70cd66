package upshift.connect;

import java.nio.file.Path;
import java.util.Map;

/**
 * What libpq reads from the process environment: PG* variables, the home directory (for ~/.pgpass) and the
 * operating-system user (the default role name). Tests pass their own.
 */
public record Environment(Map<String, String> variables, Path home, String osUser) {

    public static Environment system() {
        return new Environment(System.getenv(), Path.of(System.getProperty("user.home")),
                System.getProperty("user.name"));
    }

    /** The variable's value, or null when unset or empty (libpq treats both alike). */
    public String get(String name) {
        String value = variables.get(name);
        return value == null || value.isEmpty() ? null : value;
    }
}
