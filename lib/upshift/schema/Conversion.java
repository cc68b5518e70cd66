package upshift.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import upshift.schema.ColumnTypes.ColumnType;
import upshift.server.Capabilities;
import upshift.server.Feature;
import upshift.sql.Sql;

/**
 * How the values of one origin column become the values of the same destination column, from both servers' type
 * definitions (not only the names): the apply worker reads origin's text output of each value with the
 * destination type's input function (and its domain's constraints).
 *
 * <p>Each pair is {@link Verdict#LOSSLESS}, {@link Verdict#LOSSY} (some values change), {@link Verdict#FAILS}
 * (some values are rejected: the apply stops at the first), {@link Verdict#IMPOSSIBLE} (every row fails or loses
 * its value) or {@link Verdict#UNVERIFIED} (only the data can tell, or not even that on origin). LOSSY and FAILS
 * pairs come with SQL conditions over the origin column that name the rows concerned, so that one scan of the
 * table counts them for all its columns. The conditions assume a non-null value; {@link #nullFails()} says what a
 * NULL does.
 *
 * <p>What counts as a change: the destination's value, written back as origin's type, differs from the origin
 * value ({@code col::dest::orig IS DISTINCT FROM col}, with the apply worker's text path where casts differ from
 * input functions). Representation alone is not a change: json → jsonb reorders keys and drops white space (the
 * same JSON value), but drops duplicate keys (a change); char(n) pads with blanks (insignificant in char), but a
 * trailing blank of a text value sent to char(n) is lost (a change); real shows 0.1 for float8 0.1 (the same text,
 * no change) but 0.12345679 for 0.123456789 (a change). timestamp ↔ timestamptz depends on the zone the values
 * are read in: the destination apply worker's TimeZone (timestamp → timestamptz) and the origin walsender's
 * (timestamptz → timestamp); only values that do not survive the round trip through that zone (daylight-saving
 * gaps and overlaps) change; when the zone is unknown every value counts as possibly changed.
 *
 * @param verdict      the classification before looking at data
 * @param what         what happens to the values, for a person (e.g. "values are rounded to 2 decimal places")
 * @param failsWhen    SQL condition over the origin value: the destination rejects it; null when none is
 * @param nullFails    whether a NULL is rejected (a NOT NULL domain)
 * @param failCheck    the finding's check name for rejected rows: value-length, value-range, value-rejected
 * @param failLabel    what the rejected rows are, for a person ("are longer than 20 characters")
 * @param changesWhen  SQL condition over the origin value: the destination holds a different value; null when none
 * @param changeLabel  how they change, for a person ("are rounded to 2 decimal places")
 * @param extreme      the extreme existing value worth showing (longest, range, magnitude), or null
 * @param fragile      the conditions may raise an error on origin (a domain CHECK, a generic conversion): run
 *                     them so that an error names this column only
 * @param note         a non-blocking remark about the conversion (the zone timestamps are read in), or null
 */
public record Conversion(Verdict verdict, String what, String failsWhen, boolean nullFails, String failCheck,
        String failLabel, String changesWhen, String changeLabel, Extreme extreme, boolean fragile, String note) {

    /** The classification of a column pair. */
    public enum Verdict {
        /** Every value arrives unchanged. */
        LOSSLESS,
        /** Some values change on the way (rounding, lost digits, dropped duplicate keys, trailing blanks). */
        LOSSY,
        /** Some values are rejected by the destination's input function or constraints: the apply stops. */
        FAILS,
        /** No row can arrive as it is: a generated column on one side only, or incompatible types. */
        IMPOSSIBLE,
        /** Only the data can tell (a generic conversion), or it cannot be checked on origin at all. */
        UNVERIFIED
    }

    /** What an extreme value measures. */
    public enum Measure {
        LENGTH, INTEGER_RANGE, NUMERIC_RANGE
    }

    /**
     * The extreme existing value of a column, to show next to a count.
     *
     * @param measure what is measured
     * @param sql     an aggregate expression over the origin column, as text
     * @param limit   what the destination holds, for a person
     */
    public record Extreme(Measure measure, String sql, String limit) {

        public String label(String value) {
            if (value == null) {
                return "no values yet";
            }
            return switch (measure) {
                case LENGTH -> "longest " + value + " characters";
                case INTEGER_RANGE -> "values " + value;
                case NUMERIC_RANGE -> "largest magnitude " + value;
            };
        }
    }

    /**
     * What the conversion depends on besides the types.
     *
     * @param origin              origin's capabilities (which columns its publications send)
     * @param destination         destination's capabilities (what its input functions accept)
     * @param originTimeZone      the TimeZone origin's walsender writes timestamptz values in, or null if unknown
     * @param destinationTimeZone the TimeZone destination's apply worker reads timestamp values in, or null
     */
    public record Servers(Capabilities origin, Capabilities destination, String originTimeZone,
            String destinationTimeZone) {
    }

    private static final Map<String, Integer> INTEGER_BITS = Map.of("int2", 16, "int4", 32, "int8", 64);
    private static final Map<String, String[]> INTEGER_BOUNDS = Map.of(
            "int2", new String[] {"-32768", "32767"},
            "int4", new String[] {"-2147483648", "2147483647"},
            "int8", new String[] {"-9223372036854775808", "9223372036854775807"});
    private static final Set<String> FLOAT = Set.of("float4", "float8");
    private static final Set<String> STRING = Set.of("text", "varchar", "bpchar", "name");
    /** Mantissa bits of float4 and float8: integers up to 2^bits convert exactly. */
    private static final Map<String, Integer> FLOAT_MANTISSA = Map.of("float4", 24, "float8", 53);
    /** The smallest magnitude that rounds to infinity, and the largest that rounds to zero (both rejected). */
    private static final Map<String, String[]> FLOAT_LIMITS = Map.of(
            "float4", new String[] {"340282356779733661637539395458142568448", "7.006492321624085e-46"},
            "float8", new String[] {"1.797693134862315807937289714053e308", "2.4703282292062327208828439643e-324"});

    public static final Conversion LOSSLESS = new Conversion(Verdict.LOSSLESS, "every value converts unchanged",
            null, false, null, null, null, null, null, false, null);

    // ---- building ---------------------------------------------------------------------------------------------

    private static final class Rule {
        Verdict verdict = Verdict.LOSSLESS;
        String what;
        String fails;
        boolean nullFails;
        String failCheck = "value-rejected";
        String failLabel;
        String changes;
        String changeLabel;
        Extreme extreme;
        boolean fragile;
        String note;

        Rule what(String text) {
            this.what = text;
            return this;
        }

        Rule fails(String sql, String check, String label) {
            this.fails = sql;
            this.failCheck = check;
            this.failLabel = label;
            if (verdict != Verdict.UNVERIFIED) {
                verdict = Verdict.FAILS;
            }
            return this;
        }

        Rule changes(String sql, String label) {
            this.changes = sql;
            this.changeLabel = label;
            if (verdict == Verdict.LOSSLESS) {
                verdict = Verdict.LOSSY;
            }
            return this;
        }

        Conversion build() {
            String text = what;
            if (text == null) {
                List<String> parts = new ArrayList<>();
                if (changeLabel != null) {
                    parts.add("values that " + changeLabel.replaceFirst("^are ", "are ") + " change");
                }
                if (failLabel != null) {
                    parts.add("values that " + failLabel + " are rejected");
                }
                text = parts.isEmpty() ? "every value converts unchanged" : String.join("; ", parts);
            }
            return new Conversion(verdict, text, fails, nullFails, failCheck, failLabel, changes, changeLabel,
                    extreme, fragile, note);
        }
    }

    private static Rule lossless() {
        return new Rule();
    }

    private static Rule impossible(String what) {
        Rule r = new Rule();
        r.verdict = Verdict.IMPOSSIBLE;
        r.what = what;
        return r;
    }

    private static Rule unverified(String what) {
        Rule r = new Rule();
        r.verdict = Verdict.UNVERIFIED;
        r.what = what;
        return r;
    }

    // ---- the model --------------------------------------------------------------------------------------------

    /** Classifies one column pair; {@code column} is the origin column's SQL reference (quoted). */
    public static Conversion between(String column, ColumnType origin, ColumnType destination, Servers servers) {
        if (destination.generated() && !origin.generated()) {
            return impossible("the column is generated on destination but a plain column on origin: origin sends"
                    + " its values and the apply worker cannot write a generated column, so replication of the table"
                    + " stops at its first row").build();
        }
        if (origin.generated() && !destination.generated()) {
            if (!servers.origin().has(Feature.PUBLICATION_GENERATED_COLUMNS)) {
                return impossible("the column is generated on origin but a plain column on destination: origin ("
                        + servers.origin() + ") never sends generated columns, so every replicated row gets NULL"
                        + " (or the column's default) instead of its value").build();
            }
            Rule r = unverified("the column is generated on origin but a plain column on destination: origin"
                    + " sends it only when the publication sets publish_generated_columns = stored; otherwise every"
                    + " replicated row gets NULL (or the column's default)");
            return r.build();
        }
        if (origin.generated()) {
            return LOSSLESS; // not sent; destination computes its own
        }
        return values(column, origin.type(), destination.type(), servers);
    }

    /** Classifies the values of one type pair; {@code v} is an SQL expression of origin's type. */
    public static Conversion values(String v, TypeDefinition origin, TypeDefinition destination, Servers servers) {
        return rule(v, origin, destination, servers, 0).build();
    }

    private static Rule rule(String v, TypeDefinition o, TypeDefinition d, Servers s, int depth) {
        if (o.sameDefinition(d)) {
            return lossless();
        }
        if (d.isDomain() && d.base() != null) {
            return domain(v, o, d, s, depth);
        }
        TypeDefinition oe = o.withoutDomains();
        if (oe.isEnum()) {
            oe = TypeDefinition.builtin("text", "text"); // an enum's output is its label
        }
        if (oe.sameDefinition(d)) {
            return lossless();
        }
        if (d.isEnum()) {
            return enumLabels(v, o, oe, d);
        }
        String dn = d.name();
        if (STRING.contains(dn) && "pg_catalog".equals(d.schema()) && !d.isArray()) {
            return string(v, oe, d);
        }
        if (d.isArray() || oe.isArray()) {
            if (!(d.isArray() && oe.isArray())) {
                return impossible(oe.format() + " → " + d.format() + ": an array and a non-array type; the"
                        + " destination rejects every non-null value");
            }
            return array(v, oe, d, s, depth);
        }
        if (!d.builtIn()) {
            if (d.format().equals(oe.format())) {
                return unverified("the type " + d.format() + " is defined differently on the two servers ("
                        + (oe.detail() == null ? oe.format() : oe.detail()) + " on origin, "
                        + (d.detail() == null ? d.format() : d.detail()) + " on destination); its values cannot be"
                        + " checked on origin");
            }
            return unverified("destination's type " + d.format() + " does not exist on origin, so origin's values"
                    + " cannot be checked against it there");
        }
        String on = oe.name();
        if (INTEGER_BITS.containsKey(dn)) {
            return integer(v, oe, d);
        }
        if (dn.equals("numeric")) {
            Rule r = numeric(v, oe, d, s);
            if (r != null) {
                return r;
            }
        }
        if (FLOAT.contains(dn)) {
            Rule r = floating(v, oe, d);
            if (r != null) {
                return r;
            }
        }
        if (on.equals("timestamp") && dn.equals("timestamptz")) {
            return zone(v, s.destinationTimeZone(), "the destination apply worker's TimeZone",
                    "timestamp → timestamptz: origin sends wall-clock times without a zone; destination reads them");
        }
        if (on.equals("timestamptz") && dn.equals("timestamp")) {
            return zone(v, s.originTimeZone(), "the origin walsender's TimeZone",
                    "timestamptz → timestamp: origin sends each instant as wall-clock time (and offset) in its"
                            + " TimeZone; destination keeps the wall-clock time and drops the offset");
        }
        if (on.equals("date") && (dn.equals("timestamp") || dn.equals("timestamptz"))) {
            return lossless();
        }
        if (on.equals("json") && dn.equals("jsonb")) {
            return json(v);
        }
        if (on.equals("jsonb") && dn.equals("json")) {
            return lossless();
        }
        if (on.equals(dn)) {
            return sameBase(v, oe, d);
        }
        return generic(v, o, oe, d);
    }

    /** A destination domain: the base conversion, then its NOT NULL and its CHECKs evaluated on origin data. */
    private static Rule domain(String v, TypeDefinition o, TypeDefinition d, Servers s, int depth) {
        Rule base = rule(v, o.isDomain() && o.format().equals(d.format()) ? o.withoutDomains() : o, d.base(), s,
                depth + 1);
        if (base.verdict == Verdict.IMPOSSIBLE) {
            return base;
        }
        Rule r = base;
        r.nullFails = r.nullFails || d.notNull();
        String nullLabel = d.notNull() ? "are NULL (domain " + d.format() + " is NOT NULL)" : null;
        if (d.checks().isEmpty()) {
            if (nullLabel != null) {
                r.verdict = r.verdict == Verdict.UNVERIFIED ? r.verdict : Verdict.FAILS;
                r.failLabel = r.failLabel == null ? nullLabel : r.failLabel + ", or " + nullLabel;
            }
            return r;
        }
        if (!d.base().builtIn()) {
            Rule u = unverified("destination's domain " + d.format() + " has CHECK constraints over a type origin"
                    + " does not have (" + d.base().format() + "): they cannot be evaluated on origin");
            u.note = String.join(" ", d.checks());
            return u;
        }
        String value = "(" + output(v, o.withoutDomains()) + ")::" + d.base().format();
        String checks = d.checks().stream().map(c -> "COALESCE(" + substituteValue(checkExpression(c),
                value) + ", true)").collect(Collectors.joining(" AND "));
        String fails = r.fails == null ? "NOT (" + checks + ")"
                : "CASE WHEN " + r.fails + " THEN true ELSE NOT (" + checks + ") END";
        String label = "violate destination's domain " + d.format() + " " + String.join(" ", d.checks());
        if (r.failLabel != null) {
            label = r.failLabel + ", or " + label;
        }
        if (nullLabel != null) {
            label = label + ", or " + nullLabel;
        }
        r.fails(fails, r.fails == null ? "value-rejected" : r.failCheck, label);
        r.fragile = true;
        return r;
    }

    private static Rule enumLabels(String v, TypeDefinition o, TypeDefinition oe, TypeDefinition d) {
        TypeDefinition originEnum = o.withoutDomains();
        if (originEnum.isEnum() && d.labels().containsAll(originEnum.labels())) {
            return lossless();
        }
        String labels = "ARRAY[" + d.labels().stream().map(Sql::literal).collect(Collectors.joining(", "))
                + "]::pg_catalog.text[]";
        String missing = originEnum.isEnum() ? " (origin's labels " + originEnum.labels().stream()
                .filter(l -> !d.labels().contains(l)).collect(Collectors.joining(", ")) + " are missing)" : "";
        return lossless().fails(output(v, oe) + " <> ALL (" + labels + ")", "value-rejected",
                "are not labels of destination's enum " + d.format() + missing);
    }

    private static Rule string(String v, TypeDefinition o, TypeDefinition d) {
        int n = d.modifier();
        String out = output(v, o);
        boolean originString = STRING.contains(o.name()) && "pg_catalog".equals(o.schema()) && !o.isArray();
        if (d.name().equals("name")) {
            return lossless().changes("pg_catalog.octet_length(" + out + ") > 63",
                    "are longer than 63 bytes (name truncates them)");
        }
        if (n < 0) {
            return lossless();
        }
        int m = originString ? o.modifier() : -1;
        boolean originPadded = o.name().equals("bpchar");
        if (m >= 0 && m <= n && (o.name().equals(d.name()) || (originPadded && d.name().equals("varchar")))) {
            return lossless();
        }
        Rule r = lossless();
        r.fails("pg_catalog.char_length(pg_catalog.rtrim(" + out + ")) > " + n, "value-length",
                "are longer than " + n + " characters");
        r.extreme = new Extreme(Measure.LENGTH, "pg_catalog.max(pg_catalog.char_length(pg_catalog.rtrim(" + out
                + ")))::pg_catalog.text", "at most " + n + " characters");
        if (originString && !originPadded) {
            if (d.name().equals("varchar")) {
                r.changes("pg_catalog.char_length(" + out + ") > " + n,
                        "end in blanks beyond " + n + " characters (cut off)");
            } else {
                r.changes(out + " LIKE '% '", "end in a blank (char(n) drops trailing blanks)");
            }
        }
        return r;
    }

    private static Rule array(String v, TypeDefinition o, TypeDefinition d, Servers s, int depth) {
        String e = "upshift_e" + depth + ".v";
        Rule element = rule(e, o.element(), d.element(), s, depth + 1);
        if (element.verdict == Verdict.LOSSLESS || element.verdict == Verdict.IMPOSSIBLE) {
            return element;
        }
        String from = " FROM pg_catalog.unnest(" + v + ") AS upshift_e" + depth + "(v) WHERE " + e + " IS NOT NULL";
        Rule r = new Rule();
        r.verdict = element.verdict;
        r.fragile = element.fragile;
        r.note = element.note;
        r.what = element.what == null ? null : "each element: " + element.what;
        if (element.fails != null) {
            r.fails = "EXISTS (SELECT 1" + from + " AND (" + element.fails + "))";
            r.failCheck = element.failCheck;
            r.failLabel = "have an element that " + element.failLabel.replaceFirst("^are ", "is ");
        }
        if (element.changes != null) {
            String guarded = element.fails == null ? element.changes
                    : "CASE WHEN " + element.fails + " THEN false ELSE " + element.changes + " END";
            r.changes = "EXISTS (SELECT 1" + from + " AND (" + guarded + "))";
            r.changeLabel = "have an element that " + element.changeLabel.replaceFirst("^are ", "is ");
        }
        return r;
    }

    private static Rule integer(String v, TypeDefinition o, TypeDefinition d) {
        String dn = d.name();
        String[] bounds = INTEGER_BOUNDS.get(dn);
        String range = bounds[0] + " .. " + bounds[1];
        String outside = "(" + v + " < " + bounds[0] + " OR " + v + " > " + bounds[1] + ")";
        String on = o.name();
        if (INTEGER_BITS.containsKey(on)) {
            if (INTEGER_BITS.get(dn) >= INTEGER_BITS.get(on)) {
                return lossless();
            }
            Rule r = lossless().fails(outside, "value-range", "are outside " + range);
            r.extreme = new Extreme(Measure.INTEGER_RANGE, "pg_catalog.min(" + v + ")::pg_catalog.text || ' .. ' ||"
                    + " pg_catalog.max(" + v + ")::pg_catalog.text", range);
            return r;
        }
        if (on.equals("numeric") || FLOAT.contains(on)) {
            return lossless().fails("CASE WHEN (" + v + ")::pg_catalog.text !~ '^-?[0-9]+$' THEN true ELSE "
                    + outside + " END", "value-range", "are not integers in " + range
                    + " as origin writes them (" + d.format() + " rejects \"1.50\", \"1e+20\", \"NaN\")");
        }
        if (STRING.contains(on)) {
            String t = "pg_catalog.btrim(" + output(v, o) + ")";
            String fails = "CASE WHEN " + t + " !~ '^[+-]?[0-9]+$' THEN true ELSE " + t + "::pg_catalog.numeric < "
                    + bounds[0] + " OR " + t + "::pg_catalog.numeric > " + bounds[1] + " END";
            return lossless().fails(fails, "value-range", "are not integers in " + range)
                    .changes("(" + t + "::pg_catalog.numeric)::pg_catalog.text <> " + output(v, o),
                            "are written differently (blanks, sign, leading zeros)");
        }
        return generic(v, o, o, d);
    }

    private static Rule numeric(String v, TypeDefinition o, TypeDefinition d, Servers s) {
        int p = d.modifier();
        int scale = d.scale();
        String on = o.name();
        if (INTEGER_BITS.containsKey(on)) {
            int digits = on.equals("int2") ? 5 : on.equals("int4") ? 10 : 19;
            if (p < 0 || p - scale >= digits) {
                return lossless();
            }
            return magnitude(lossless(), "pg_catalog.abs((" + v + ")::pg_catalog.numeric) >= "
                    + tenTo(p - scale), v, p, scale);
        }
        if (on.equals("numeric")) {
            if (p < 0) {
                return lossless();
            }
            int p1 = o.modifier();
            int s1 = o.scale();
            if (p1 >= 0 && p1 - s1 <= p - scale && s1 <= scale) {
                return lossless();
            }
            Rule r = lossless();
            if (p1 < 0 || s1 > scale) {
                r.changes(v + " <> pg_catalog.round(" + v + ", " + scale + ")",
                        "have more than " + scale + " decimal place(s) (rounded)");
            }
            return magnitude(r, v + " <> 'NaN' AND pg_catalog.round(pg_catalog.abs(" + v + "), " + scale + ") >= "
                    + tenTo(p - scale), v, p, scale);
        }
        if (FLOAT.contains(on)) {
            String infinite = "(" + v + ")::pg_catalog.float8 IN ('Infinity', '-Infinity')";
            boolean infinityFits = p < 0 && s.destination().has(Feature.NUMERIC_INFINITY);
            if (p < 0) {
                return infinityFits ? lossless()
                        : lossless().fails(infinite, "value-range", "are infinite (" + d.format() + " on "
                                + s.destination() + " has no infinity)");
            }
            String exact = "(" + v + ")::pg_catalog.text::pg_catalog.numeric";
            Rule r = lossless().changes("CASE WHEN " + infinite + " THEN false ELSE " + exact
                    + " <> pg_catalog.round(" + exact + ", " + scale + ") END",
                    "have more than " + scale + " decimal place(s) (rounded)");
            r.fails("CASE WHEN " + infinite + " THEN true WHEN " + v + " = 'NaN' THEN false ELSE pg_catalog.round("
                    + "pg_catalog.abs(" + exact + "), " + scale + ") >= " + tenTo(p - scale) + " END", "value-range",
                    "are infinite or have absolute values of " + tenTo(p - scale) + " or more after rounding");
            return r;
        }
        return null;
    }

    private static Rule magnitude(Rule r, String fails, String v, int p, int scale) {
        r.fails(fails, "value-range", "have absolute values of " + tenTo(p - scale) + " or more"
                + (scale > 0 ? " after rounding to " + scale + " decimal place(s)" : ""));
        r.extreme = new Extreme(Measure.NUMERIC_RANGE, "pg_catalog.max(pg_catalog.abs((" + v
                + ")::pg_catalog.numeric))::pg_catalog.text", "absolute values below " + tenTo(p - scale));
        return r;
    }

    private static Rule floating(String v, TypeDefinition o, TypeDefinition d) {
        String dn = d.name();
        String on = o.name();
        String f = "pg_catalog." + dn;
        if (INTEGER_BITS.containsKey(on)) {
            int bits = INTEGER_BITS.get(on);
            if (bits - 1 <= FLOAT_MANTISSA.get(dn)) {
                return lossless();
            }
            String limit = new java.math.BigInteger("2").pow(bits - 1).toString();
            return lossless().changes("CASE WHEN (" + v + ")::" + f + " >= '" + limit + "'::" + f + " THEN true ELSE (("
                    + v + ")::" + f + ")::pg_catalog." + on + " <> " + v + " END",
                    "have more significant digits than " + d.format() + " holds (rounded)");
        }
        if (on.equals("numeric") || on.equals("float8") && dn.equals("float4")) {
            if (on.equals("float4")) {
                return lossless();
            }
            String[] limits = FLOAT_LIMITS.get(dn);
            String special = on.equals("numeric") ? v + " = 'NaN'"
                    : v + " IN ('NaN', 'Infinity', '-Infinity')";
            String fails = "CASE WHEN " + v + " = 0 OR " + special + " THEN false ELSE pg_catalog.abs(" + v
                    + ") >= " + limits[0] + " OR pg_catalog.abs(" + v + ") <= " + limits[1] + " END";
            String back = on.equals("numeric") ? "pg_catalog.numeric" : "pg_catalog.float8";
            return lossless().fails(fails, "value-range", "are out of " + d.format() + "'s range")
                    .changes("((" + v + ")::pg_catalog.text::" + f + ")::pg_catalog.text::" + back + " <> " + v,
                            "have more significant digits than " + d.format() + " holds (rounded)");
        }
        if (on.equals("float4") && dn.equals("float8")) {
            return lossless();
        }
        return null;
    }

    private static Rule zone(String v, String zone, String whose, String what) {
        if (zone == null) {
            Rule r = lossless().changes("true", "are read in " + whose + ", which preflight cannot learn (each"
                    + " value may shift)");
            r.what = what + " in " + whose + ", which preflight cannot learn: every value may shift";
            return r;
        }
        String z = Sql.literal(zone);
        Rule r = lossless().changes("((" + v + ") AT TIME ZONE " + z + ") AT TIME ZONE " + z + " IS DISTINCT FROM ("
                + v + ")", "do not exist or are ambiguous in " + zone + " (daylight-saving change)");
        r.note = what + " in " + whose + ", " + zone;
        return r;
    }

    private static Rule json(String v) {
        String nodes = """
                (WITH RECURSIVE upshift_j(v) AS (SELECT %1$s UNION ALL SELECT x.value FROM upshift_j, LATERAL \
                (SELECT value FROM pg_catalog.%2$s_each(CASE WHEN pg_catalog.%2$s_typeof(upshift_j.v) = 'object' \
                THEN upshift_j.v END) UNION ALL SELECT value FROM pg_catalog.%2$s_array_elements(CASE WHEN \
                pg_catalog.%2$s_typeof(upshift_j.v) = 'array' THEN upshift_j.v END)) x) SELECT pg_catalog.count(*) \
                FROM upshift_j)""";
        String fails = "(" + v + ")::pg_catalog.text ~ '(^|[^\\\\])(\\\\\\\\)*\\\\u0000'";
        return lossless()
                .fails(fails, "value-rejected", "contain \\u0000 (jsonb rejects it)")
                .changes(String.format(nodes, v, "json") + " <> "
                        + String.format(nodes, "(" + v + ")::pg_catalog.jsonb", "jsonb"),
                        "have duplicate object keys (jsonb keeps only the last)");
    }

    /** The same base type with other modifiers: bit lengths, time precisions, and so on. */
    private static Rule sameBase(String v, TypeDefinition o, TypeDefinition d) {
        int n = d.modifier();
        if (d.name().equals("bit") && n >= 0) {
            return lossless().fails("pg_catalog.length(" + v + ") <> " + n, "value-length",
                    "are not exactly " + n + " bits long");
        }
        if (d.name().equals("varbit") && n >= 0) {
            return lossless().fails("pg_catalog.length(" + v + ") > " + n, "value-length",
                    "are longer than " + n + " bits");
        }
        if (n < 0) {
            return lossless();
        }
        return lossless().changes("((" + v + ")::pg_catalog.text::" + d.format() + ")::" + o.format()
                + " IS DISTINCT FROM " + v, "lose precision (" + d.format() + ")");
    }

    /**
     * Any other pair of built-in types: converted on origin as the apply worker does, through the text form. A
     * value the destination rejects raises an error, which names the column; a value whose text form changes is
     * counted.
     */
    private static Rule generic(String v, TypeDefinition o, TypeDefinition oe, TypeDefinition d) {
        String out = output(v, oe);
        Rule r = unverified(oe.format() + " → " + d.format() + ": the destination reads origin's text form with its"
                + " own input function; values it rejects stop the apply");
        r.changes = "((" + out + ")::" + d.format() + ")::pg_catalog.text IS DISTINCT FROM " + out;
        r.changeLabel = "are written differently by " + d.format();
        r.fragile = true;
        return r;
    }

    // ---- SQL helpers ------------------------------------------------------------------------------------------

    /**
     * Origin's text output of a value, as the walsender sends it. A cast to text is the output function for most
     * types, but not for char(n) (the cast drops the padding) or boolean (the cast says true, the output t).
     */
    static String output(String v, TypeDefinition o) {
        String n = o.name();
        if (n.equals("bpchar") && o.modifier() > 0) {
            return "pg_catalog.rpad((" + v + ")::pg_catalog.text, " + o.modifier() + ")";
        }
        if (n.equals("bool") || n.equals("inet") || n.equals("cidr")) {
            return "pg_catalog.concat(" + v + ")";
        }
        return "(" + v + ")::pg_catalog.text";
    }

    private static String tenTo(int exponent) {
        return java.math.BigInteger.TEN.pow(Math.max(0, exponent)).toString();
    }

    /** The boolean expression of a CHECK constraint as pg_get_constraintdef() prints it. */
    static String checkExpression(String definition) {
        String def = definition.trim();
        if (def.endsWith(" NOT VALID")) {
            def = def.substring(0, def.length() - " NOT VALID".length());
        }
        if (def.startsWith("CHECK ")) {
            def = def.substring("CHECK ".length());
        }
        return def;
    }

    /**
     * Replaces the keyword VALUE of a domain CHECK with an expression, outside string literals and quoted
     * identifiers (the deparser writes the keyword in capitals and never quotes it).
     */
    static String substituteValue(String expression, String value) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        int n = expression.length();
        while (i < n) {
            char c = expression.charAt(i);
            if (c == '\'' || c == '"') {
                int j = i + 1;
                while (j < n) {
                    if (expression.charAt(j) == c) {
                        if (j + 1 < n && expression.charAt(j + 1) == c) {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    j++;
                }
                out.append(expression, i, Math.min(n, j + 1));
                i = j + 1;
                continue;
            }
            if (Character.isLetter(c) || c == '_') {
                int j = i;
                while (j < n && (Character.isLetterOrDigit(expression.charAt(j)) || expression.charAt(j) == '_'
                        || expression.charAt(j) == '$')) {
                    j++;
                }
                String word = expression.substring(i, j);
                boolean qualified = i > 0 && expression.charAt(i - 1) == '.';
                out.append(word.equals("VALUE") && !qualified ? "(" + value + ")" : word);
                i = j;
                continue;
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }
}
