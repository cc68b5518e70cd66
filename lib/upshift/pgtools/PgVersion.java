package upshift.pgtools;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PostgreSQL version as a client program or a server reports it: major and minor ({@code 15.18} is major 15,
 * minor 18; a pre-10 {@code 9.6.24} is major 9, minor 6). Development and beta builds ({@code 18beta1},
 * {@code 19devel}) count as minor 0.
 */
public record PgVersion(int major, int minor, String text) implements Comparable<PgVersion> {

    /** "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)", "psql (PostgreSQL) 18beta1", "9.6.24". */
    private static final Pattern VERSION = Pattern.compile("(?:\\(PostgreSQL\\)\\s+)?(\\d+)(?:\\.(\\d+))?(?:\\.(\\d+))?"
            + "([A-Za-z]+\\d*)?");

    /** Parses the output of {@code pg_dump --version} / {@code psql --version}, or a bare version string. */
    public static PgVersion parse(String versionOutput) {
        if (versionOutput == null) {
            throw new IllegalArgumentException("no version output");
        }
        String s = versionOutput.strip();
        int tagged = s.indexOf("(PostgreSQL)");
        Matcher m = VERSION.matcher(s);
        if (!(tagged >= 0 ? m.find(tagged) : m.find())) {
            throw new IllegalArgumentException("not a PostgreSQL version: " + firstLine(s));
        }
        int first = Integer.parseInt(m.group(1));
        Integer second = m.group(2) == null ? null : Integer.valueOf(m.group(2));
        String text = m.group(0).replace("(PostgreSQL)", "").strip();
        if (first < 10) {
            return new PgVersion(first, second == null ? 0 : second, text);
        }
        return new PgVersion(first, m.group(4) != null || second == null ? 0 : second, text);
    }

    /** From {@code server_version_num} (e.g. 160015) and {@code server_version} (e.g. "16.15"). */
    public static PgVersion ofServer(int versionNum, String text) {
        if (versionNum < 100000) {
            return new PgVersion(versionNum / 10000, versionNum / 100 % 100, text);
        }
        return new PgVersion(versionNum / 10000, versionNum % 10000, text);
    }

    /** Whether this is at least {@code major.minor}. */
    public boolean atLeast(int otherMajor, int otherMinor) {
        return major > otherMajor || (major == otherMajor && minor >= otherMinor);
    }

    @Override
    public int compareTo(PgVersion other) {
        return major != other.major ? Integer.compare(major, other.major) : Integer.compare(minor, other.minor);
    }

    @Override
    public String toString() {
        return text;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl >= 0 ? s.substring(0, nl) : s;
    }
}
