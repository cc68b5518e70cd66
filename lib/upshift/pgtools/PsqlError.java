package upshift.pgtools;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The first error psql reported while running a script file, as it writes one on stderr:
 * {@code psql:/path/schema.sql:42: ERROR:  relation "x" does not exist}, followed by the server's
 * {@code LINE n:}, {@code DETAIL:}, {@code HINT:} and {@code CONTEXT:} lines. psql's own errors (an unknown
 * meta-command) look the same with a lower-case {@code error:}.
 */
public record PsqlError(String file, int line, String severity, String message, List<String> details) {

    private static final Pattern LOCATED = Pattern.compile(
            "^psql:(.+):(\\d+): (ERROR|FATAL|PANIC|error|fatal):\\s+(.*)$");
    private static final Pattern FOLLOW_UP = Pattern.compile("^(LINE \\d+:|DETAIL:|HINT:|CONTEXT:|QUERY:|\\s+\\^|\\s).*");

    /** The first located error in psql's stderr, or null when there is none (e.g. it could not connect). */
    public static PsqlError parse(String stderr) {
        String[] lines = stderr.split("\r?\n");
        for (int k = 0; k < lines.length; k++) {
            Matcher m = LOCATED.matcher(lines[k]);
            if (!m.matches()) {
                continue;
            }
            List<String> details = new ArrayList<>();
            for (int j = k + 1; j < lines.length; j++) {
                if (LOCATED.matcher(lines[j]).matches() || lines[j].startsWith("psql:")
                        || !FOLLOW_UP.matcher(lines[j]).matches()) {
                    break;
                }
                details.add(lines[j]);
            }
            return new PsqlError(m.group(1), Integer.parseInt(m.group(2)), m.group(3), m.group(4).strip(),
                    List.copyOf(details));
        }
        return null;
    }

    /** The first line psql wrote that says what went wrong, for failures that name no file and line. */
    public static String firstProblem(String stderr) {
        for (String line : stderr.split("\r?\n")) {
            String l = line.strip();
            if (l.contains("error:") || l.contains("ERROR:") || l.contains("FATAL:")) {
                return l;
            }
        }
        for (String line : stderr.split("\r?\n")) {
            if (!line.isBlank()) {
                return line.strip();
            }
        }
        return "(no message)";
    }
}
