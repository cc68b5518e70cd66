package upshift.pgtools;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import upshift.server.Capabilities;
import upshift.server.Feature;

/**
 * Lines of a pg_dump script that the psql or the server used for the restore would reject, and what to do with
 * them. Each removed line is replaced by a comment, so line numbers in psql's errors still match the file the
 * operator has.
 *
 * <ul>
 * <li>The meta-commands {@code restrict KEY} and {@code unrestrict KEY} (each after a backslash): written by pg_dump 13.22, 14.19, 15.14, 16.10, 17.6, 18
 * and later (CVE-2025-8714); psql older than those minors stops on them with "invalid command". Removed only
 * when the psql that restores is older; kept otherwise (they stop a malicious dump from running shell
 * commands through psql).</li>
 * <li>{@code SET transaction_timeout = 0;}: written by pg_dump 17 and later; a server older than 17 has no such
 * setting ({@link Feature#SETTING_TRANSACTION_TIMEOUT}).</li>
 * </ul>
 */
public final class DumpCompatibility {

    /** The first minor of each major whose psql knows \restrict (the August 2025 releases); 18.0 and later all do. */
    static final Map<Integer, Integer> RESTRICT_SINCE_MINOR = Map.of(13, 22, 14, 19, 15, 14, 16, 10, 17, 6);

    private static final Pattern RESTRICT = Pattern.compile("^\\\\(un)?restrict(\\s.*)?$");
    private static final Pattern TRANSACTION_TIMEOUT = Pattern.compile(
            "^SET\\s+transaction_timeout\\s*=\\s*[^;]*;\\s*$", Pattern.CASE_INSENSITIVE);

    /** A script after filtering: its text and what was changed (empty when nothing was). */
    public record Filtered(String text, List<String> notes) {
        public boolean changed() {
            return !notes.isEmpty();
        }
    }

    private DumpCompatibility() {
    }

    /** Whether this psql understands the restrict and unrestrict meta-commands (backslash commands). */
    public static boolean psqlKnowsRestrict(PgVersion psql) {
        if (psql.major() >= 18) {
            return true;
        }
        Integer since = RESTRICT_SINCE_MINOR.get(psql.major());
        return since != null && psql.minor() >= since;
    }

    /** The script as this psql and this destination server accept it. */
    public static Filtered filter(String fileName, String text, PgVersion psql, Capabilities destination) {
        boolean stripRestrict = !psqlKnowsRestrict(psql);
        boolean stripTimeout = !destination.has(Feature.SETTING_TRANSACTION_TIMEOUT);
        String[] lines = text.split("\n", -1);
        int restrictLines = 0;
        int timeoutLines = 0;
        for (int k = 0; k < lines.length; k++) {
            String line = lines[k].endsWith("\r") ? lines[k].substring(0, lines[k].length() - 1) : lines[k];
            if (stripRestrict && RESTRICT.matcher(line).matches()) {
                lines[k] = "-- upshift: removed a " + (line.startsWith("\\un") ? "unrestrict" : "restrict")
                        + " meta-command: psql " + psql + " does not know it";
                restrictLines++;
            } else if (stripTimeout && TRANSACTION_TIMEOUT.matcher(line).matches()) {
                lines[k] = "-- upshift: removed a transaction_timeout setting: " + destination + " has no such setting";
                timeoutLines++;
            }
        }
        List<String> notes = new ArrayList<>();
        if (restrictLines > 0) {
            notes.add(fileName + ": removed " + restrictLines + " \\restrict/\\unrestrict line(s) that psql "
                    + psql + " does not know (a psql of 13.22, 14.19, 15.14, 16.10, 17.6, 18 or newer keeps them)");
        }
        if (timeoutLines > 0) {
            notes.add(fileName + ": removed " + timeoutLines + " SET transaction_timeout line(s): the destination "
                    + destination + " has no such setting (the dump was made by pg_dump 17 or newer)");
        }
        return new Filtered(notes.isEmpty() ? text : String.join("\n", lines), List.copyOf(notes));
    }
}
