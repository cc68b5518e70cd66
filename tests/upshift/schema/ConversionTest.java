package upshift.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import upshift.schema.ColumnTypes.ColumnType;
import upshift.schema.Conversion.Verdict;
import upshift.server.Capabilities;
import upshift.server.Flavour;

/** The conversion model's classification, without servers. */
class ConversionTest {

    private static final Conversion.Servers SERVERS = new Conversion.Servers(Capabilities.of(13, Flavour.COMMUNITY),
            Capabilities.of(16, Flavour.COMMUNITY), "UTC", null);

    private static TypeDefinition t(String format) {
        String name = switch (format.replaceAll("\\(.*", "")) {
            case "integer" -> "int4";
            case "bigint" -> "int8";
            case "smallint" -> "int2";
            case "double precision" -> "float8";
            case "real" -> "float4";
            case "character varying" -> "varchar";
            case "character" -> "bpchar";
            case "timestamp without time zone" -> "timestamp";
            case "timestamp with time zone" -> "timestamptz";
            default -> format.replaceAll("\\(.*", "");
        };
        return TypeDefinition.builtin(format, name);
    }

    @ParameterizedTest(name = "{0} -> {1}: {2}")
    @CsvSource(delimiter = '|', value = {
        "integer                     | bigint                      | LOSSLESS",
        "character varying(50)       | text                        | LOSSLESS",
        "numeric(10,2)               | numeric(12,4)               | LOSSLESS",
        "date                        | timestamp without time zone | LOSSLESS",
        "real                        | double precision            | LOSSLESS",
        "integer                     | double precision            | LOSSLESS",
        "bigint                      | double precision            | LOSSY",
        "integer                     | real                        | LOSSY",
        "double precision            | real                        | FAILS",
        "numeric(12,4)               | numeric(10,2)               | FAILS",
        "numeric(12,2)               | numeric                     | LOSSLESS",
        "bigint                      | integer                     | FAILS",
        "numeric(10,2)               | integer                     | FAILS",
        "text                        | character varying(10)       | FAILS",
        "text                        | character(3)                | FAILS",
        "timestamp with time zone    | timestamp without time zone | LOSSY",
        "timestamp without time zone | timestamp with time zone    | LOSSY",
        "json                        | jsonb                       | FAILS",
        "jsonb                       | json                        | LOSSLESS",
        "integer                     | boolean                     | UNVERIFIED",
    })
    void classifiesBuiltInPairs(String origin, String destination, Verdict expected) {
        assertEquals(expected, Conversion.values("c", t(origin), t(destination), SERVERS).verdict());
    }

    @Test
    void numericScaleReductionBothRoundsAndCanOverflow() {
        Conversion c = Conversion.values("c", t("numeric(12,4)"), t("numeric(10,2)"), SERVERS);
        assertEquals("c <> pg_catalog.round(c, 2)", c.changesWhen());
        assertTrue(c.failsWhen().contains(">= 100000000"), c.failsWhen());
    }

    @Test
    void anUnknownTimeZoneMakesEveryTimestampPossiblyShifted() {
        Conversion unknown = Conversion.values("c", t("timestamp without time zone"),
                t("timestamp with time zone"), SERVERS);
        assertEquals("true", unknown.changesWhen());
        assertTrue(unknown.what().contains("cannot learn"), unknown.what());
        Conversion known = Conversion.values("c", t("timestamp with time zone"), t("timestamp without time zone"),
                SERVERS);
        assertTrue(known.changesWhen().contains("AT TIME ZONE 'UTC'"), known.changesWhen());
    }

    @Test
    void enumsAndDomainsAreComparedByDefinitionNotName() {
        TypeDefinition text = t("text");
        TypeDefinition moodOld = new TypeDefinition("mood", "public", "mood", 'e', null, null,
                List.of("sad", "ok"), List.of(), false, null);
        TypeDefinition moodNew = new TypeDefinition("mood", "public", "mood", 'e', null, null,
                List.of("ok", "happy"), List.of(), false, null);
        Conversion labels = Conversion.values("c", moodOld, moodNew, SERVERS);
        assertEquals(Verdict.FAILS, labels.verdict());
        assertTrue(labels.failLabel().contains("sad"), labels.failLabel());
        assertEquals(Verdict.LOSSLESS, Conversion.values("c", moodOld, moodOld, SERVERS).verdict());
        assertEquals(Verdict.FAILS, Conversion.values("c", text, moodNew, SERVERS).verdict());

        TypeDefinition plain = new TypeDefinition("positive", "public", "positive", 'd', null, t("integer"),
                List.of(), List.of(), false, null);
        TypeDefinition checked = new TypeDefinition("positive", "public", "positive", 'd', null, t("integer"),
                List.of(), List.of("CHECK ((VALUE > 0))"), false, null);
        Conversion domain = Conversion.values("c", plain, checked, SERVERS);
        assertEquals(Verdict.FAILS, domain.verdict());
        assertTrue(domain.fragile());
        assertEquals("NOT (COALESCE((((((c)::pg_catalog.text)::integer) > 0)), true))", domain.failsWhen());
    }

    @Test
    void arraysAreCheckedElementByElement() {
        TypeDefinition bigints = new TypeDefinition("bigint[]", "pg_catalog", "_int8", 'b', t("bigint"), null,
                List.of(), List.of(), false, null);
        TypeDefinition ints = new TypeDefinition("integer[]", "pg_catalog", "_int4", 'b', t("integer"), null,
                List.of(), List.of(), false, null);
        Conversion c = Conversion.values("c", bigints, ints, SERVERS);
        assertEquals(Verdict.FAILS, c.verdict());
        assertTrue(c.failsWhen().startsWith("EXISTS (SELECT 1 FROM pg_catalog.unnest(c)"), c.failsWhen());
        assertEquals(Verdict.LOSSLESS, Conversion.values("c", ints, bigints, SERVERS).verdict());
        assertEquals(Verdict.IMPOSSIBLE, Conversion.values("c", ints, t("integer"), SERVERS).verdict());
    }

    @Test
    void generatedColumnsOnOneSideOnly() {
        ColumnType plain = new ColumnType("total", t("integer"), false);
        ColumnType generated = new ColumnType("total", t("integer"), true);
        assertEquals(Verdict.IMPOSSIBLE, Conversion.between("total", plain, generated, SERVERS).verdict());
        assertEquals(Verdict.IMPOSSIBLE, Conversion.between("total", generated, plain, SERVERS).verdict());
        Conversion.Servers eighteen = new Conversion.Servers(Capabilities.of(18, Flavour.COMMUNITY),
                Capabilities.of(18, Flavour.COMMUNITY), null, null);
        assertEquals(Verdict.UNVERIFIED, Conversion.between("total", generated, plain, eighteen).verdict());
        assertEquals(Verdict.LOSSLESS, Conversion.between("total", generated, generated, SERVERS).verdict());
    }

    @Test
    void valueIsReplacedOutsideLiteralsAndQuotedNames() {
        assertEquals("((x) > 0 AND (x) <> 'VALUE' AND \"VALUE\" IS NULL)",
                Conversion.substituteValue("(VALUE > 0 AND VALUE <> 'VALUE' AND \"VALUE\" IS NULL)", "x"));
        assertEquals("((VALUE ~ '^a'))", Conversion.checkExpression("CHECK ((VALUE ~ '^a')) NOT VALID"));
        assertNull(Conversion.LOSSLESS.failsWhen());
    }
}
