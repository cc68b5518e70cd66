package upshift.connect;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import upshift.UpshiftException;

/**
 * Parses the three spellings of a connection an operator may pass: a libpq URI
 * ({@code postgresql://user:pw@host:5432/db?sslmode=require}), a libpq {@code key=value} string and a
 * {@code jdbc:postgresql://} URL. The result is a map of libpq keywords; JDBC-only parameters are kept under
 * their JDBC names with the prefix {@code jdbc.}.
 */
public final class ConnectionStrings {

    /** The libpq connection keywords (PostgreSQL 18 docs, "Parameter Key Words"). */
    static final Set<String> LIBPQ_KEYWORDS = Set.of(
            "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "require_auth",
            "channel_binding", "connect_timeout", "client_encoding", "options", "application_name",
            "fallback_application_name", "keepalives", "keepalives_idle", "keepalives_interval",
            "keepalives_count", "tcp_user_timeout", "replication", "gssencmode", "sslmode", "requiressl",
            "sslnegotiation", "sslcompression", "sslcert", "sslkey", "sslpassword", "sslcertmode",
            "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "requirepeer", "ssl_min_protocol_version",
            "ssl_max_protocol_version", "krbsrvname", "gsslib", "gssdelegation", "service", "servicefile",
            "target_session_attrs", "load_balance_hosts", "min_protocol_version", "max_protocol_version");

    /** JDBC URL parameters that have a libpq twin. */
    private static final Map<String, String> JDBC_TO_LIBPQ = Map.of(
            "user", "user",
            "password", "password",
            "sslmode", "sslmode",
            "sslcert", "sslcert",
            "sslkey", "sslkey",
            "sslrootcert", "sslrootcert",
            "sslpassword", "sslpassword",
            "applicationname", "application_name",
            "connecttimeout", "connect_timeout",
            "options", "options");

    private ConnectionStrings() {
    }

    /**
     * Parses any of the three forms. Malformed input is a usage error (exit 2: the input is wrong, not the
     * server) naming what is wrong, never echoing the input (it may hold a password).
     */
    public static Map<String, String> parse(String input) {
        if (input == null || input.isBlank()) {
            throw UpshiftException.usage("empty connection string",
                    "pass a URL such as postgresql://user@host:5432/dbname");
        }
        String s = input.strip();
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.startsWith("jdbc:postgresql:")) {
            return parseJdbc(s.substring("jdbc:postgresql:".length()));
        }
        if (lower.startsWith("postgresql://") || lower.startsWith("postgres://")) {
            return parseUri(s.substring(s.indexOf("://") + 3), false);
        }
        if (lower.matches("^[a-z][a-z0-9+.-]*://.*")) {
            throw UpshiftException.usage("unsupported connection URL scheme '" + s.substring(0, s.indexOf("://"))
                    + "'", "use postgresql://, postgres:// or jdbc:postgresql://");
        }
        if (s.contains("=")) {
            return parseKeywordValue(s);
        }
        throw UpshiftException.usage("not a connection string: expected a postgresql:// URL or key=value pairs",
                "example: postgresql://app@db.example.com:5432/app?sslmode=require");
    }

    // ---- libpq URI --------------------------------------------------------------------------------------

    private static Map<String, String> parseUri(String rest, boolean jdbc) {
        Map<String, String> params = new LinkedHashMap<>();
        String query = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        int slash = rest.indexOf('/');
        String authority = slash >= 0 ? rest.substring(0, slash) : rest;
        if (slash >= 0 && slash + 1 < rest.length()) {
            params.put("dbname", decode(rest.substring(slash + 1)));
        }
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = userInfo.indexOf(':');
            String user = colon >= 0 ? userInfo.substring(0, colon) : userInfo;
            if (!user.isEmpty()) {
                params.put("user", decode(user));
            }
            if (colon >= 0) {
                params.put("password", decode(userInfo.substring(colon + 1)));
            }
        }
        parseHosts(authority, params);
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw UpshiftException.usage("malformed URL parameter (expected key=value)",
                            "parameters look like ?sslmode=require&application_name=x");
                }
                String key = decode(pair.substring(0, eq));
                String value = decode(pair.substring(eq + 1));
                if (jdbc) {
                    String libpq = JDBC_TO_LIBPQ.get(key.toLowerCase(Locale.ROOT));
                    params.put(libpq != null ? libpq : "jdbc." + key, value);
                } else {
                    requireKeyword(key);
                    params.put(key, value);
                }
            }
        }
        return params;
    }

    /** host[:port][,host[:port]...], IPv6 literals in brackets. */
    private static void parseHosts(String authority, Map<String, String> params) {
        if (authority.isEmpty()) {
            return;
        }
        StringBuilder hosts = new StringBuilder();
        StringBuilder ports = new StringBuilder();
        boolean anyPort = false;
        for (String spec : authority.split(",")) {
            String host;
            String port = "";
            if (spec.startsWith("[")) {
                int close = spec.indexOf(']');
                if (close < 0) {
                    throw UpshiftException.usage("malformed IPv6 address in URL: missing ']'",
                            "write IPv6 hosts as postgresql://[::1]:5432/db");
                }
                host = spec.substring(1, close);
                String after = spec.substring(close + 1);
                if (after.startsWith(":")) {
                    port = after.substring(1);
                } else if (!after.isEmpty()) {
                    throw UpshiftException.usage("malformed host in URL after IPv6 address",
                            "write IPv6 hosts as postgresql://[::1]:5432/db");
                }
            } else {
                int colon = spec.lastIndexOf(':');
                host = colon >= 0 ? spec.substring(0, colon) : spec;
                port = colon >= 0 ? spec.substring(colon + 1) : "";
            }
            if (!port.isEmpty()) {
                requirePort(port);
                anyPort = true;
            }
            if (hosts.length() > 0) {
                hosts.append(',');
                ports.append(',');
            }
            hosts.append(decode(host));
            ports.append(port);
        }
        if (!hosts.toString().replace(",", "").isEmpty()) {
            params.put("host", hosts.toString());
        }
        if (anyPort) {
            params.put("port", ports.toString());
        }
    }

    // ---- jdbc:postgresql: ------------------------------------------------------------------------------

    private static Map<String, String> parseJdbc(String rest) {
        if (rest.startsWith("//")) {
            return parseUri(rest.substring(2), true);
        }
        // jdbc:postgresql:database[?params]: local host, default port
        return parseUri("/" + rest, true);
    }

    // ---- key=value ---------------------------------------------------------------------------------------

    private static Map<String, String> parseKeywordValue(String s) {
        Map<String, String> params = new LinkedHashMap<>();
        int i = 0;
        int n = s.length();
        while (true) {
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i >= n) {
                break;
            }
            int keyStart = i;
            while (i < n && s.charAt(i) != '=' && !Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            String key = s.substring(keyStart, i);
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i >= n || s.charAt(i) != '=') {
                throw UpshiftException.usage("missing \"=\" after a keyword"
                        + (LIBPQ_KEYWORDS.contains(key) ? " (" + key + ")" : "") + " in connection string",
                        "key=value pairs are separated by spaces: host=db port=5432 dbname=app");
            }
            i++;
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            StringBuilder value = new StringBuilder();
            if (i < n && s.charAt(i) == '\'') {
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = s.charAt(i++);
                    if (c == '\\' && i < n) {
                        value.append(s.charAt(i++));
                    } else if (c == '\'') {
                        closed = true;
                        break;
                    } else {
                        value.append(c);
                    }
                }
                if (!closed) {
                    throw UpshiftException.usage("unterminated quoted value"
                            + (LIBPQ_KEYWORDS.contains(key) ? " for " + key : "") + " in connection string",
                            "close the value with a single quote; escape quotes inside as \\'");
                }
            } else {
                while (i < n && !Character.isWhitespace(s.charAt(i))) {
                    char c = s.charAt(i++);
                    if (c == '\\' && i < n) {
                        value.append(s.charAt(i++));
                    } else {
                        value.append(c);
                    }
                }
            }
            requireKeyword(key);
            params.put(key, value.toString());
        }
        requirePorts(params.get("port"));
        return params;
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private static void requireKeyword(String key) {
        if (!LIBPQ_KEYWORDS.contains(key)) {
            throw UpshiftException.usage("unknown connection option \"" + key + "\"",
                    "see the libpq keywords: host, port, dbname, user, password, sslmode, application_name, ...");
        }
    }

    /** A comma-separated port list (from any source: string, service file, PGPORT) must be valid ports. */
    static void requirePorts(String ports) {
        if (ports == null) {
            return;
        }
        for (String p : ports.split(",", -1)) {
            if (!p.isEmpty()) {
                requirePort(p);
            }
        }
    }

    /** libpq's connect_timeout is an integer number of seconds (0 or less: wait indefinitely). */
    static void requireConnectTimeout(String value) {
        try {
            Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw UpshiftException.usage("invalid connect_timeout \"" + value + "\" in connection string",
                    "connect_timeout is a whole number of seconds, e.g. connect_timeout=10");
        }
    }

    private static void requirePort(String port) {
        try {
            int p = Integer.parseInt(port);
            if (p < 1 || p > 65535) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw UpshiftException.usage("invalid port \"" + port + "\" in connection string",
                    "a port is a number from 1 to 65535");
        }
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw UpshiftException.usage("malformed percent-encoding in connection URL",
                    "encode special characters in user names and passwords, e.g. @ as %40");
        }
    }
}
