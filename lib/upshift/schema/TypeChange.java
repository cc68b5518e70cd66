package upshift.schema;

import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a column's type differs between origin and destination, and what that means for logical replication, which
 * sends each value as text (or binary) and has the destination's input function read it.
 */
public enum TypeChange {
    /** Identical types. */
    SAME,
    /** Every origin value fits: int → bigint, varchar(50) → varchar(100) or text, numeric(10,2) → numeric(12,2). */
    WIDENING,
    /** Every origin value converts through its text form: anything → text, json ↔ jsonb. */
    CONVERTIBLE,
    /** The destination is shorter than the origin allows (text → varchar(n)): values longer than n fail apply. */
    LENGTH_CHECK,
    /** The destination holds a smaller range (bigint → int, numeric(12,2) → numeric(8,2)): large values fail. */
    NARROWING,
    /** Converts, but may change meaning (timestamp ↔ timestamptz uses the apply worker's time zone). */
    CAUTION,
    /** The destination's input function will reject origin values: replication stops at the first row. */
    INCOMPATIBLE;

    private static final Map<String, Integer> INTEGER_RANK = Map.of("int2", 1, "int4", 2, "int8", 3);
    private static final Set<String> CHARACTER = Set.of("text", "varchar", "bpchar", "name", "citext");
    private static final Set<String> FLOAT = Set.of("float4", "float8");
    private static final Pattern NUMERIC = Pattern.compile("numeric\\((\\d+),(\\d+)\\)");

    /** Whether binary transfer is safe for this column: only when types are identical. */
    public boolean binarySafe() {
        return this == SAME;
    }

    public static TypeChange between(Column origin, Column destination) {
        if (origin.type().equals(destination.type())) {
            return SAME;
        }
        String o = origin.baseType();
        String d = destination.baseType();
        if (o.startsWith("_") && d.startsWith("_")) {
            // arrays (typname _int4, format_type integer[]) convert element by element; element values are not
            // checked against a shorter length or range, so those become CAUTION
            TypeChange element = between(element(origin), element(destination));
            return element == LENGTH_CHECK || element == NARROWING ? CAUTION : element;
        }
        if (INTEGER_RANK.containsKey(o) && INTEGER_RANK.containsKey(d)) {
            return INTEGER_RANK.get(d) > INTEGER_RANK.get(o) ? WIDENING : o.equals(d) ? SAME : NARROWING;
        }
        if (INTEGER_RANK.containsKey(o) && d.equals("numeric")) {
            int[] dest = precisionScale(destination.type());
            int digits = o.equals("int2") ? 5 : o.equals("int4") ? 10 : 19;
            return dest == null || dest[0] - dest[1] >= digits ? WIDENING : NARROWING;
        }
        if (o.equals("numeric") && d.equals("numeric")) {
            int[] from = precisionScale(origin.type());
            int[] to = precisionScale(destination.type());
            if (to == null) {
                return WIDENING;
            }
            if (from == null) {
                return NARROWING;
            }
            return to[0] - to[1] >= from[0] - from[1] && to[1] >= from[1] ? WIDENING : NARROWING;
        }
        if ((INTEGER_RANK.containsKey(o) || FLOAT.contains(o)) && FLOAT.contains(d)) {
            if (d.equals("float8") && (o.equals("int2") || o.equals("int4") || o.equals("float4"))) {
                return WIDENING;
            }
            return CAUTION;
        }
        if (CHARACTER.contains(d)) {
            if (destination.length() < 0 || d.equals("text")) {
                return CHARACTER.contains(o) ? WIDENING : CONVERTIBLE;
            }
            if (CHARACTER.contains(o) && origin.length() >= 0 && !o.equals("text")
                    && origin.length() <= destination.length()) {
                return WIDENING;
            }
            return LENGTH_CHECK;
        }
        if ((o.equals("json") && d.equals("jsonb")) || (o.equals("jsonb") && d.equals("json"))) {
            return CONVERTIBLE;
        }
        if ((o.equals("timestamp") && d.equals("timestamptz")) || (o.equals("timestamptz") && d.equals("timestamp"))) {
            return CAUTION;
        }
        if (o.equals("date") && (d.equals("timestamp") || d.equals("timestamptz"))) {
            return WIDENING;
        }
        if (o.equals(d)) {
            // same base type with different modifiers (bit(n), time(p), arrays of a type, domains)
            return CAUTION;
        }
        return INCOMPATIBLE;
    }

    private static final Pattern ARRAY_SUFFIX = Pattern.compile("(\\[\\])+$");
    private static final Pattern CHARACTER_LENGTH = Pattern.compile("\\((\\d+)\\)$");

    /** The element column of an array column: {@code character varying(10)[]}/{@code _varchar} → varchar(10). */
    private static Column element(Column array) {
        String type = ARRAY_SUFFIX.matcher(array.type()).replaceFirst("");
        String base = array.baseType().substring(1);
        int length = -1;
        Matcher m = CHARACTER_LENGTH.matcher(type);
        if ((base.equals("varchar") || base.equals("bpchar")) && m.find()) {
            length = Integer.parseInt(m.group(1));
        }
        return new Column(array.name(), type, base, length, array.notNull(), null, false, false, null);
    }

    /** {precision, scale} of numeric(p,s), or null for an unconstrained numeric. */
    private static int[] precisionScale(String type) {
        Matcher m = NUMERIC.matcher(type);
        return m.matches() ? new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))} : null;
    }
}
