package upshift.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.connect.Cluster;
import upshift.connect.ConnectSettings;
import upshift.connect.Endpoint;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.schema.Catalog;
import upshift.schema.Column;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;
import upshift.verify.TableResult.Status;

/**
 * The property verify is built on, on a real 13 origin and 16 destination: for every supported pair of column
 * types and many generated values (seeded random values and edge cases, among them values the conversion changes),
 * verify's rendering is equal on both sides if and only if the value arrived unchanged.
 *
 * <p>Each value is written on origin into the origin type; the destination gets what replication would send: the
 * origin value's text output (in the walsender's session: UTC, or another time zone for some rows of the
 * timestamp pairs) read by the destination column's input function (an untyped parameter assigned to the column,
 * as the apply worker does, so varchar(n) and char(n) lengths are enforced the same way). Values the destination
 * rejects (replication would stop there) are left out of the comparison.
 *
 * <p>"Unchanged" is decided here in Java, independently of verify's SQL: the destination's text read back as the
 * origin type (BigInteger, BigDecimal at the origin's scale, Double or Float bit for bit) equals the origin value;
 * strings equal (char(n) without its padding); timestamps equal as UTC wall-clock times; JSON trees equal (numbers
 * by value), a json value with duplicate keys never unchanged in jsonb; arrays of equal dimensions with every
 * element unchanged.
 *
 * <p>The seed is {@code -Dupshift.verify.seed} (default {@value #DEFAULT_SEED}); every failure message names it.
 */
class VerifyExactnessTest {

    private static final long DEFAULT_SEED = 20240510L;
    private static final int RANDOM_VALUES = 150;
    private static final ObjectMapper STRICT_JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);
    private static final String SESSION = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD';"
            + " SET IntervalStyle = 'postgres'; SET extra_float_digits = 3; SET bytea_output = 'hex'";
    /** The walsender or apply worker of some rows runs in this time zone rather than UTC. */
    private static final String OTHER_ZONE = "Asia/Kolkata";

    /**
     * One type pair.
     *
     * @param name        table name suffix
     * @param origin      origin column type
     * @param destination destination column type
     * @param zones       whether some rows travel through sessions in another time zone
     * @param lossy       whether some generated values must change (so that both verdicts are exercised)
     * @param same        the oracle: origin text, destination text → unchanged (neither null)
     * @param values      origin values as text (null for NULL), edge cases first
     */
    record Pair(String name, String origin, String destination, boolean zones, boolean lossy,
            BiPredicate<String, String> same, Function<Random, List<String>> values) {
    }

    @ParameterizedTest(name = "verify equal <=> value unchanged, every type pair 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void verifyEqualExactlyWhenTheValueIsUnchanged(PgProvider provider) throws Exception {
        long seed = Long.getLong("upshift.verify.seed", DEFAULT_SEED);
        ShopFixture f = ShopFixture.create(provider, "verify_exact", 1);
        String types = "CREATE TYPE mood AS ENUM ('happy', 'sad', 'ok ok', 'Ünï');"
                + " CREATE TYPE point2 AS (x numeric, y text)";
        f.onDestination(types);
        f.onOrigin("CREATE TYPE point2 AS (x numeric, y text)");
        boolean hstore = hstore(f);

        List<Pair> pairs = new ArrayList<>(pairs());
        if (hstore) {
            pairs.add(new Pair("hstore", "hstore", "hstore", false, false, String::equals, r -> withRandom(r,
                    List.of("\"a\"=>\"1\", \"b\"=>NULL", "", "\"k y\"=>\"v,w\"", "\"é\"=>\"😀\""),
                    x -> "\"k" + x.nextInt(9) + "\"=>\"" + x.nextInt(99) + "\"")));
        }
        List<String> checked = new ArrayList<>();
        try (Connection o = f.origin(); Connection d = f.destination();
             Cluster origin = cluster("origin", f.originUrl());
             Cluster destination = cluster("destination", f.destinationUrl())) {
            session(o);
            session(d);
            for (Pair pair : pairs) {
                checked.add(check(pair, seed, o, d, origin, destination));
            }
        }
        assertTrue(hstore, "hstore is available on the embedded servers (contrib): " + checked);
    }

    private static String check(Pair pair, long seed, Connection o, Connection d, Cluster origin,
            Cluster destination) throws SQLException {
        String where = "seed " + seed + " (-Dupshift.verify.seed), pair " + pair.origin() + " -> " + pair.destination();
        QualifiedName table = new QualifiedName("public", "p_" + pair.name());
        exec(o, "CREATE TABLE " + table.sql() + " (id integer PRIMARY KEY, v " + pair.origin() + ")");
        exec(d, "CREATE TABLE " + table.sql() + " (id integer PRIMARY KEY, v " + pair.destination() + ")");

        // origin: each value into the origin type; the destination: what replication would deliver
        List<String> values = pair.values().apply(new Random(seed ^ pair.name().hashCode()));
        Map<Integer, String> originText = new LinkedHashMap<>();
        Map<Integer, String> destinationText = new LinkedHashMap<>();
        int rejected = 0;
        for (int i = 0; i < values.size(); i++) {
            int id = i + 1;
            if (!insert(o, table, id, values.get(i), null)) {
                continue; // not a value of the origin type (a generator's miss): nothing to replicate
            }
            String zone = pair.zones() && id % 5 == 0 ? OTHER_ZONE : null;
            String sent = text(o, table, id, zone);
            if (!insert(d, table, id, sent, zone)) {
                exec(o, "DELETE FROM " + table.sql() + " WHERE id = " + id); // replication would stop here
                rejected++;
                continue;
            }
            originText.put(id, sent);
            destinationText.put(id, text(d, table, id, null));
        }

        Column oc = Catalog.columns(o, List.of(table)).get(table).get(1);
        Column dc = Catalog.columns(d, List.of(table)).get(table).get(1);
        ComparedColumn column = ComparedColumn.of(oc, dc);
        Map<Integer, String> originRendered = render(o, table, column.expression(ComparedColumn.Side.ORIGIN));
        Map<Integer, String> destinationRendered = render(d, table,
                column.expression(ComparedColumn.Side.DESTINATION));

        List<Integer> changed = new ArrayList<>();
        for (Integer id : originText.keySet()) {
            String ot = originText.get(id);
            String dt = destinationText.get(id);
            boolean unchanged = ot == null || dt == null ? ot == null && dt == null : pair.same().test(ot, dt);
            boolean verifyEqual = Objects.equals(originRendered.get(id), destinationRendered.get(id));
            if (unchanged != verifyEqual) {
                fail(where + ", row " + id + ": origin " + quote(ot) + " arrived as " + quote(dt) + ", which is "
                        + (unchanged ? "unchanged" : "a change") + ", but verify renders origin "
                        + quote(originRendered.get(id)) + " and destination " + quote(destinationRendered.get(id))
                        + " (" + column.comparedAs() + ")");
            }
            if (!unchanged) {
                changed.add(id);
            }
        }
        assertTrue(originText.size() >= 10, where + ": too few values replicate (" + originText.size() + ")");
        assertEquals(pair.lossy(), !changed.isEmpty(), where + ": values changed in conversion: " + changed.size()
                + " of " + originText.size());

        // the whole table: a difference exactly when some value changed, equal once those rows are gone
        TableResult t = Verification.run(origin, destination, List.of(table), true).tables().get(0);
        assertEquals(changed.isEmpty() ? Status.EQUAL : Status.CHECKSUM_DIFFERS, t.status(), where + ": " + t);
        if (!changed.isEmpty()) {
            String ids = changed.stream().map(String::valueOf).reduce((a, b) -> a + ", " + b).orElseThrow();
            exec(o, "DELETE FROM " + table.sql() + " WHERE id IN (" + ids + ")");
            exec(d, "DELETE FROM " + table.sql() + " WHERE id IN (" + ids + ")");
            t = Verification.run(origin, destination, List.of(table), true).tables().get(0);
            assertEquals(Status.EQUAL, t.status(), where + ": without the changed rows: " + t);
        }
        return pair.name() + ": " + originText.size() + " values, " + changed.size() + " changed, " + rejected
                + " rejected by the destination";
    }

    // ---- the pairs ------------------------------------------------------------------------------------------------

    static List<Pair> pairs() {
        List<Pair> pairs = new ArrayList<>();
        pairs.add(new Pair("int8_float8", "bigint", "double precision", false, true, asInteger(),
                r -> withRandom(r, List.of("0", "-1", "1", "9007199254740992", "9007199254740993",
                        "-9007199254740993", "9223372036854775807", "-9223372036854775808", "1000000000000001",
                        "123456789"), x -> switch (x.nextInt(3)) {
                            case 0 -> Long.toString(x.nextInt(2_000_000) - 1_000_000);
                            case 1 -> Long.toString((1L << 53) + x.nextInt(64) - 32);
                            default -> Long.toString(x.nextLong());
                        })));
        pairs.add(new Pair("float8_float4", "double precision", "real", false, true, asDouble(),
                r -> withRandom(r, List.of("NaN", "Infinity", "-Infinity", "-0", "0", "1.1", "0.1", "2.5",
                        "3.4028234663852886e+38", "3.5e+38", "1.0000001", "1.00000001", "16777217", "1e-45",
                        "1e-50", "1e+300", "1.7976931348623157e+308", "5e-324"),
                        x -> switch (x.nextInt(3)) {
                            case 0 -> Double.toString(Float.intBitsToFloat(x.nextInt()));
                            case 1 -> new BigDecimal(BigInteger.valueOf(x.nextInt(2_000_000) - 1_000_000),
                                    x.nextInt(6)).toPlainString();
                            default -> Double.toString(Double.longBitsToDouble(x.nextLong()));
                        })));
        pairs.add(new Pair("float4_float8", "real", "double precision", false, false, asFloat(),
                r -> withRandom(r, List.of("NaN", "Infinity", "-Infinity", "-0", "0", "1.1", "0.1",
                        "3.4028235e+38", "1e-45", "16777216"),
                        x -> Float.toString(Float.intBitsToFloat(x.nextInt())))));
        pairs.add(new Pair("numeric_float8", "numeric", "double precision", false, true, asNumeric(-1),
                r -> withRandom(r, List.of("0.1", "0.10000000000000001", "12.50", "NaN", "1e400", "-0.0",
                        "9007199254740993", "123456.789"),
                        x -> new BigDecimal(BigInteger.valueOf(x.nextLong() >> x.nextInt(50)), x.nextInt(20))
                                .toPlainString())));
        pairs.add(new Pair("numeric_scale", "numeric(12,4)", "numeric(10,2)", false, true, asNumeric(4),
                r -> withRandom(r, List.of("1.2345", "1.23", "12.50", "12.5000", "0", "-0.005", "0.005", "-1.2350",
                        "99999999.99", "99999999.995", "NaN", "0.0001"),
                        x -> new BigDecimal(BigInteger.valueOf(x.nextInt(1_000_000_000)), x.nextInt(5))
                                .toPlainString())));
        pairs.add(new Pair("numeric_widen", "numeric(10,2)", "numeric(12,4)", false, false, asNumeric(2),
                r -> withRandom(r, List.of("12.50", "0", "-0.01", "99999999.99", "NaN"),
                        x -> new BigDecimal(BigInteger.valueOf(x.nextInt()), 2).toPlainString())));
        pairs.add(new Pair("int4_int8", "integer", "bigint", false, false, asInteger(),
                r -> withRandom(r, List.of("0", "2147483647", "-2147483648"), x -> Integer.toString(x.nextInt()))));
        pairs.add(new Pair("int4_numeric", "integer", "numeric(12,2)", false, false, asInteger(),
                r -> withRandom(r, List.of("0", "-5", "2147483647"), x -> Integer.toString(x.nextInt()))));
        pairs.add(new Pair("text_varchar", "text", "character varying(5)", false, true, strings(false, false),
                r -> withRandom(r, List.of("", "abc", "abcde", "abcdef", "abc   ", "ab ", "é€😀ab", " ",
                        "NULL", "a\"b,c", "abcde     "), x -> randomString(x, 7))));
        pairs.add(new Pair("text_char", "text", "character(5)", false, true, strings(false, true),
                r -> withRandom(r, List.of("", "ab", "ab ", "abcde", "abcde ", " a", "abcdef", "ü  ", "  "),
                        x -> randomString(x, 6))));
        pairs.add(new Pair("char_text", "character(5)", "text", false, true, strings(true, false),
                r -> withRandom(r, List.of("", "ab", "abcde", " a", "ab   ", "é"), x -> randomString(x, 5))));
        pairs.add(new Pair("varchar_text", "character varying(20)", "text", false, false, strings(false, false),
                r -> withRandom(r, List.of("", "ab ", "x"), x -> randomString(x, 20))));
        pairs.add(new Pair("ts_tstz", "timestamp without time zone", "timestamp with time zone", true, true,
                times(), r -> withRandom(r, List.of("infinity", "-infinity", "2024-05-01 10:00:00.123456",
                        "1999-12-31 23:59:59", "2000-02-29 00:00:00"), VerifyExactnessTest::randomTimestamp)));
        pairs.add(new Pair("tstz_ts", "timestamp with time zone", "timestamp without time zone", true, true,
                times(), r -> withRandom(r, List.of("infinity", "-infinity", "2024-05-01 10:00:00.5+00",
                        "2024-03-31 01:30:00+02"), x -> randomTimestamp(x) + "+00")));
        pairs.add(new Pair("date_ts", "date", "timestamp without time zone", false, false, times(),
                r -> withRandom(r, List.of("infinity", "-infinity", "2000-02-29", "1970-01-01"),
                        x -> randomTimestamp(x).substring(0, 10))));
        pairs.add(new Pair("ts_date", "timestamp without time zone", "date", false, true, times(),
                r -> withRandom(r, List.of("2024-05-01 00:00:00", "2024-05-01 00:00:00.000001", "infinity"),
                        VerifyExactnessTest::randomTimestamp)));
        pairs.add(new Pair("json_jsonb", "json", "jsonb", false, true, json(),
                r -> withRandom(r, List.of("{\"a\":1,\"a\":2}", "{\"b\":{\"x\":1,\"x\":1}}", "[{\"k\":1,\"k\":1}]",
                        "{\"a\":1}", "{ \"a\" : 1 }", "1e2", "1.0", "\"\\u00e9\"", "\"\\u0000\"", "[]", "{}", "null",
                        "true", "\"x\"", "{\"b\":1,\"a\":2}", "[1,[2,{\"c\":null}]]", "-0", "0.10",
                        "{\"a\":{\"b\":1},\"c\":[{\"d\":1,\"e\":2}]}"), x -> randomJson(x, 3, true))));
        pairs.add(new Pair("jsonb_json", "jsonb", "json", false, false, json(),
                r -> withRandom(r, List.of("{\"a\":1,\"a\":2}", "1e2", "{\"b\":1,\"a\":[1.50]}", "\"\\u00e9\""),
                        x -> randomJson(x, 3, true))));
        pairs.add(new Pair("int4a_int8a", "integer[]", "bigint[]", false, false, arrays(asInteger()),
                r -> withRandom(r, List.of("{1,2,3}", "{}", "{NULL}", "{{1,2},{3,4}}", "[0:1]={5,6}", "{-2147483648}"),
                        x -> randomArray(x, () -> Integer.toString(x.nextInt())))));
        pairs.add(new Pair("numerica_scale", "numeric(12,4)[]", "numeric(10,2)[]", false, true, arrays(asNumeric(4)),
                r -> withRandom(r, List.of("{1.50}", "{1.2345,NULL}", "{{1.5,2.25},{3.125,4}}", "[2:2]={1.005}", "{}",
                        "{NaN}"), x -> randomArray(x, () -> new BigDecimal(BigInteger.valueOf(x.nextInt(100_000)),
                                x.nextInt(5)).toPlainString()))));
        pairs.add(new Pair("numerica_widen", "numeric(10,2)[]", "numeric(12,4)[]", false, false, arrays(asNumeric(2)),
                r -> withRandom(r, List.of("{1.50}", "{{1.5,2.25},{3,4}}", "[0:0]={0.01}"),
                        x -> randomArray(x, () -> new BigDecimal(BigInteger.valueOf(x.nextInt(100_000)), 2)
                                .toPlainString()))));
        pairs.add(new Pair("text_enum", "text", "mood", false, false, String::equals,
                r -> withRandom(r, List.of("happy", "sad", "ok ok", "Ünï", "HAPPY", "other", ""),
                        x -> List.of("happy", "sad", "ok ok", "Ünï", "Sad").get(x.nextInt(5)))));
        pairs.add(new Pair("composite", "point2", "point2", false, false, String::equals,
                r -> withRandom(r, List.of("(1.50,\"a b\")", "(,)", "(1,)", "(,\"\")", "(0.1,\"\\\"\")"),
                        x -> "(" + x.nextInt(100) + "." + x.nextInt(100) + ",\"" + randomString(x, 4) + "\")")));
        pairs.add(new Pair("numrange", "numrange", "numrange", false, false, String::equals,
                r -> withRandom(r, List.of("[1.50,2)", "empty", "(,)", "[0,0]"),
                        x -> "[" + x.nextInt(50) + "," + (50 + x.nextInt(50)) + ".5)")));
        pairs.add(new Pair("tstzrange", "tstzrange", "tstzrange", false, false, String::equals,
                r -> withRandom(r, List.of("[2024-01-01 00:00:00+00,infinity)", "empty"),
                        x -> "[" + randomTimestamp(x) + "+00,)")));
        pairs.add(new Pair("float8_same", "double precision", "double precision", false, false, asDouble(),
                r -> withRandom(r, List.of("NaN", "-0", "0", "Infinity", "5e-324"),
                        x -> Double.toString(Double.longBitsToDouble(x.nextLong())))));
        return pairs;
    }

    /** Edge cases, NULL, then random values. */
    private static List<String> withRandom(Random r, List<String> edges, Function<Random, String> random) {
        List<String> values = new ArrayList<>(edges);
        values.add(null);
        for (int i = 0; i < RANDOM_VALUES; i++) {
            values.add(r.nextInt(20) == 0 ? null : random.apply(r));
        }
        return values;
    }

    // ---- the oracles: is the destination's value the origin's? ---------------------------------------------------

    /** Integers by value (a double precision prints 1000000000000001 as 1.000000000000001e+15). */
    private static BiPredicate<String, String> asInteger() {
        return (o, d) -> d.matches("-?[0-9.]+(e[-+]?[0-9]+)?") && new BigDecimal(o).compareTo(new BigDecimal(d)) == 0;
    }

    /** The destination's value read as numeric at the origin's scale (-1: unconstrained). */
    private static BiPredicate<String, String> asNumeric(int scale) {
        return (o, d) -> {
            if (o.equals("NaN") || d.equals("NaN") || !d.matches("-?[0-9.]+(e[-+]?[0-9]+)?")) {
                return o.equals(d);
            }
            BigDecimal back = new BigDecimal(d);
            if (scale >= 0) {
                back = back.setScale(scale, RoundingMode.HALF_UP);
            }
            return back.compareTo(new BigDecimal(o)) == 0;
        };
    }

    /** Read back as double precision, bit for bit (NaN is NaN, -0 is not 0). */
    private static BiPredicate<String, String> asDouble() {
        return (o, d) -> Double.valueOf(Double.parseDouble(d)).equals(Double.parseDouble(o));
    }

    private static BiPredicate<String, String> asFloat() {
        return (o, d) -> Float.valueOf(Float.parseFloat(d)).equals(Float.parseFloat(o));
    }

    /** Strings; a char(n) value is its string without the padding. */
    private static BiPredicate<String, String> strings(boolean originChar, boolean destinationChar) {
        return (o, d) -> unpad(o, originChar).equals(unpad(d, destinationChar));
    }

    private static String unpad(String s, boolean padded) {
        return padded ? s.replaceAll(" +$", "") : s;
    }

    /** Timestamps as UTC wall-clock times: a timestamptz at its instant, a date at its midnight. */
    private static BiPredicate<String, String> times() {
        return (o, d) -> Objects.equals(utc(o), utc(d));
    }

    private static final Pattern TIME = Pattern.compile(
            "(\\d{4}-\\d\\d-\\d\\d)(?: (\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?))?([+-]\\d\\d(?::\\d\\d){0,2})?");

    private static String utc(String text) {
        if (text.equals("infinity") || text.equals("-infinity")) {
            return text;
        }
        Matcher m = TIME.matcher(text);
        if (!m.matches()) {
            throw new AssertionError("not a timestamp this test generates: " + text);
        }
        LocalDateTime local = m.group(2) == null ? LocalDate.parse(m.group(1)).atStartOfDay()
                : LocalDateTime.parse(m.group(1) + "T" + m.group(2), DateTimeFormatter.ISO_LOCAL_DATE_TIME);
        if (m.group(3) != null) {
            String offset = m.group(3).length() == 3 ? m.group(3) + ":00" : m.group(3);
            local = OffsetDateTime.of(local, ZoneOffset.of(offset)).withOffsetSameInstant(ZoneOffset.UTC)
                    .toLocalDateTime();
        }
        return local.toString();
    }

    /** JSON trees equal (numbers by value, objects without order); a value with duplicate keys is never. */
    private static BiPredicate<String, String> json() {
        return (o, d) -> {
            JsonNode a = parse(o);
            JsonNode b = parse(d);
            return a != null && b != null && sameJson(a, b);
        };
    }

    private static JsonNode parse(String text) {
        try {
            return STRICT_JSON.readTree(text);
        } catch (Exception duplicateKeys) {
            return null;
        }
    }

    private static boolean sameJson(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.getNodeType() != b.getNodeType()) {
            return false;
        }
        if (a.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Iterator<String> names = a.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!b.has(name) || !sameJson(a.get(name), b.get(name))) {
                    return false;
                }
            }
            return true;
        }
        if (a.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!sameJson(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /** Arrays of numbers: the same dimensions and shape, and every element unchanged. */
    private static BiPredicate<String, String> arrays(BiPredicate<String, String> element) {
        return (o, d) -> {
            String[] a = splitArray(o);
            String[] b = splitArray(d);
            if (!a[0].equals(b[0]) || !a[1].equals(b[1])) {
                return false;
            }
            String[] ea = a[2].isEmpty() ? new String[0] : a[2].split(",");
            String[] eb = b[2].isEmpty() ? new String[0] : b[2].split(",");
            if (ea.length != eb.length) {
                return false;
            }
            for (int i = 0; i < ea.length; i++) {
                boolean nulls = ea[i].equals("NULL") || eb[i].equals("NULL");
                if (nulls ? !ea[i].equals(eb[i]) : !element.test(ea[i], eb[i])) {
                    return false;
                }
            }
            return true;
        };
    }

    /** An array literal of unquoted elements: {dimensions, shape, elements joined by commas}. */
    private static String[] splitArray(String text) {
        String dims = "";
        String body = text;
        int eq = text.indexOf('=');
        if (text.startsWith("[") && eq > 0) {
            dims = text.substring(0, eq);
            body = text.substring(eq + 1);
        }
        String shape = body.replaceAll("[^{},]+", "x");
        String elements = String.join(",", body.replaceAll("[{}]", " ").trim().split("[ ,]+"));
        return new String[] {dims, shape, elements.isBlank() ? "" : elements};
    }

    // ---- generators -----------------------------------------------------------------------------------------------

    private static String randomString(Random r, int maxLength) {
        String alphabet = "ab Z é€😀,\"\\'{}";
        StringBuilder sb = new StringBuilder();
        int length = r.nextInt(maxLength + 1);
        while (sb.codePointCount(0, sb.length()) < length) {
            int i = r.nextInt(alphabet.codePointCount(0, alphabet.length()));
            sb.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, i)));
        }
        return sb.toString();
    }

    private static String randomTimestamp(Random r) {
        LocalDateTime t = LocalDateTime.of(1900 + r.nextInt(200), 1 + r.nextInt(12), 1 + r.nextInt(28),
                r.nextInt(24), r.nextInt(60), r.nextInt(60));
        String micros = switch (r.nextInt(3)) {
            case 0 -> "";
            case 1 -> "." + (1 + r.nextInt(9));
            default -> String.format(".%06d", r.nextInt(1_000_000));
        };
        return t.toLocalDate() + " " + t.toLocalTime().withNano(0) + (t.getSecond() == 0 ? ":00" : "") + micros;
    }

    private static String randomArray(Random r, java.util.function.Supplier<String> element) {
        if (r.nextInt(4) == 0) {
            return "{{" + element.get() + "," + element.get() + "},{" + element.get() + ",NULL}}";
        }
        List<String> items = new ArrayList<>();
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
            items.add(r.nextInt(8) == 0 ? "NULL" : element.get());
        }
        return (r.nextInt(6) == 0 ? "[3:" + (2 + Math.max(1, n)) + "]=" : "") + "{"
                + String.join(",", n == 0 && r.nextBoolean() ? List.of() : items) + "}";
    }

    private static String randomJson(Random r, int depth, boolean duplicates) {
        int kind = depth == 0 ? r.nextInt(4) : r.nextInt(6);
        return switch (kind) {
            case 0 -> Integer.toString(r.nextInt(2000) - 1000);
            case 1 -> r.nextBoolean() ? "\"" + List.of("a", "é", "\\u00e9", "x y", "\\\"q\\\"", "").get(r.nextInt(6))
                    + "\"" : List.of("1.50", "1e2", "-0.0", "3.25E-3").get(r.nextInt(4));
            case 2 -> List.of("true", "false", "null").get(r.nextInt(3));
            case 3 -> "\"" + r.nextInt(100) + "\"";
            case 4 -> {
                List<String> items = new ArrayList<>();
                for (int i = r.nextInt(3); i > 0; i--) {
                    items.add(randomJson(r, depth - 1, duplicates));
                }
                yield "[" + String.join(", ", items) + "]";
            }
            default -> {
                List<String> members = new ArrayList<>();
                List<String> keys = new ArrayList<>();
                for (int i = r.nextInt(4); i > 0; i--) {
                    String key = duplicates && !keys.isEmpty() && r.nextInt(8) == 0 ? keys.get(r.nextInt(keys.size()))
                            : List.of("a", "b", "cc", "é", "k" + r.nextInt(5)).get(r.nextInt(5));
                    keys.add(key);
                    members.add("\"" + key + "\"" + (r.nextBoolean() ? ": " : ":") + randomJson(r, depth - 1,
                            duplicates));
                }
                yield "{" + String.join(",", members) + "}";
            }
        };
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private static boolean hstore(ShopFixture f) {
        try {
            f.onOrigin("CREATE EXTENSION IF NOT EXISTS hstore");
            f.onDestination("CREATE EXTENSION IF NOT EXISTS hstore");
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    private static void session(Connection c) throws SQLException {
        c.setAutoCommit(true);
        exec(c, SESSION);
    }

    /** One row; false when the server rejects the value (the error is rolled back with the statement). */
    private static boolean insert(Connection c, QualifiedName table, int id, String text, String zone)
            throws SQLException {
        if (zone != null) {
            exec(c, "SET TimeZone = " + Sql.literal(zone));
        }
        try (PreparedStatement st = c.prepareStatement("INSERT INTO " + table.sql() + " (id, v) VALUES (?, ?)")) {
            st.setInt(1, id);
            // untyped: the column type's input function reads it, as the apply worker does
            st.setObject(2, text, Types.OTHER);
            st.executeUpdate();
            return true;
        } catch (SQLException e) {
            return false;
        } finally {
            if (zone != null) {
                exec(c, "SET TimeZone = 'UTC'");
            }
        }
    }

    /** The value's text output (as the walsender sends it), in the session's time zone or another. */
    private static String text(Connection c, QualifiedName table, int id, String zone) throws SQLException {
        if (zone != null) {
            exec(c, "SET TimeZone = " + Sql.literal(zone));
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT CASE WHEN num_nulls(v) = 1 THEN NULL ELSE format('%s', v) END FROM " + table.sql()
                        + " WHERE id = " + id)) {
            rs.next();
            return rs.getString(1);
        } finally {
            if (zone != null) {
                exec(c, "SET TimeZone = 'UTC'");
            }
        }
    }

    private static Map<Integer, String> render(Connection c, QualifiedName table, String expression)
            throws SQLException {
        Map<Integer, String> rendered = new LinkedHashMap<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, " + expression + " FROM " + table.sql() + " ORDER BY id")) {
            while (rs.next()) {
                rendered.put(rs.getInt(1), rs.getString(2));
            }
        }
        return rendered;
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static String quote(String s) {
        return s == null ? "NULL" : "'" + s + "'";
    }

    private static Cluster cluster(String role, String url) {
        return new Cluster(role, Endpoint.resolve(url), ConnectSettings.defaults("upshift test"));
    }
}
