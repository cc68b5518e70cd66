package upshift.columns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.testing.Psql;
import upshift.testing.Run;

class AddMissingColumnsTest {

    private static final String MARKED = "SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
            + " WHERE col_description(c.oid, a.attnum) LIKE 'upshift: added by add-missing-columns for migration"
            + " amc\\_%'";

    @ParameterizedTest(name = "adds legacy columns with origin's type and default, marked 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void addsTheLegacyColumnsOnce(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "amc_add", 20);

        Run run = f.run("AddMissingColumns");
        assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
        assertTrue(run.stdout().contains("legacy_flags") && run.stdout().contains("legacy_code"), run.stdout());
        assertEquals(2, f.destinationLong(MARKED));
        assertEquals(1, f.destinationLong("SELECT count(*) FROM information_schema.columns WHERE table_name ="
                + " 'shop_product' AND column_name = 'legacy_code' AND is_nullable = 'YES'"
                + " AND column_default LIKE '''none''%'"), "added nullable, with origin's default");
        assertEquals(1, f.destinationLong("SELECT count(*) FROM information_schema.columns WHERE table_name ="
                + " 'auth_user' AND column_name = 'legacy_flags' AND data_type = 'text'"));

        Run again = f.run("AddMissingColumns", "--json");
        assertEquals(ExitCode.OK, again.exitCode(), again.stderr());
        JsonNode result = new ObjectMapper().readTree(again.stdout());
        assertEquals(0, result.get("toAdd").size());
        assertEquals(5, result.get("tablesChecked").asInt());
    }

    @ParameterizedTest(name = "--dry-run prints a script psql runs unchanged 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void dryRunScriptRunsInPsql(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "amc_dry", 5);

        Run dry = f.run("AddMissingColumns", "--dry-run");
        assertEquals(ExitCode.OK, dry.exitCode(), dry.stderr());
        assertTrue(dry.stdout().startsWith("-- on destination: "), dry.stdout());
        assertTrue(dry.stdout().contains("BEGIN;"), dry.stdout());
        assertTrue(dry.stdout().contains("ALTER TABLE \"public\".\"shop_product\" ADD COLUMN IF NOT EXISTS"
                + " \"legacy_code\" text DEFAULT 'none'::text;"), dry.stdout());
        assertEquals(0, f.destinationLong(MARKED), "--dry-run changed nothing");

        Run psql = Psql.run(f.destinationServer(), f.database(), dry.stdout(), Map.of());
        assertEquals(0, psql.exitCode(), psql.stdout());
        assertEquals(2, f.destinationLong(MARKED), "the script did what the step does");
        Run after = f.run("AddMissingColumns");
        assertTrue(after.stderr().contains("Nothing to add"), after.stderr());
    }

    @ParameterizedTest(name = "a table missing on destination is reported 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void missingTablesAreReported(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "amc_missing", 5);
        f.onOrigin("CREATE TABLE brand_new (id int PRIMARY KEY, label text)");

        Run run = f.run("AddMissingColumns");
        assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("public.brand_new is not on destination"), run.stderr());
    }
}
