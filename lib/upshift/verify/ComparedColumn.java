package upshift.verify;

import java.util.Set;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;

import upshift.schema.Column;
import upshift.sql.Sql;

/**
 * One column both sides have, and how each side renders its values as text for the row checksum.
 *
 * <p>Verify is exact by construction: each side renders <em>its own</em> column type in one canonical, lossless
 * form (never the other side's conversion), so two values render the same if and only if they are the same
 * value, and a value the conversion changed (bigint 9007199254740993 arriving as double precision
 * 9.007199254740992e+15, numeric 1.2345 rounded to 1.23, a float8 that lost digits as real) renders differently.
 * Types of one family still render alike, so a value that survived the type change compares equal:
 * <ul>
 * <li><b>numbers</b> (int2, int4, int8, numeric, real, double precision): the exact decimal, without trailing
 * fraction zeros (numeric(10,2) 12.50 = numeric(12,4) 12.5000, but 1.2345 ≠ 1.23). A float is its shortest
 * round-trip text (extra_float_digits 3), read as numeric: real 1.1 = double precision 1.1 = numeric 1.1; NaN,
 * Infinity, -Infinity and the float -0 are spelled out (so a float -0 is not numeric 0).</li>
 * <li><b>character types</b> (text, varchar, char(n), name, citext): the string; char(n) without its padding, so
 * text 'ab' = char(5) 'ab', text 'ab ' ≠ char(5) 'ab', and char(5) 'ab' ≠ text 'ab   ' (the padding that arrived
 * as text is significant there).</li>
 * <li><b>timestamps</b> (date, timestamp, timestamptz): the timestamp in UTC, a timestamptz without offset, a
 * date as its midnight.</li>
 * <li><b>json and jsonb</b>: the value in jsonb's canonical text (key order, whitespace, escapes and numbers as
 * jsonb normalizes them), except that a json value with duplicate keys (which jsonb drops) renders as its own
 * text, marked, so it never equals a jsonb value.</li>
 * <li><b>arrays</b> whose element type changes: their dimensions, then each element as above.</li>
 * <li>a domain is rendered as its base type; any other pair of different types (enum and text, uuid and text)
 * as the types' text output.</li>
 * <li>identical types: their text output, which is injective under the session settings.</li>
 * </ul>
 *
 * <p>A column accepted with {@code --accept-lossy} is compared as the destination converts it instead: origin's
 * value is passed through its text output and the destination type's input ({@code col::text::<destination
 * type>} on origin), then rendered as the destination type. When the destination type does not exist on origin,
 * the column is not compared (and the report says so).
 *
 * <p>The rendering assumes the session settings {@link Verification} sets on both sides (TimeZone UTC, ISO
 * dates, extra_float_digits 3, bytea_output hex). A SQL NULL stays NULL, so that the row's record text tells it
 * apart from an empty string.
 *
 * @param name                  column name (unquoted)
 * @param originType            format_type() on origin, e.g. {@code integer}
 * @param destinationType       format_type() on destination, e.g. {@code bigint}
 * @param comparedAs            how values are compared, e.g. {@code text}, {@code exact number},
 *                              {@code timestamp in UTC}, {@code as destination converts it (--accept-lossy)}, or
 *                              why the column is not compared
 * @param originExpression      the SQL rendering the column on origin (unqualified); null when not compared
 * @param destinationExpression the same on destination
 * @param plainOutput           whether each side's rendering is just its type's output function (the column's
 *                              {@code ::text}, an I/O conversion or a binary-coercible cast), so that the row's
 *                              record may hold the column itself: record output calls that same function, and the
 *                              row's text is the same, without an intermediate text value per column
 */
public record ComparedColumn(String name, String originType, String destinationType, String comparedAs,
        @JsonIgnore String originExpression, @JsonIgnore String destinationExpression,
        @JsonIgnore boolean plainOutput) {

    /**
     * Base types whose cast to text is their output function (no cast of their own in pg_cast, so an I/O conversion;
     * varchar's is binary-coercible). Not bool ('true' as text, 't' as output), char(n) (the cast drops the padding),
     * inet/cidr (the cast shows the netmask), name and json (left out: not needed). ComparedColumnTest checks the
     * list against pg_cast and the record text on real servers.
     */
    static final Set<String> PLAIN_OUTPUT = Set.of("int2", "int4", "int8", "text", "varchar", "numeric", "float4",
            "float8", "date", "timestamp", "timestamptz", "uuid", "bytea");

    private static final Set<String> INTEGERS = Set.of("int2", "int4", "int8");
    private static final Set<String> FLOATS = Set.of("float4", "float8");
    private static final Set<String> CHARACTERS = Set.of("text", "varchar", "bpchar", "name", "citext");
    private static final Set<String> JSON = Set.of("json", "jsonb");
    private static final Set<String> TIMES = Set.of("date", "timestamp", "timestamptz");

    static final String TEXT = "text";
    static final String NUMBER = "exact number";
    static final String CHARACTER = "text, char(n) without padding";
    static final String JSON_VALUE = "json value (jsonb form; duplicate keys differ)";
    static final String TIMESTAMP = "timestamp in UTC";
    static final String OUTPUT = "text output";
    static final String ACCEPTED = "as destination converts it (--accept-lossy)";

    /** Which side a rendering is for. */
    public enum Side {
        ORIGIN,
        DESTINATION
    }

    /** How a pair of types is rendered: a family of types that share one canonical form. */
    enum Family {
        TEXT, NUMBER, CHARACTER, JSON, TIME, OUTPUT
    }

    /** The comparison for one shared column, from its definition on each side. */
    public static ComparedColumn of(Column origin, Column destination) {
        String o = origin.baseType();
        String d = destination.baseType();
        if (origin.type().equals(destination.type())) {
            return exact(origin, destination, Family.TEXT, TEXT);
        }
        if (isArray(o) && isArray(d)) {
            String eo = o.substring(1);
            String ed = d.substring(1);
            Family f = family(eo, ed);
            if (trivial(f, eo) && trivial(f, ed)) {
                // the array's text output renders its elements as they already are: e.g. int[] and bigint[]
                return exact(origin, destination, Family.TEXT, TEXT);
            }
            String column = Sql.ident(origin.name());
            return new ComparedColumn(origin.name(), origin.type(), destination.type(),
                    "array of " + label(f, eo, ed) + ", element by element",
                    array(f, eo, column), array(f, ed, column), false);
        }
        Family f = family(o, d);
        return exact(origin, destination, f, label(f, o, d));
    }

    /**
     * An {@code --accept-lossy} column: compared as the destination converts it.
     *
     * @param destinationTypeOnOrigin whether the destination's type exists on origin (else it is not compared)
     */
    public static ComparedColumn accepted(Column origin, Column destination, boolean destinationTypeOnOrigin) {
        if (!destinationTypeOnOrigin) {
            return new ComparedColumn(origin.name(), origin.type(), destination.type(),
                    "not compared: accepted with --accept-lossy, and origin has no type " + destination.type()
                            + " to convert it to", null, null, false);
        }
        String column = Sql.ident(origin.name());
        // what replication does: origin's text output, read by the destination type's input function
        String converted = "(" + output(column) + ")::" + destination.type();
        return new ComparedColumn(origin.name(), origin.type(), destination.type(), ACCEPTED,
                render(Family.TEXT, destination.baseType(), converted),
                render(Family.TEXT, destination.baseType(), column), false);
    }

    private static ComparedColumn exact(Column origin, Column destination, Family f, String label) {
        String column = Sql.ident(origin.name());
        String o = render(f, origin.baseType(), column);
        String d = render(f, destination.baseType(), column);
        boolean plain = PLAIN_OUTPUT.contains(origin.baseType()) && PLAIN_OUTPUT.contains(destination.baseType())
                && o.equals(column + "::text") && d.equals(column + "::text");
        return new ComparedColumn(origin.name(), origin.type(), destination.type(), label, o, d, plain);
    }

    /** The family two (base) types share. */
    static Family family(String o, String d) {
        if (num(o) && num(d)) {
            return Family.NUMBER;
        }
        if (CHARACTERS.contains(o) && CHARACTERS.contains(d)) {
            return Family.CHARACTER;
        }
        if (o.equals(d)) {
            return Family.TEXT; // a domain and its base type, varbit(5) and varbit(10), timestamp(0) and timestamp
        }
        if (JSON.contains(o) && JSON.contains(d)) {
            return Family.JSON;
        }
        if (TIMES.contains(o) && TIMES.contains(d)) {
            return Family.TIME;
        }
        return Family.OUTPUT;
    }

    private static String label(Family f, String o, String d) {
        return switch (f) {
            case TEXT -> TEXT;
            case NUMBER -> NUMBER;
            case CHARACTER -> o.equals("bpchar") || d.equals("bpchar") ? CHARACTER : TEXT;
            case JSON -> JSON_VALUE;
            case TIME -> TIMESTAMP;
            case OUTPUT -> OUTPUT;
        };
    }

    private static boolean num(String baseType) {
        return INTEGERS.contains(baseType) || FLOATS.contains(baseType) || baseType.equals("numeric");
    }

    private static boolean isArray(String baseType) {
        return baseType.startsWith("_") && baseType.length() > 1;
    }

    /** Whether the rendering of this type in this family is its plain text output (as inside an array's). */
    private static boolean trivial(Family f, String baseType) {
        return switch (f) {
            case TEXT, OUTPUT -> true;
            case NUMBER -> INTEGERS.contains(baseType);
            case CHARACTER -> !baseType.equals("bpchar") && !baseType.equals("name");
            case JSON, TIME -> false;
        };
    }

    /** One value of this (base) type, rendered in the family's canonical form; NULL in, NULL out. */
    static String render(Family f, String baseType, String value) {
        return switch (f) {
            case TEXT -> value + "::text";
            case NUMBER -> number(baseType, value);
            // char(n)'s cast to text drops the padding; the others' keeps the string as it is
            case CHARACTER -> value + "::text";
            case JSON -> baseType.equals("json") ? json(value) : value + "::text";
            case TIME -> switch (baseType) {
                case "date" -> value + "::timestamp::text";
                // the session's TimeZone is UTC: the UTC timestamp, without the offset
                case "timestamptz" -> "(" + value + " AT TIME ZONE 'UTC')::text";
                default -> value + "::text";
            };
            case OUTPUT -> output(value);
        };
    }

    private static String number(String baseType, String value) {
        if (INTEGERS.contains(baseType)) {
            return value + "::text";
        }
        if (baseType.equals("numeric")) {
            return trimZeros(value + "::text"); // NaN and (14+) Infinity stay as they are
        }
        // shortest round-trip text (extra_float_digits 3 on 12+), read as numeric: exact, and float8::numeric is
        // not (it rounds to 15 digits on 13); NaN, Infinity and the float -0 have no numeric counterpart
        String t = value + "::text";
        return "CASE WHEN " + t + " IN ('NaN', 'Infinity', '-Infinity', '-0') THEN " + t
                + " ELSE " + trimZeros(t + "::numeric::text") + " END";
    }

    /** The fraction's trailing zeros dropped (trim_scale() only exists from 13 on; regexp_replace everywhere). */
    private static String trimZeros(String text) {
        return "regexp_replace(" + text + ", '(\\.[0-9]*[1-9])0+$|\\.0+$', '\\1')";
    }

    /**
     * A json value as jsonb renders it, unless it has duplicate keys (jsonb keeps only the last): then its own
     * text, marked, which no jsonb text can equal. Duplicates show as fewer nodes in the jsonb tree.
     */
    private static String json(String value) {
        return "CASE WHEN " + value + " IS NULL THEN NULL WHEN " + nodes(value, "json") + " = "
                + nodes(value + "::jsonb", "jsonb") + " THEN " + value + "::jsonb::text"
                + " ELSE 'json with duplicate keys: ' || " + value + "::text END";
    }

    private static String nodes(String value, String type) {
        return "(WITH RECURSIVE n(v) AS (SELECT " + value + " UNION ALL SELECT x.v FROM n CROSS JOIN LATERAL ("
                + "SELECT e.value FROM " + type + "_each(CASE WHEN " + type + "_typeof(n.v) = 'object' THEN n.v END) e"
                + " UNION ALL SELECT a.value FROM " + type + "_array_elements(CASE WHEN " + type
                + "_typeof(n.v) = 'array' THEN n.v END) a) AS x(v)) SELECT count(*) FROM n)";
    }

    /**
     * A value's text output, as replication sends it (bool 't', char(n) padded); NULL stays NULL. num_nulls, not
     * IS NULL: a composite whose fields are all NULL IS NULL, yet it is a value ("(,)").
     */
    private static String output(String value) {
        return "CASE WHEN num_nulls(" + value + ") = 1 THEN NULL ELSE format('%s', " + value + ") END";
    }

    /** An array: its dimensions, then its elements (in storage order) each rendered as the element type. */
    private static String array(Family f, String elementType, String column) {
        return "CASE WHEN " + column + " IS NULL THEN NULL ELSE coalesce(array_dims(" + column + "), '')"
                + " || coalesce((SELECT array_agg(" + render(f, elementType, "u.e") + " ORDER BY u.o)::text"
                + " FROM unnest(" + column + ") WITH ORDINALITY AS u(e, o)), '{}') END";
    }

    /** Whether the two sides declare different types. */
    public boolean typeChanged() {
        return !originType.equals(destinationType);
    }

    /** Whether the column is part of the row checksum (an accepted column may not be: see comparedAs). */
    @JsonProperty("compared")
    public boolean compared() {
        return originExpression != null && destinationExpression != null;
    }

    /** Whether the column is compared as the destination converts it (--accept-lossy). */
    @JsonProperty("acceptedLossy")
    public boolean acceptedLossy() {
        return comparedAs.equals(ACCEPTED) || comparedAs.startsWith("not compared: accepted");
    }

    /** The SQL expression rendering this column's value on one side (the column referred to unqualified). */
    public String expression(Side side) {
        return side == Side.ORIGIN ? originExpression : destinationExpression;
    }

    /**
     * What goes into the row's record on one side: the column itself when its rendering is its type's output
     * ({@link #plainOutput}: the record's text is then the same as with {@link #expression}), else the expression.
     */
    public String recordExpression(Side side) {
        return plainOutput ? Sql.ident(name) : expression(side);
    }
}
