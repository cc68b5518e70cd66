package upshift.generate;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the simplest CHECK constraints say about one column (or a domain's {@code VALUE}), read from
 * pg_get_constraintdef(): bounds ({@code col > 0 AND col < 50}, {@code BETWEEN}) and lists of values
 * ({@code col IN ('a', 'b')}). Anything else is left to the server: the generator tries, the server rejects and the
 * generator retries with other values. A hint only makes a first try likelier to pass.
 *
 * @param min          the lower bound, or null
 * @param minExclusive {@code >} rather than {@code >=}
 * @param max          the upper bound, or null
 * @param maxExclusive {@code <} rather than {@code <=}
 * @param allowed      the values a list allows (text input), or empty
 */
public record CheckHint(Double min, boolean minExclusive, Double max, boolean maxExclusive, List<String> allowed) {

    private static final String NAME = "(?:\"((?:[^\"]|\"\")+)\"|([A-Za-z_][A-Za-z0-9_$]*))";
    private static final Pattern BOUND = Pattern.compile(NAME + "\\s*(>=|<=|>|<)\\s*\\(?'?(-?\\d+(?:\\.\\d+)?)'?\\)?");
    private static final Pattern LIST = Pattern.compile(NAME + "\\s*=\\s*ANY\\s*\\(\\(?ARRAY\\[(.*?)\\]\\)?");
    private static final Pattern LITERAL = Pattern.compile("'((?:[^']|'')*)'");

    /** The hint the checks give {@code column} ({@code "VALUE"} for a domain), or null when they give none. */
    public static CheckHint of(List<String> checks, String column) {
        Double min = null;
        Double max = null;
        boolean minExclusive = false;
        boolean maxExclusive = false;
        List<String> allowed = new ArrayList<>();
        for (String check : checks) {
            if (check.contains(" OR ") || check.contains("NOT ")) {
                continue;
            }
            Matcher list = LIST.matcher(check);
            while (list.find()) {
                if (column.equals(name(list))) {
                    Matcher literal = LITERAL.matcher(list.group(3));
                    List<String> values = new ArrayList<>();
                    while (literal.find()) {
                        values.add(literal.group(1).replace("''", "'"));
                    }
                    if (!values.isEmpty() && allowed.isEmpty()) {
                        allowed.addAll(values);
                    }
                }
            }
            Matcher bound = BOUND.matcher(check);
            while (bound.find()) {
                if (!column.equals(name(bound))) {
                    continue;
                }
                double v = Double.parseDouble(bound.group(4));
                switch (bound.group(3)) {
                    case ">" -> { if (min == null || v >= min) { min = v; minExclusive = true; } }
                    case ">=" -> { if (min == null || v > min) { min = v; minExclusive = false; } }
                    case "<" -> { if (max == null || v <= max) { max = v; maxExclusive = true; } }
                    default -> { if (max == null || v < max) { max = v; maxExclusive = false; } }
                }
            }
        }
        if (min == null && max == null && allowed.isEmpty()) {
            return null;
        }
        return new CheckHint(min, minExclusive, max, maxExclusive, List.copyOf(allowed));
    }

    private static String name(Matcher m) {
        return m.group(1) != null ? m.group(1).replace("\"\"", "\"") : m.group(2);
    }

    /** The smallest and largest value to try, for a type with {@code step} between values (1 for integers). */
    double low(double step) {
        double lo = min == null ? (max != null && max < 0 ? max - 10_000 : 0) : min;
        return minExclusive ? lo + step : lo;
    }

    double high(double step, double otherwise) {
        if (max == null) {
            return otherwise;
        }
        return maxExclusive ? max - step : max;
    }
}
