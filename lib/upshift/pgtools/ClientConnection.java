package upshift.pgtools;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import upshift.connect.Cluster;
import upshift.connect.Endpoint;

/**
 * How a client program (pg_dump, psql) started by upshift reaches a cluster: a libpq conninfo for its command
 * line, which never holds the password, and the environment variables that go with it: {@code PGPASSWORD} (the
 * password, when upshift resolved one), {@code PGCONNECT_TIMEOUT} and {@code PGAPPNAME}.
 *
 * <p>The endpoint was already resolved the way psql resolves one (URL, PG* variables, defaults, password file),
 * so the variables that pick the connection target or the password are removed from the child's environment:
 * the child connects exactly where upshift did. Other PG* variables (TLS details and the like) pass through.
 */
public record ClientConnection(String conninfo, Map<String, String> environment) {

    /** Variables that choose where to connect, as whom, or how long to wait: replaced by what upshift resolved. */
    static final List<String> REPLACED = List.of("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER",
            "PGPASSWORD", "PGSERVICE", "PGSERVICEFILE", "PGCONNECT_TIMEOUT", "PGAPPNAME");

    public static ClientConnection of(Cluster cluster, String applicationName) {
        Endpoint endpoint = cluster.endpoint();
        Map<String, String> env = new LinkedHashMap<>();
        String password = endpoint.get("password");
        if (password != null) {
            env.put("PGPASSWORD", password);
        }
        String timeout = endpoint.get("connect_timeout");
        env.put("PGCONNECT_TIMEOUT", timeout != null ? timeout
                : Integer.toString(cluster.settings().connectTimeoutSeconds()));
        env.put("PGAPPNAME", applicationName);
        return new ClientConnection(endpoint.conninfoWithoutPassword(), Map.copyOf(env));
    }

    /** Adjusts a child's environment (a copy of this process's): removes {@link #REPLACED}, adds ours. */
    public void applyTo(Map<String, String> childEnvironment) {
        REPLACED.forEach(childEnvironment::remove);
        childEnvironment.putAll(environment);
    }

    /** Whether a password goes to the child (through PGPASSWORD). */
    public boolean hasPassword() {
        return environment.containsKey("PGPASSWORD");
    }

    /** Never the password: for logs and --dry-run text. */
    @Override
    public String toString() {
        return conninfo + (hasPassword() ? " (password through PGPASSWORD)" : "");
    }
}
