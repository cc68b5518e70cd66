package upshift.report;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import upshift.UpshiftException;

/** Durations ({@code 30m}, {@code 90s}, {@code 1h30m}) and byte sizes ({@code 1MB}, {@code 512kB}) as operators type them. */
public final class Units {

    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|h|m|s|d)");
    private static final Pattern NUMBER = Pattern.compile("\\d+(?:\\.\\d+)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]i?b?|b|bytes)?");
    private static final String[] UNITS = {"kB", "MB", "GB", "TB", "PB"};

    private Units() {
    }

    /**
     * A duration: {@code 90s}, {@code 30m}, {@code 2h}, {@code 1h30m}, {@code 500ms}, {@code 1d}; a bare number is
     * seconds; ISO-8601 ({@code PT30M}) works too.
     *
     * @throws UpshiftException a usage error naming {@code option}
     */
    public static Duration duration(String text, String option) {
        String s = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        try {
            if (NUMBER.matcher(s).matches()) {
                return Duration.ofMillis(Math.round(Double.parseDouble(s) * 1000));
            }
            if (s.startsWith("p")) {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            }
            Matcher m = DURATION_PART.matcher(s);
            Duration total = Duration.ZERO;
            int end = 0;
            while (m.find()) {
                if (m.start() != end) {
                    throw new IllegalArgumentException();
                }
                double value = Double.parseDouble(m.group(1));
                long unitMillis = switch (m.group(2)) {
                    case "ms" -> 1L;
                    case "s" -> 1_000L;
                    case "m" -> 60_000L;
                    case "h" -> 3_600_000L;
                    default -> 86_400_000L;
                };
                total = total.plusMillis(Math.round(value * unitMillis));
                end = m.end();
            }
            if (end == 0 || end != s.length()) {
                throw new IllegalArgumentException();
            }
            return total;
        } catch (RuntimeException e) {
            throw UpshiftException.usage("invalid duration for " + option + ": \"" + text + "\"",
                    "write e.g. 90s, 30m, 2h or 1h30m (a bare number is seconds)");
        }
    }

    /**
     * A size in bytes: {@code 1048576}, {@code 512kB}, {@code 1MB}, {@code 16MiB}, {@code 1GB}; units are powers of
     * 1024, as in PostgreSQL's own settings and pg_size_pretty.
     */
    public static long bytes(String text, String option) {
        String s = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) {
            throw UpshiftException.usage("invalid size for " + option + ": \"" + text + "\"",
                    "write a number of bytes, or e.g. 512kB, 1MB, 2GB (powers of 1024)");
        }
        double value = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2);
        long factor = switch (unit.charAt(0)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            case 't' -> 1L << 40;
            default -> 1L;
        };
        return Math.round(value * factor);
    }

    /** A byte count for people: {@code 512 bytes}, {@code 1.2 MB}, {@code 3.0 GB} (powers of 1024). */
    public static String pretty(long bytes) {
        if (Math.abs(bytes) < 1024) {
            return bytes + " bytes";
        }
        double value = bytes;
        int unit = -1;
        while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }

    /** A duration for people: {@code 0.4 s}, {@code 12 s}, {@code 3m05s}, {@code 2h10m}. */
    public static String pretty(Duration d) {
        long millis = d.toMillis();
        if (millis < 10_000) {
            return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
        }
        long seconds = d.toSeconds();
        if (seconds < 60) {
            return seconds + " s";
        }
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, (seconds % 3600) / 60);
    }
}
