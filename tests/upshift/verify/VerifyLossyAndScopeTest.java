package upshift.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.testing.Run;

/**
 * The shapes through the verify script on a real 13 origin and 16 destination: values the new model's
 * types changed are reported (and accepted with --accept-lossy), and the verdict names what it does not cover.
 */
class VerifyLossyAndScopeTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "changed values differ; --accept-lossy compares as the destination converts 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void changedValuesDifferUnlessAccepted(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "verify_lossy", 5);
        VerifyCommandTest.copyShop(f);
        f.onDestination("CREATE TYPE mood AS ENUM ('happy', 'sad')");
        f.onOrigin("CREATE TABLE lossy (id integer PRIMARY KEY, big bigint, total numeric(12,4), ratio double"
                + " precision, feeling text);"
                + " INSERT INTO lossy VALUES (1, 9007199254740993, 1.2345, 0.1000000001, 'happy'),"
                + " (2, 5, 12.50, 1.5, 'sad'), (3, NULL, NULL, NULL, NULL)");
        f.onDestination("CREATE TABLE lossy (id bigint PRIMARY KEY, big double precision, total numeric(10,2),"
                + " ratio real, feeling mood)");
        try (Connection o = f.origin(); Connection d = f.destination()) {
            VerifyCommandTest.copy(o, d, "lossy"); // as replication: 9.007199254740992e+15, 1.23, 0.1
        }

        Run exact = f.run("Verify", "--checksum", "--table", "lossy", "--json");
        assertEquals(ExitCode.CHECK_FAILED, exact.exitCode(), exact.stdout() + exact.stderr());
        JsonNode table = VerifyCommandTest.table(JSON.readTree(exact.stdout()), "public", "lossy");
        assertEquals("checksum-differs", table.get("status").asText(), table.toString());
        assertEquals("exact number", VerifyCommandTest.column(table, "big").get("comparedAs").asText());

        // each lossy column on its own is enough to differ: accepting two still leaves the third
        Run partly = f.run("Verify", "--checksum", "--table", "lossy", "--accept-lossy", "lossy.big",
                "--accept-lossy", "public.lossy.total");
        assertEquals(ExitCode.CHECK_FAILED, partly.exitCode(), partly.stdout() + partly.stderr());

        Run accepted = f.run("Verify", "--checksum", "--table", "lossy", "--accept-lossy", "lossy.big",
                "--accept-lossy", "lossy.total", "--accept-lossy", "lossy.ratio", "--accept-lossy", "lossy.feeling",
                "--json");
        assertEquals(ExitCode.OK, accepted.exitCode(), accepted.stdout() + accepted.stderr());
        JsonNode report = JSON.readTree(accepted.stdout());
        JsonNode t = VerifyCommandTest.table(report, "public", "lossy");
        assertEquals("equal", t.get("status").asText());
        for (String c : List.of("big", "total", "ratio")) {
            JsonNode column = VerifyCommandTest.column(t, c);
            assertEquals("as destination converts it (--accept-lossy)", column.get("comparedAs").asText(), c);
            assertTrue(column.get("acceptedLossy").asBoolean());
            assertTrue(column.get("compared").asBoolean());
        }
        JsonNode feeling = VerifyCommandTest.column(t, "feeling");
        assertFalse(feeling.get("compared").asBoolean(), "origin has no type mood: " + feeling);
        assertTrue(feeling.get("comparedAs").asText().startsWith("not compared: accepted with --accept-lossy"),
                feeling.toString());
        List<String> lossy = new java.util.ArrayList<>();
        report.get("acceptedLossy").forEach(c -> lossy.add(c.at("/table/schema").asText() + "."
                + c.at("/table/name").asText() + "." + c.get("column").asText()));
        assertEquals(List.of("public.lossy.big", "public.lossy.total", "public.lossy.ratio", "public.lossy.feeling"),
                lossy, report.get("acceptedLossy").toString());

        // an accepted column still sees a change the conversion does not explain
        f.onDestination("UPDATE lossy SET total = 1.24 WHERE id = 1");
        Run changed = f.run("Verify", "--checksum", "--table", "lossy", "--accept-lossy", "lossy.big",
                "--accept-lossy", "lossy.total", "--accept-lossy", "lossy.ratio", "--accept-lossy", "lossy.feeling");
        assertEquals(ExitCode.CHECK_FAILED, changed.exitCode(), changed.stdout() + changed.stderr());
        assertTrue(changed.stdout().contains("total (numeric(12,4) -> numeric(10,2), as destination converts it"
                + " (--accept-lossy))"), changed.stdout());
        assertTrue(changed.stdout().contains("not compared: feeling (text -> mood, not compared: accepted"),
                changed.stdout());

        Run unknown = f.run("Verify", "--checksum", "--table", "auth_user", "--accept-lossy", "auth_user.nosuch");
        assertEquals(ExitCode.OK, unknown.exitCode(), unknown.stdout() + unknown.stderr());
        assertTrue(unknown.stderr().contains("--accept-lossy public.auth_user.nosuch names no column"),
                unknown.stderr());

        Run malformed = f.run("Verify", "--checksum", "--accept-lossy", "lossy");
        assertEquals(ExitCode.USAGE, malformed.exitCode(), malformed.stderr());
    }

    @ParameterizedTest(name = "the verdict lists what is not replicated: unlogged, other owners, excluded 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void theVerdictNamesWhatItDoesNotCover(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "verify_scope", 5);
        VerifyCommandTest.copyShop(f);
        f.onOrigin("DO $$ BEGIN CREATE ROLE verify_scope_other; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
        f.onOrigin("CREATE UNLOGGED TABLE cache (id int PRIMARY KEY);"
                + " CREATE TABLE reports (id int PRIMARY KEY); ALTER TABLE reports OWNER TO verify_scope_other;"
                + " CREATE MATERIALIZED VIEW product_names AS SELECT name FROM shop_product;"
                + " CREATE TABLE measurements (id int, at date) PARTITION BY RANGE (at);"
                + " CREATE TABLE measurements_2024 PARTITION OF measurements"
                + " FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')");
        for (int i = 0; i < 12; i++) {
            f.onOrigin("CREATE UNLOGGED TABLE scratch_" + i + " (id int)");
        }
        Run publication = f.run("CreatePublication", "--exclude", "django_migrations,measurements%");
        assertEquals(ExitCode.OK, publication.exitCode(), publication.stdout() + publication.stderr());
        f.onOrigin("CREATE TABLE later (id int PRIMARY KEY)"); // created after the publication

        Run human = f.run("Verify", "--checksum");
        assertEquals(ExitCode.OK, human.exitCode(), human.stdout() + human.stderr());
        String out = human.stdout();
        assertTrue(out.contains("all 5 table(s) equal"), out);
        int verdict = out.indexOf("all 5 table(s) equal");
        int scope = out.indexOf("Not replicated, so not verified: 19 table(s) of this database");
        assertTrue(scope > verdict, "next to the verdict: " + out);
        assertTrue(out.contains("  13 unlogged (cannot be published): public.cache, public.scratch_0,"), out);
        assertTrue(out.contains(", ... (3 more)"), "a long list is cut: " + out);
        assertTrue(out.contains("  1 owned by other roles: public.reports (owner verify_scope_other)"), out);
        assertTrue(out.contains("  2 excluded by pattern (django_migrations, spatial_ref_sys):"
                + " public.django_migrations, public.spatial_ref_sys"), out);
        assertTrue(out.contains("  2 not in the publication (left out when it was created, or created since):"
                + " public.later, public.measurements"), "an exclusion at create-publication is not known: " + out);
        assertTrue(out.contains("  1 materialized views (refresh them on destination): public.product_names"), out);
        assertFalse(out.contains("measurements_2024"), "a partition is carried by its root: " + out);

        Run json = f.run("Verify", "--json", "--table", "auth_user", "--tables-from", "publication",
                "--exclude", "django_migrations,measurements%");
        assertEquals(ExitCode.OK, json.exitCode(), json.stdout() + json.stderr());
        JsonNode groups = JSON.readTree(json.stdout()).get("notReplicated");
        List<String> reasons = new ArrayList<>();
        groups.forEach(g -> reasons.add(g.get("reason").asText() + "=" + g.get("count").asInt()));
        assertEquals(List.of("unlogged (cannot be published)=13", "owned by other roles=2",
                "excluded by pattern (django_migrations, measurements%)=2",
                "not in the publication (left out when it was created, or created since)=1",
                "materialized views (refresh them on destination)=1",
                "replicated but not compared here (--table)=4"), reasons, json.stdout());
        assertEquals(13, groups.get(0).get("tables").size(), "the JSON document lists every table");
    }
}
