package upshift.connect;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import upshift.UpshiftException;

/**
 * The connection service files libpq reads (libpq docs, "The Connection Service File"): a service named by
 * {@code service=NAME} in the conninfo or URI, else by {@code PGSERVICE}, is looked up first in the per-user file
 * ({@code servicefile=} in the conninfo, else {@code PGSERVICEFILE}, else {@code ~/.pg_service.conf} under
 * {@code $HOME}), then in the system-wide {@code pg_service.conf} ({@code PGSYSCONFDIR}, else the directories the
 * common libpq builds use). The user file wins when both define the service. Files are INI: {@code [name]}
 * sections of {@code keyword=value} lines, {@code #} comments. A service that no file defines is an error, as in
 * psql.
 */
public final class ServiceFile {

    /**
     * Where libpq builds look for the system-wide file when PGSYSCONFDIR is unset: Debian's and Ubuntu's libpq
     * ({@code --sysconfdir=/etc/postgresql-common}), then a build whose sysconfdir is /etc (libpq appends
     * "/postgresql" to a sysconfdir that does not name PostgreSQL).
     */
    static final List<Path> DEFAULT_SYSCONFDIRS = List.of(Path.of("/etc/postgresql-common"),
            Path.of("/etc/postgresql"));

    private ServiceFile() {
    }

    /** The service name to expand: {@code service=} from the connection string, else PGSERVICE; empty if none. */
    static Optional<String> serviceName(Map<String, String> params, Environment env) {
        String named = params.get("service");
        if (named != null && !named.isEmpty()) {
            return Optional.of(named);
        }
        return Optional.ofNullable(env.get("PGSERVICE"));
    }

    /** The files searched for a service, in libpq's order. */
    static List<Path> files(Map<String, String> params, Environment env) {
        List<Path> files = new ArrayList<>();
        String explicit = params.get("servicefile");
        if (explicit == null || explicit.isEmpty()) {
            explicit = env.get("PGSERVICEFILE");
        }
        files.add(explicit != null ? Path.of(explicit) : env.home().resolve(".pg_service.conf"));
        String sysconfdir = env.get("PGSYSCONFDIR");
        if (sysconfdir != null) {
            files.add(Path.of(sysconfdir).resolve("pg_service.conf"));
        } else {
            DEFAULT_SYSCONFDIRS.forEach(dir -> files.add(dir.resolve("pg_service.conf")));
        }
        return files;
    }

    /**
     * The settings of the service named in params or PGSERVICE, or an empty map when none is named.
     *
     * @throws UpshiftException (usage) when the service is defined in no file, or a file that defines it is
     *                          malformed
     */
    static Map<String, String> lookup(Map<String, String> params, Environment env) {
        Optional<String> name = serviceName(params, env);
        if (name.isEmpty()) {
            return Map.of();
        }
        List<Path> files = files(params, env);
        for (Path file : files) {
            if (!Files.isRegularFile(file)) {
                continue;
            }
            Optional<Map<String, String>> found = read(file, name.get());
            if (found.isPresent()) {
                return found.get();
            }
        }
        throw UpshiftException.usage("definition of service \"" + name.get() + "\" not found",
                "define [" + name.get() + "] in " + files.get(0) + " (PGSERVICEFILE) or in pg_service.conf under"
                        + " PGSYSCONFDIR, or check the service name in service= or PGSERVICE");
    }

    /** The settings of that service in that file, or empty when the file does not define it. */
    static Optional<Map<String, String>> read(Path file, String service) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UpshiftException("cannot read service file " + file + ": " + e.getMessage(),
                    "check the file's permissions", e);
        }
        Map<String, String> settings = null;
        boolean inService = false;
        int number = 0;
        for (String raw : lines) {
            number++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[")) {
                if (inService) {
                    break; // the service's section ended
                }
                int close = line.indexOf(']');
                inService = close > 0 && line.substring(1, close).equals(service);
                if (inService) {
                    settings = new LinkedHashMap<>();
                }
                continue;
            }
            if (!inService) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw UpshiftException.usage("syntax error in service file " + file + ", line " + number,
                        "each line of a service is keyword=value, e.g. host=db.example.com");
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (key.equals("service") || key.equals("servicefile")) {
                throw UpshiftException.usage("nested " + key + " specifications not supported in service file "
                        + file + ", line " + number, "remove the " + key + "= line from [" + service + "]");
            }
            if (!ConnectionStrings.LIBPQ_KEYWORDS.contains(key)) {
                throw UpshiftException.usage("syntax error in service file " + file + ", line " + number
                        + ": unknown connection option \"" + key + "\"",
                        "see the libpq keywords: host, port, dbname, user, password, sslmode, ...");
            }
            settings.putIfAbsent(key, value); // libpq keeps the first of a repeated keyword
        }
        return Optional.ofNullable(settings);
    }
}
