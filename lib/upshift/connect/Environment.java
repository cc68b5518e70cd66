package upshift.connect;

import java.nio.file.Path;
import java.util.Map;

/**
 * What libpq reads from the process environment: PG* variables, the home directory (for ~/.pgpass and
 * ~/.pg_service.conf) and the operating-system user (the default role name). Tests pass their own.
 */
public record Environment(Map<String, String> variables, Path home, String osUser) {

    public static Environment system() {
        return of(System.getenv());
    }

    /**
     * These variables with the home directory libpq uses: {@code $HOME} when set, as libpq reads it, not Java's
     * {@code user.home} (which comes from the password database and ignores {@code HOME}); {@code user.home}
     * only when HOME is unset.
     */
    public static Environment of(Map<String, String> variables) {
        return new Environment(variables, home(variables), System.getProperty("user.name"));
    }

    /** $HOME from these variables, else Java's user.home. */
    static Path home(Map<String, String> variables) {
        String home = variables.get("HOME");
        return Path.of(home != null && !home.isEmpty() ? home : System.getProperty("user.home"));
    }

    /** The variable's value, or null when unset or empty (libpq treats both alike). */
    public String get(String name) {
        String value = variables.get(name);
        return value == null || value.isEmpty() ? null : value;
    }
}
