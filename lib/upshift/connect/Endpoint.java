package upshift.connect;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

import upshift.UpshiftException;

/**
 * One PostgreSQL connection target, resolved the way psql resolves it: the URL or conninfo the operator gave,
 * then PG* environment variables for what it leaves out, then libpq's defaults, then the password file.
 * It renders itself as a JDBC URL and properties (for the tool), as a libpq conninfo (for a server that must
 * connect to it, as in CREATE SUBSCRIPTION), and masked (for anything printed).
 */
public final class Endpoint {

    /** libpq keyword for each environment variable psql honours. */
    private static final Map<String, String> ENVIRONMENT = orderedMap(
            "PGHOST", "host", "PGHOSTADDR", "hostaddr", "PGPORT", "port", "PGDATABASE", "dbname",
            "PGUSER", "user", "PGPASSWORD", "password", "PGOPTIONS", "options", "PGAPPNAME", "application_name",
            "PGSSLMODE", "sslmode", "PGSSLCERT", "sslcert", "PGSSLKEY", "sslkey", "PGSSLROOTCERT", "sslrootcert",
            "PGSSLCRL", "sslcrl", "PGCONNECT_TIMEOUT", "connect_timeout", "PGTARGETSESSIONATTRS",
            "target_session_attrs", "PGCHANNELBINDING", "channel_binding", "PGGSSENCMODE", "gssencmode");

    /** libpq keywords passed to pgjdbc under its own property names. */
    private static final Map<String, String> LIBPQ_TO_JDBC = orderedMap(
            "sslmode", "sslmode", "sslcert", "sslcert", "sslkey", "sslkey", "sslrootcert", "sslrootcert",
            "sslpassword", "sslpassword", "channel_binding", "channelBinding", "gssencmode", "gssEncMode");

    private static final List<String> CONNINFO_ORDER = List.of("host", "hostaddr", "port", "dbname", "user",
            "password");

    private static final Pattern PLAIN_VALUE = Pattern.compile("[A-Za-z0-9_.,:/@+-]+");

    private final Map<String, String> params;
    private final List<String> notes;
    /** Which host of a multi-host list answered (index), once a session is open; -1 before. */
    private final int answered;

    private Endpoint(Map<String, String> params, List<String> notes) {
        this(params, notes, -1);
    }

    private Endpoint(Map<String, String> params, List<String> notes, int answered) {
        this.params = Collections.unmodifiableMap(params);
        this.notes = List.copyOf(notes);
        this.answered = answered;
        Secrets.register(params.get("password"));
    }

    /**
     * The same endpoint, naming the host of its list that answered (a multi-host URL connects to the first host
     * that accepts): {@link #host()}, {@link #port()} and {@link #toString()} then say where the session is,
     * while {@link #conninfo()} keeps the whole list for a server that must connect to it. Unchanged when that
     * host and port are not in the list.
     */
    public Endpoint answeredBy(String host, int port) {
        String[] hosts = hostList();
        for (int i = 0; i < hosts.length; i++) {
            if (hostAt(hosts, i).equalsIgnoreCase(host) && portAt(i) == port) {
                return i == answered ? this : new Endpoint(new LinkedHashMap<>(params), notes, i);
            }
        }
        return this;
    }

    /** Whether the URL lists more than one host. */
    public boolean multiHost() {
        return hostList().length > 1;
    }

    private String[] hostList() {
        return (params.containsKey("hostaddr") ? params.get("hostaddr") : params.get("host")).split(",", -1);
    }

    private static String hostAt(String[] hosts, int i) {
        return hosts[i].isEmpty() ? "localhost" : hosts[i];
    }

    private int portAt(int i) {
        String[] ports = params.get("port").split(",", -1);
        String p = ports.length == 1 ? ports[0] : i < ports.length ? ports[i] : "";
        return p.isEmpty() ? 5432 : Integer.parseInt(p);
    }

    /** Resolves a connection string with this process's environment, as psql would. */
    public static Endpoint resolve(String connection) {
        return resolve(connection, Environment.system());
    }

    /**
     * Resolves a connection string in that environment with libpq's precedence: what the string spells out,
     * then the service file entries of its {@code service=} (or PGSERVICE), then PG* variables, then defaults,
     * then the password file for a missing password.
     */
    public static Endpoint resolve(String connection, Environment env) {
        Map<String, String> params = new LinkedHashMap<>(ConnectionStrings.parse(connection));
        List<String> notes = new ArrayList<>();
        ServiceFile.lookup(params, env).forEach((keyword, value) -> {
            if (isBlank(params.get(keyword))) {
                params.put(keyword, value);
            }
        });
        // the servers that connect to this endpoint (CREATE SUBSCRIPTION) have no such file: keep what it said
        params.remove("service");
        params.remove("servicefile");
        ENVIRONMENT.forEach((variable, keyword) -> {
            String value = env.get(variable);
            if (value != null && isBlank(params.get(keyword))) {
                params.put(keyword, value);
            }
        });
        ConnectionStrings.requirePorts(params.get("port"));
        if (params.containsKey("connect_timeout")) {
            ConnectionStrings.requireConnectTimeout(params.get("connect_timeout"));
        }
        if (isBlank(params.get("host")) && isBlank(params.get("hostaddr"))) {
            params.put("host", "localhost");
        }
        String host = params.getOrDefault("host", "");
        if (host.startsWith("/") || host.startsWith("@")) {
            throw UpshiftException.usage("Unix-domain socket connections are not supported (host=" + host + ")",
                    "connect over TCP, e.g. host=localhost port=5432");
        }
        if (isBlank(params.get("port"))) {
            params.put("port", "5432");
        }
        if (isBlank(params.get("user"))) {
            params.put("user", env.osUser());
        }
        if (isBlank(params.get("dbname"))) {
            params.put("dbname", params.get("user"));
        }
        if (isBlank(params.get("password"))) {
            params.remove("password");
            PgPass passFile = params.containsKey("passfile")
                    ? new PgPass(java.nio.file.Path.of(params.get("passfile"))) : PgPass.of(env);
            PgPass.Lookup found = passFile.find(firstOf(host), firstOf(params.get("port")),
                    params.get("dbname"), params.get("user"));
            if (found.warning() != null) {
                notes.add(found.warning());
            }
            if (found.password() != null) {
                params.put("password", found.password());
            }
        }
        return new Endpoint(params, notes);
    }

    /** The host the session went to ({@link #answeredBy}), else the first of the list. */
    public String host() {
        return answered >= 0 ? hostAt(hostList(), answered)
                : firstOf(params.containsKey("hostaddr") ? params.get("hostaddr") : params.get("host"));
    }

    public int port() {
        return portAt(Math.max(answered, 0));
    }

    public String dbname() {
        return params.get("dbname");
    }

    public String user() {
        return params.get("user");
    }

    /** Whether a password was found (URL, PGPASSWORD or password file); never the password itself. */
    public boolean hasPassword() {
        return params.containsKey("password");
    }

    /** The libpq keyword's value, or null. */
    public String get(String keyword) {
        return params.get(keyword);
    }

    /** Warnings found while resolving, e.g. a password file with loose permissions. */
    public List<String> notes() {
        return notes;
    }

    /** jdbc:postgresql://host:port[,host:port]/dbname, without credentials. */
    public String jdbcUrl() {
        String[] hosts = (params.containsKey("hostaddr") ? params.get("hostaddr") : params.get("host")).split(",");
        String[] ports = params.get("port").split(",", -1);
        StringBuilder url = new StringBuilder("jdbc:postgresql://");
        for (int i = 0; i < hosts.length; i++) {
            if (i > 0) {
                url.append(',');
            }
            String h = hosts[i].isEmpty() ? "localhost" : hosts[i];
            url.append(h.contains(":") ? "[" + h + "]" : h);
            String p = ports.length == 1 ? ports[0] : i < ports.length ? ports[i] : "";
            url.append(':').append(p.isEmpty() ? "5432" : p);
        }
        url.append('/').append(URLEncoder.encode(dbname(), StandardCharsets.UTF_8).replace("+", "%20"));
        return url.toString();
    }

    /** pgjdbc properties: credentials, TLS settings, timeouts and server options. */
    public Properties jdbcProperties(ConnectSettings settings) {
        Properties props = new Properties();
        props.setProperty("user", user());
        if (hasPassword()) {
            props.setProperty("password", params.get("password"));
        }
        LIBPQ_TO_JDBC.forEach((libpq, jdbc) -> {
            if (params.containsKey(libpq)) {
                props.setProperty(jdbc, params.get(libpq));
            }
        });
        params.forEach((key, value) -> {
            if (key.startsWith("jdbc.")) {
                props.setProperty(key.substring("jdbc.".length()), value);
            }
        });
        // libpq's connect_timeout: 0 (or less) waits indefinitely, 1 counts as 2; pgjdbc's 0 waits indefinitely too
        int connectTimeout = params.containsKey("connect_timeout")
                ? Integer.parseInt(params.get("connect_timeout").strip()) : settings.connectTimeoutSeconds();
        connectTimeout = connectTimeout <= 0 ? 0 : Math.max(2, connectTimeout);
        props.setProperty("connectTimeout", Integer.toString(connectTimeout));
        props.setProperty("loginTimeout", Integer.toString(connectTimeout * 2));
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("ApplicationName", params.getOrDefault("application_name", settings.applicationName()));
        String options = settings.serverOptions();
        if (params.containsKey("options")) {
            options = (params.get("options") + " " + options).strip();
        }
        if (!options.isEmpty()) {
            props.setProperty("options", options);
        }
        return props;
    }

    /**
     * The libpq conninfo a server uses to reach this endpoint (CREATE SUBSCRIPTION ... CONNECTION), password
     * included when one was found. Never print it: use {@link #maskedConninfo()}.
     */
    public String conninfo() {
        return conninfo(true);
    }

    /**
     * The same conninfo without the password, for a client program's command line (pg_dump, psql): the password
     * goes to the child through its environment ({@code PGPASSWORD}), never onto a command line.
     */
    public String conninfoWithoutPassword() {
        return conninfo(false);
    }

    private String conninfo(boolean withPassword) {
        StringBuilder sb = new StringBuilder();
        Map<String, String> ordered = new LinkedHashMap<>();
        for (String key : CONNINFO_ORDER) {
            if (params.containsKey(key)) {
                ordered.put(key, params.get(key));
            }
        }
        params.forEach(ordered::putIfAbsent);
        ordered.forEach((key, value) -> {
            if (key.startsWith("jdbc.") || key.equals("passfile")
                    || !withPassword && (key.equals("password") || key.equals("sslpassword"))) {
                return;
            }
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(key).append('=').append(quoteConninfoValue(value));
        });
        return sb.toString();
    }

    /** {@link #conninfo()} with the password masked. */
    public String maskedConninfo() {
        return Secrets.redact(conninfo());
    }

    /** postgresql://user:********@host:port/dbname?sslmode=..., safe to print. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("postgresql://");
        sb.append(encode(user()));
        if (hasPassword()) {
            sb.append(':').append(Secrets.MASK);
        }
        sb.append('@');
        String h = host();
        sb.append(h.contains(":") ? "[" + h + "]" : h).append(':').append(port());
        sb.append('/').append(encode(dbname()));
        if (params.containsKey("sslmode")) {
            sb.append("?sslmode=").append(encode(params.get("sslmode")));
        }
        return sb.toString();
    }

    /** A libpq conninfo value, single-quoted (with \ and ' escaped) unless it is plain. */
    public static String quoteConninfoValue(String value) {
        if (!value.isEmpty() && PLAIN_VALUE.matcher(value).matches()) {
            return value;
        }
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String firstOf(String commaList) {
        if (commaList == null) {
            return null;
        }
        int comma = commaList.indexOf(',');
        return comma >= 0 ? commaList.substring(0, comma) : commaList;
    }

    private static boolean isBlank(String s) {
        return s == null || s.isEmpty();
    }

    private static Map<String, String> orderedMap(String... keyValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }
}
