package upshift.verify;

import java.util.Set;

import upshift.schema.Column;
import upshift.sql.Sql;

/**
 * One column both sides have, and how its values are rendered as text on each side so that a value that
 * replicated correctly renders the same on both, whatever the type change: {@code int} and {@code bigint},
 * {@code text} and {@code varchar(n)}, {@code numeric(10,2)} and {@code numeric(12,4)}, {@code real} and
 * {@code double precision}, {@code json} and {@code jsonb}, {@code timestamp} and {@code timestamptz}.
 *
 * <p>The rendering assumes the session settings {@link Verification} sets on both sides (TimeZone UTC, ISO
 * dates, extra_float_digits 3, bytea_output hex). A SQL NULL stays NULL, so that the row's record text tells it
 * apart from an empty string.
 *
 * @param name            column name (unquoted)
 * @param originType      format_type() on origin, e.g. {@code integer}
 * @param destinationType format_type() on destination, e.g. {@code bigint}
 * @param comparedAs      how values are compared: {@code text} (identical types, or types whose text forms
 *                        match), {@code number} (trailing zeros of the fraction ignored), {@code float8},
 *                        {@code text, trailing blanks ignored} (char(n) on one side), {@code jsonb},
 *                        {@code timestamp in UTC}
 */
public record ComparedColumn(String name, String originType, String destinationType, String comparedAs) {

    private static final Set<String> INTEGERS = Set.of("int2", "int4", "int8");
    private static final Set<String> FLOATS = Set.of("float4", "float8");
    private static final Set<String> CHARACTERS = Set.of("text", "varchar", "bpchar", "name", "citext");
    private static final Set<String> JSON = Set.of("json", "jsonb");
    private static final Set<String> TIMES = Set.of("date", "timestamp", "timestamptz");

    static final String TEXT = "text";
    static final String NUMBER = "number";
    static final String FLOAT = "float8";
    static final String BLANK_PADDED = "text, trailing blanks ignored";
    static final String JSONB = "jsonb";
    static final String TIMESTAMP = "timestamp in UTC";

    /** The comparison for one shared column, from its definition on each side. */
    public static ComparedColumn of(Column origin, Column destination) {
        return new ComparedColumn(origin.name(), origin.type(), destination.type(), rule(origin, destination));
    }

    private static String rule(Column origin, Column destination) {
        if (origin.type().equals(destination.type())) {
            return TEXT;
        }
        String o = origin.baseType();
        String d = destination.baseType();
        if (INTEGERS.contains(o) && INTEGERS.contains(d)) {
            return TEXT; // 42 is "42" as int2, int4 and int8
        }
        if (numeric(o) && numeric(d)) {
            return NUMBER;
        }
        if ((FLOATS.contains(o) || numeric(o)) && (FLOATS.contains(d) || numeric(d))) {
            return FLOAT;
        }
        if (CHARACTERS.contains(o) && CHARACTERS.contains(d)) {
            return o.equals("bpchar") || d.equals("bpchar") ? BLANK_PADDED : TEXT;
        }
        if (JSON.contains(o) && JSON.contains(d)) {
            return JSONB;
        }
        if (TIMES.contains(o) && TIMES.contains(d)) {
            return TIMESTAMP;
        }
        return TEXT;
    }

    private static boolean numeric(String baseType) {
        return INTEGERS.contains(baseType) || baseType.equals("numeric");
    }

    /** Whether the two sides declare different types (the comparison normalizes the values). */
    public boolean typeChanged() {
        return !originType.equals(destinationType);
    }

    /**
     * The SQL expression rendering this column's value as text, the same on both sides (the column is referred
     * to unqualified). NULL in, NULL out.
     */
    public String expression() {
        String column = Sql.ident(name);
        return switch (comparedAs) {
            // numeric keeps its declared scale: 12.50 in numeric(10,2) is 12.5000 in numeric(12,4); drop the
            // fraction's trailing zeros (trim_scale() would do, but regexp_replace works on every version)
            case NUMBER -> "regexp_replace(" + column + "::numeric::text, '(\\.[0-9]*[1-9])0+$|\\.0+$', '\\1')";
            // what replication does: origin's text form read by the destination's input function
            case FLOAT -> column + "::text::float8::text";
            // char(n) pads with blanks on output; its cast to text drops them
            case BLANK_PADDED -> "rtrim(" + column + "::text, ' ')";
            case JSONB -> column + "::text::jsonb::text";
            // timestamptz read as local time in the session's time zone (UTC); a date as its midnight
            case TIMESTAMP -> column + "::timestamp::text";
            default -> column + "::text";
        };
    }
}
