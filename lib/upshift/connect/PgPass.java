package upshift.connect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The password file libpq reads ({@code ~/.pgpass} or {@code PGPASSFILE}): lines of
 * {@code hostname:port:database:username:password}, {@code *} matching anything, {@code \:} and {@code \\}
 * escaped. Like libpq, a file that group or others can read is ignored (with a warning).
 */
public final class PgPass {

    private final Path file;

    public PgPass(Path file) {
        this.file = file;
    }

    /** The file libpq would read in that environment. */
    public static PgPass of(Environment env) {
        String explicit = env.get("PGPASSFILE");
        return new PgPass(explicit != null ? Path.of(explicit) : env.home().resolve(".pgpass"));
    }

    public Path file() {
        return file;
    }

    /** The result of a look-up: the password (null when none matched) and a warning (null when none). */
    public record Lookup(String password, String warning) {
    }

    public Lookup find(String host, String port, String database, String user) {
        if (!Files.isRegularFile(file)) {
            return new Lookup(null, null);
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)
                    || perms.contains(PosixFilePermission.GROUP_WRITE)
                    || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                return new Lookup(null, "password file " + file
                        + " has group or world access; it is ignored (as psql does): chmod 0600 " + file);
            }
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system: libpq does not check there either
        }
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                List<String> fields = split(line);
                if (fields.size() < 5) {
                    continue;
                }
                if (matches(fields.get(0), host) && matches(fields.get(1), port)
                        && matches(fields.get(2), database) && matches(fields.get(3), user)) {
                    return new Lookup(fields.get(4), null);
                }
            }
        } catch (IOException e) {
            return new Lookup(null, "could not read password file " + file + ": " + e.getMessage());
        }
        return new Lookup(null, null);
    }

    private static boolean matches(String pattern, String value) {
        return pattern.equals("*") || pattern.equals(value);
    }

    /** Splits on unescaped colons; the fifth field takes the rest of the line. */
    private static List<String> split(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                current.append(line.charAt(++i));
            } else if (c == ':' && fields.size() < 4) {
                fields.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        fields.add(current.toString());
        return fields;
    }
}
