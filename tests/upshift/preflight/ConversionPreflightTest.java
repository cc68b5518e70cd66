package upshift.preflight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.testing.Run;

/**
 * The conversion model on real 13 → 16 servers: each new-model shape that changes or rejects origin values blocks
 * and is named (check, subject, count, example keys); lossless changes stay out of the blocking findings;
 * --accept-lossy turns an intended loss into a warning.
 */
class ConversionPreflightTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String LEGACY = "ALTER TABLE auth_user ADD COLUMN legacy_flags text;"
            + " ALTER TABLE shop_product ADD COLUMN legacy_code text DEFAULT 'none';"
            + " ALTER TABLE shop_product ADD COLUMN is_legacy boolean DEFAULT false";

    /** One table per shape, on origin with rows 1..3 (row 2 and 3 offend where a shape offends). */
    private static final String ORIGIN = """
            CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
            CREATE DOMAIN positive AS integer;
            CREATE TABLE conv_float (id int PRIMARY KEY, big bigint, precise float8);
            INSERT INTO conv_float VALUES (1, 5, 0.1), (2, 9007199254740993, 0.123456789), (3, 7, 0.5);
            CREATE TABLE conv_numeric (id int PRIMARY KEY, price numeric(12,4));
            INSERT INTO conv_numeric VALUES (1, 1.23), (2, 1.2345), (3, 2.0001);
            CREATE TABLE conv_generated (id int PRIMARY KEY, a int, total int);
            INSERT INTO conv_generated VALUES (1, 1, 2);
            CREATE TABLE conv_domain (id int PRIMARY KEY, qty positive);
            INSERT INTO conv_domain VALUES (1, 5), (2, -1), (3, 0);
            CREATE TABLE conv_enum (id int PRIMARY KEY, feeling mood, label text);
            INSERT INTO conv_enum VALUES (1, 'ok', 'ok'), (2, 'sad', 'meh'), (3, 'happy', 'ok');
            CREATE TABLE conv_char (id int PRIMARY KEY, code text);
            INSERT INTO conv_char VALUES (1, 'ab'), (2, 'ab '), (3, 'xyz');
            CREATE TABLE conv_array (id int PRIMARY KEY, counts bigint[]);
            INSERT INTO conv_array VALUES (1, '{1,2}'), (2, '{1,3000000000}');
            CREATE TABLE conv_json (id int PRIMARY KEY, doc json);
            INSERT INTO conv_json VALUES (1, '{"a": 1, "b": 2}'), (2, '{"a": 1, "a": 2}');
            CREATE TABLE conv_lossless (id int PRIMARY KEY, n int, s varchar(50), m numeric(10,2), d date,
                                        feeling mood, qty positive);
            INSERT INTO conv_lossless VALUES (1, 2147483647, 'x', 12345678.99, '2024-01-01', 'ok', 3);
            """;

    private static final String DESTINATION = """
            CREATE TYPE mood AS ENUM ('ok', 'happy');
            CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
            CREATE TYPE mood_all AS ENUM ('sad', 'ok', 'happy');
            CREATE DOMAIN positive_any AS integer;
            CREATE TABLE conv_float (id bigint PRIMARY KEY, big double precision, precise real);
            CREATE TABLE conv_numeric (id bigint PRIMARY KEY, price numeric(10,2));
            CREATE TABLE conv_generated (id bigint PRIMARY KEY, a int, total int GENERATED ALWAYS AS (a * 2) STORED);
            CREATE TABLE conv_domain (id bigint PRIMARY KEY, qty positive);
            CREATE TABLE conv_enum (id bigint PRIMARY KEY, feeling mood, label mood);
            CREATE TABLE conv_char (id bigint PRIMARY KEY, code char(3));
            CREATE TABLE conv_array (id bigint PRIMARY KEY, counts integer[]);
            CREATE TABLE conv_json (id bigint PRIMARY KEY, doc jsonb);
            CREATE TABLE conv_lossless (id bigint PRIMARY KEY, n bigint, s text, m numeric(12,4), d timestamp,
                                        feeling mood_all, qty positive_any);
            """;

    @ParameterizedTest(name = "every lossy or failing conversion blocks with count and keys; lossless ones do not [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void shapesBlockAndLosslessOnesDoNot(PgProvider provider) throws Exception {
        ShopFixture f = fixture(provider, "preflight_conv");

        Run run = preflight(f, "--json");
        JsonNode report = JSON.readTree(run.stdout());

        // bigint -> double precision: 9007199254740993 becomes 9007199254740992
        JsonNode big = blocking(report, "value-lossy", "public.conv_float.big", run);
        assertContains(big, "problem", "1 of 3 row(s)");
        assertContains(big, "problem", "e.g. 2");
        assertContains(big, "fix", "--accept-lossy public.conv_float.big");
        // float8 -> real: 0.123456789 loses digits, 0.1 and 0.5 read back the same
        JsonNode real = blocking(report, "value-lossy", "public.conv_float.precise", run);
        assertContains(real, "problem", "1 of 3 row(s)");
        assertContains(real, "problem", "e.g. 2");
        // numeric(12,4) -> numeric(10,2) rounds 1.2345 and 2.0001
        JsonNode price = blocking(report, "value-lossy", "public.conv_numeric.price", run);
        assertContains(price, "problem", "2 of 3 row(s)");
        assertContains(price, "problem", "e.g. 2 and 3");
        assertContains(price, "problem", "2 decimal place(s)");
        // a plain column generated in the new model
        JsonNode generated = blocking(report, "generated-column", "public.conv_generated.total", run);
        assertContains(generated, "problem", "generated on destination");
        // a destination domain CHECK origin data violates (same type name on both sides)
        JsonNode domain = blocking(report, "value-rejected", "public.conv_domain.qty", run);
        assertContains(domain, "problem", "2 of 3 row(s)");
        assertContains(domain, "problem", "e.g. 2 and 3");
        assertContains(domain, "problem", "VALUE > 0");
        // an enum whose new definition lacks a label origin rows use; text -> enum with values outside the labels
        JsonNode feeling = blocking(report, "value-rejected", "public.conv_enum.feeling", run);
        assertContains(feeling, "problem", "1 of 3 row(s)");
        assertContains(feeling, "problem", "sad");
        assertContains(feeling, "problem", "e.g. 2");
        JsonNode label = blocking(report, "value-rejected", "public.conv_enum.label", run);
        assertContains(label, "problem", "1 of 3 row(s)");
        // text -> char(3): the trailing blank of 'ab ' is lost
        JsonNode code = blocking(report, "value-lossy", "public.conv_char.code", run);
        assertContains(code, "problem", "1 of 3 row(s)");
        assertContains(code, "problem", "e.g. 2");
        // bigint[] -> integer[]: an element out of range
        JsonNode counts = blocking(report, "value-range", "public.conv_array.counts", run);
        assertContains(counts, "problem", "1 of 2 row(s)");
        assertContains(counts, "problem", "e.g. 2");
        // json -> jsonb: a duplicate key is dropped
        JsonNode doc = blocking(report, "value-lossy", "public.conv_json.doc", run);
        assertContains(doc, "problem", "1 of 2 row(s)");
        assertContains(doc, "problem", "duplicate object keys");

        // int -> bigint, varchar(50) -> text, numeric(10,2) -> numeric(12,4), date -> timestamp, an enum with more
        // labels, a domain without checks: nothing about conv_lossless but the safe-change line
        for (JsonNode n : report.get("findings")) {
            if (n.get("subject").asText().startsWith("public.conv_lossless")) {
                assertEquals("info", n.get("severity").asText(), n.toString());
            }
        }
        assertTrue(findings(report, "type-change").stream().anyMatch(n -> n.get("subject").asText()
                .equals("public.conv_lossless") && n.get("problem").asText().contains("m numeric(10,2) → numeric(12,4)")),
                run.stdout());
    }

    @ParameterizedTest(name = "--accept-lossy turns an intended loss into a warning, never a rejection [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void acceptLossy(PgProvider provider) throws Exception {
        ShopFixture f = fixture(provider, "preflight_conv_accept");

        Run run = preflight(f, "--json", "--accept-lossy", "conv_numeric.price", "--accept-lossy",
                "conv_domain.qty", "--accept-lossy", "conv_generated.total", "--accept-lossy", "shop_order.nope");
        JsonNode report = JSON.readTree(run.stdout());
        JsonNode price = finding(report, "value-lossy", "public.conv_numeric.price", run);
        assertEquals("warning", price.get("severity").asText(), price.toString());
        assertContains(price, "problem", "accepted (--accept-lossy)");
        assertContains(price, "problem", "2 of 3 row(s)");
        JsonNode domain = blocking(report, "value-rejected", "public.conv_domain.qty", run);
        assertContains(domain, "problem", "--accept-lossy does not apply");
        JsonNode generated = blocking(report, "generated-column", "public.conv_generated.total", run);
        assertContains(generated, "problem", "--accept-lossy does not apply");
        assertEquals("warning", finding(report, "accept-lossy", "public.shop_order.nope", run).get("severity")
                .asText());
        // the others still block
        blocking(report, "value-lossy", "public.conv_float.big", run);

        Run malformed = preflight(f, "--accept-lossy", "nodot");
        assertEquals(2, malformed.exitCode(), malformed.stderr());
        assertTrue(malformed.stderr().contains("invalid --accept-lossy"), malformed.stderr());

        // --skip-data-checks: not counted, with the query to run by hand
        Run skipped = preflight(f, "--json", "--skip-data-checks");
        JsonNode s = finding(JSON.readTree(skipped.stdout()), "value-range", "public.conv_numeric.price", skipped);
        assertEquals("warning", s.get("severity").asText());
        assertContains(s, "problem", "not checked (--skip-data-checks)");
        assertContains(s, "fix", "pg_catalog.round(\"price\", 2)");
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static ShopFixture fixture(PgProvider provider, String database) throws Exception {
        ShopFixture f = ShopFixture.create(provider, database, 5);
        f.onDestination(LEGACY);
        f.onOrigin(ORIGIN);
        f.onDestination(DESTINATION);
        return f;
    }

    private static Run preflight(ShopFixture f, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--no-rollback"));
        return f.run("Preflight", all.toArray(String[]::new));
    }

    private static void assertContains(JsonNode n, String field, String text) {
        assertTrue(n.get(field) != null && n.get(field).asText().contains(text), "no \"" + text + "\" in " + field
                + " of " + n.toPrettyString());
    }

    private static List<JsonNode> findings(JsonNode report, String check) {
        List<JsonNode> found = new ArrayList<>();
        report.get("findings").forEach(n -> {
            if (n.get("check").asText().equals(check)) {
                found.add(n);
            }
        });
        return found;
    }

    private static JsonNode finding(JsonNode report, String check, String subject, Run run) {
        return findings(report, check).stream().filter(n -> n.get("subject").asText().equals(subject)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + check + " finding for " + subject + " in:\n"
                        + report.toPrettyString() + "\n" + run.stderr()));
    }

    private static JsonNode blocking(JsonNode report, String check, String subject, Run run) {
        JsonNode n = finding(report, check, subject, run);
        assertEquals("blocking", n.get("severity").asText(), n.toPrettyString());
        return n;
    }
}
