package upshift.columns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.sample.SampleApp;
import upshift.sql.Sql;
import upshift.testing.Psql;
import upshift.testing.Run;
import upshift.testing.Wait;

class AddMissingColumnsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String MARKED = "SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
            + " WHERE col_description(c.oid, a.attnum) LIKE 'upshift: added by add-missing-columns for migration"
            + " amc\\_%'";

    /** The default of shop_product.is_legacy on destination, or "none". */
    private static final String IS_LEGACY_DEFAULT = "SELECT count(*) FROM information_schema.columns"
            + " WHERE table_name = 'shop_product' AND column_name = 'is_legacy' AND column_default = 'false'";

    private static final String NO_DEFAULT_WARNING = "warning: public.shop_product.is_legacy is NOT NULL on origin"
            + " and has no default on destination";

    @ParameterizedTest(name = "adds legacy columns with origin's type and default, marked 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void addsTheLegacyColumnsOnce(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "amc_add", 20);

        Run run = f.run("AddMissingColumns");
        assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
        assertTrue(run.stdout().contains("legacy_flags") && run.stdout().contains("legacy_code")
                && run.stdout().contains("is_legacy"), run.stdout());
        assertEquals(SampleApp.LEGACY_COLUMNS.size(), f.destinationLong(MARKED));
        assertEquals(1, f.destinationLong("SELECT count(*) FROM information_schema.columns WHERE table_name ="
                + " 'shop_product' AND column_name = 'legacy_code' AND is_nullable = 'YES'"
                + " AND column_default LIKE '''none''%'"), "added nullable, with origin's default");
        assertEquals(1, f.destinationLong("SELECT count(*) FROM information_schema.columns WHERE table_name ="
                + " 'auth_user' AND column_name = 'legacy_flags' AND data_type = 'text'"));
        assertTrue(run.stderr().contains(NO_DEFAULT_WARNING), "NOT NULL on origin, no default: " + run.stderr());
        assertTrue(run.stderr().contains("Add --default public.shop_product.is_legacy=false"), run.stderr());
        assertFalse(run.stderr().contains("legacy_code is NOT NULL"), "legacy_code carries origin's default");

        Run again = f.run("AddMissingColumns", "--json");
        assertEquals(ExitCode.OK, again.exitCode(), again.stderr());
        JsonNode result = JSON.readTree(again.stdout());
        assertEquals(0, result.get("toAdd").size());
        assertEquals(5, result.get("tablesChecked").asInt());
        assertEquals(1, result.get("missingDefaults").size(), again.stdout());
        assertEquals("shop_product", result.at("/missingDefaults/0/table/name").asText(), again.stdout());
        assertEquals("is_legacy", result.at("/missingDefaults/0/column").asText());
        assertEquals("--default public.shop_product.is_legacy=false",
                result.at("/missingDefaults/0/option").asText());
        assertTrue(again.stderr().contains(NO_DEFAULT_WARNING), "a re-run still warns: " + again.stderr());
    }

    @ParameterizedTest(name = "--default on a fresh add: the new application's rows get it 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void defaultOnAFreshAdd(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "amc_default_new", 5);

        Run run = f.addMissingColumns("--json");
        assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
        assertFalse(run.stderr().contains("warning:"), run.stderr());
        JsonNode result = JSON.readTree(run.stdout());
        assertEquals(SampleApp.LEGACY_COLUMNS.size(), result.get("toAdd").size());
        JsonNode isLegacy = null;
        for (JsonNode c : result.get("toAdd")) {
            if (c.get("column").asText().equals("is_legacy")) {
                isLegacy = c;
            }
        }
        assertEquals("false", isLegacy.get("defaultExpr").asText(), run.stdout());
        assertTrue(isLegacy.get("originNotNull").asBoolean(), run.stdout());
        assertEquals(0, result.get("missingDefaults").size(), run.stdout());
        assertEquals("added with the column", result.at("/defaults/0/action").asText(), run.stdout());
        assertEquals("false", result.at("/defaults/0/result").asText(), run.stdout());

        assertEquals(SampleApp.LEGACY_COLUMNS.size(), f.destinationLong(MARKED));
        assertEquals(1, f.destinationLong(IS_LEGACY_DEFAULT));
        assertEquals(1, f.destinationLong("SELECT count(*) FROM information_schema.columns WHERE table_name ="
                + " 'shop_product' AND column_name = 'is_legacy' AND is_nullable = 'YES'"), "still nullable");
        f.onDestination("INSERT INTO shop_product (sku, name, price) VALUES ('NEW-1', 'as the new app', 1)");
        assertEquals(1, f.destinationLong("SELECT count(*) FROM shop_product WHERE sku = 'NEW-1'"
                + " AND is_legacy IS NOT DISTINCT FROM false"), "a row that omits the column satisfies origin");

        Run human = f.addMissingColumns();
        assertEquals(ExitCode.OK, human.exitCode(), human.stderr());
        assertTrue(human.stdout().contains("public.shop_product.is_legacy, added before: already has DEFAULT false"
                + " (unchanged)"), human.stdout());
    }

    @ParameterizedTest(name = "--default on a column added before: SET DEFAULT, then unchanged 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void defaultOnARerun(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "amc_default_rerun", 5);
        assertEquals(ExitCode.OK, f.run("AddMissingColumns").exitCode());
        assertEquals(0, f.destinationLong(IS_LEGACY_DEFAULT));

        Run set = f.addMissingColumns("-v");
        assertEquals(ExitCode.OK, set.exitCode(), set.stderr());
        assertTrue(set.stdout().contains("public.shop_product.is_legacy, added before: DEFAULT set to false"
                + " (had none)"), set.stdout());
        assertTrue(set.stderr().contains("ALTER TABLE \"public\".\"shop_product\" ALTER COLUMN \"is_legacy\" SET"
                + " DEFAULT false"), set.stderr());
        assertFalse(set.stderr().contains(NO_DEFAULT_WARNING), set.stderr());
        assertEquals(1, f.destinationLong(IS_LEGACY_DEFAULT));
        assertEquals(SampleApp.LEGACY_COLUMNS.size(), f.destinationLong(MARKED), "nothing added twice");

        Run again = f.addMissingColumns("--json", "-v");
        assertEquals(ExitCode.OK, again.exitCode(), again.stderr());
        JsonNode result = JSON.readTree(again.stdout());
        assertEquals("unchanged", result.at("/defaults/0/action").asText(), again.stdout());
        assertEquals("false", result.at("/defaults/0/previous").asText(), again.stdout());
        assertFalse(again.stderr().contains("SET DEFAULT"), "nothing runs when it is in place: " + again.stderr());

        Run dry = f.addMissingColumns("--dry-run");
        assertEquals(ExitCode.OK, dry.exitCode(), dry.stderr());
        assertEquals("", dry.stdout().strip(), "nothing to do, nothing printed");
    }

    @ParameterizedTest(name = "--default for a column it does not add is a usage error 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void defaultForAnotherColumnIsRefused(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "amc_default_bad_column", 5);

        Run unknown = f.run("AddMissingColumns", "--default", "shop_product.no_such=false");
        assertEquals(ExitCode.USAGE, unknown.exitCode(), unknown.stderr());
        assertTrue(unknown.stderr().contains("--default public.shop_product.no_such: not a column"
                + " add-missing-columns adds or has added"), unknown.stderr());

        Run kept = f.run("AddMissingColumns", "--default", "public.shop_product.name='x'",
                "--default", "shop_product.is_legacy=false");
        assertEquals(ExitCode.USAGE, kept.exitCode(), kept.stderr());
        assertTrue(kept.stderr().contains("public.shop_product.name: not a column"), kept.stderr());

        Run malformed = f.run("AddMissingColumns", "--default", "shop_product=false");
        assertEquals(ExitCode.USAGE, malformed.exitCode(), malformed.stderr());
        assertTrue(malformed.stderr().contains("not a --default TABLE.COLUMN=SQL: shop_product=false"),
                malformed.stderr());

        Run twice = f.run("AddMissingColumns", "--default", "shop_product.is_legacy=false",
                "--default", "public.\"shop_product\".is_legacy=true");
        assertEquals(ExitCode.USAGE, twice.exitCode(), twice.stderr());
        assertEquals(0, f.destinationLong(MARKED), "nothing changed");
    }

    @ParameterizedTest(name = "a --default the server rejects is a usage error, nothing changed 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void badExpressionIsRefused(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "amc_default_bad_sql", 5);

        Run wrongType = f.run("AddMissingColumns", "--default", "shop_product.is_legacy='maybe'");
        assertEquals(ExitCode.USAGE, wrongType.exitCode(), wrongType.stderr());
        assertTrue(wrongType.stderr().contains("error: invalid --default for public.shop_product.is_legacy: ERROR:"
                + " invalid input syntax for type boolean"), wrongType.stderr());
        assertEquals(0, f.destinationLong(MARKED), "rolled back: nothing added");

        Run dry = f.run("AddMissingColumns", "--dry-run", "--default", "shop_product.is_legacy=no_such_column");
        assertEquals(ExitCode.USAGE, dry.exitCode(), dry.stderr());
        assertTrue(dry.stderr().contains("invalid --default for public.shop_product.is_legacy: ERROR:"),
                dry.stderr());

        Run twoStatements = f.run("AddMissingColumns", "--default", "shop_product.is_legacy=false; DROP TABLE"
                + " shop_order");
        assertEquals(ExitCode.USAGE, twoStatements.exitCode(), twoStatements.stderr());
        assertTrue(twoStatements.stderr().contains("is not one SQL expression"), twoStatements.stderr());
        Run comment = f.run("AddMissingColumns", "--default", "shop_product.is_legacy=false -- a comment");
        assertEquals(ExitCode.USAGE, comment.exitCode(), comment.stderr());
        assertEquals(1, f.destinationLong("SELECT count(*) FROM pg_tables WHERE tablename = 'shop_order'"));

        assertEquals(ExitCode.OK, f.run("AddMissingColumns").exitCode());
        Run onAdded = f.run("AddMissingColumns", "--default", "shop_product.is_legacy=1.5");
        assertEquals(ExitCode.USAGE, onAdded.exitCode(), onAdded.stderr());
        assertTrue(onAdded.stderr().contains("invalid --default for public.shop_product.is_legacy: ERROR:"),
                onAdded.stderr());
        assertEquals(0, f.destinationLong(IS_LEGACY_DEFAULT));
    }

    @ParameterizedTest(name = "quoted names: --default '\"Billing\".\"Invoice\".\"Col\"=0' 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void quotedNames(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "amc_default_quoted", 5);
        // NOT NULL without a default on a table with rows: added with one, then the default dropped
        f.onOrigin("ALTER TABLE \"Billing\".\"Invoice\" ADD COLUMN \"Legacy Ref\" integer NOT NULL DEFAULT 7;"
                + " ALTER TABLE \"Billing\".\"Invoice\" ALTER COLUMN \"Legacy Ref\" DROP DEFAULT");

        Run warned = f.addMissingColumns("--dry-run");
        assertEquals(ExitCode.OK, warned.exitCode(), warned.stderr());
        assertTrue(warned.stderr().contains("Add --default '\"Billing\".\"Invoice\".\"Legacy Ref\"=0'"),
                warned.stderr());

        Run run = f.addMissingColumns("--default", "\"Billing\".\"Invoice\".\"Legacy Ref\"=0");
        assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
        assertFalse(run.stderr().contains("warning:"), run.stderr());
        assertEquals(1, f.destinationLong("SELECT count(*) FROM information_schema.columns WHERE table_schema ="
                + " 'Billing' AND table_name = 'Invoice' AND column_name = 'Legacy Ref' AND column_default = '0'"));
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
        assertEquals(SampleApp.LEGACY_COLUMNS.size(), f.destinationLong(MARKED), "the script did what the step does");
        Run after = f.run("AddMissingColumns");
        assertTrue(after.stderr().contains("Nothing to add"), after.stderr());
    }

    @ParameterizedTest(name = "--dry-run with --default: fresh add and SET DEFAULT scripts run in psql 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void dryRunWithDefaultsRunsInPsql(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "amc_dry_default", 5);

        Run fresh = f.addMissingColumns("--dry-run");
        assertEquals(ExitCode.OK, fresh.exitCode(), fresh.stderr());
        assertTrue(fresh.stdout().contains("ALTER TABLE \"public\".\"shop_product\" ADD COLUMN IF NOT EXISTS"
                + " \"is_legacy\" boolean;"), fresh.stdout());
        assertTrue(fresh.stdout().contains("ALTER TABLE \"public\".\"shop_product\" ALTER COLUMN \"is_legacy\""
                + " SET DEFAULT false;\nCOMMIT;"), fresh.stdout());
        assertEquals(0, f.destinationLong(MARKED), "--dry-run changed nothing (its check was rolled back)");
        Run psql = Psql.run(f.destinationServer(), f.database(), fresh.stdout(), Map.of());
        assertEquals(0, psql.exitCode(), psql.stdout());
        assertEquals(SampleApp.LEGACY_COLUMNS.size(), f.destinationLong(MARKED));
        assertEquals(1, f.destinationLong(IS_LEGACY_DEFAULT));

        f.onDestination("ALTER TABLE shop_product ALTER COLUMN is_legacy DROP DEFAULT");
        Run rerun = f.addMissingColumns("--dry-run");
        assertEquals(ExitCode.OK, rerun.exitCode(), rerun.stderr());
        assertTrue(rerun.stdout().contains("ALTER TABLE \"public\".\"shop_product\" ALTER COLUMN \"is_legacy\""
                + " SET DEFAULT false;"), rerun.stdout());
        assertFalse(rerun.stdout().contains("ADD COLUMN"), rerun.stdout());
        assertEquals(0, f.destinationLong(IS_LEGACY_DEFAULT), "--dry-run changed nothing");
        Run psqlAgain = Psql.run(f.destinationServer(), f.database(), rerun.stdout(), Map.of());
        assertEquals(0, psqlAgain.exitCode(), psqlAgain.stdout());
        assertEquals(1, f.destinationLong(IS_LEGACY_DEFAULT));
    }

    /**
     * Issue #9 as it happens: rollback replication (destination -> origin, 16 -> 15 where origin counts apply
     * errors) fails on the new application's row while the re-added column has no default, and carries it once
     * add-missing-columns --default gave it one.
     */
    @ParameterizedTest(name = "rollback replication fails on a NOT NULL column without default, works with --default"
            + " 15 <- 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void rollbackNeedsTheDefault(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, 15, 16, "amc_rollback", 5);
        String publication = "amc_rollback_back_pub";
        String subscription = "amc_rollback_back_sub";
        assertEquals(ExitCode.OK, f.run("AddMissingColumns").exitCode());
        f.onDestination("CREATE PUBLICATION " + publication + " FOR TABLE shop_product");
        String create = "CREATE SUBSCRIPTION " + subscription + " CONNECTION "
                + Sql.literal(f.destinationConninfo()) + " PUBLICATION " + publication + " WITH (copy_data = false)";
        try {
            f.onOrigin(create);
            f.onDestination("INSERT INTO shop_product (id, sku, name, price) VALUES (100001, 'NEW-1', 'new app', 1)");
            Wait.until(Duration.ofSeconds(60), "origin's apply worker fails on the row",
                    () -> f.originLong("SELECT coalesce(sum(apply_error_count), 0) FROM pg_stat_subscription_stats"
                            + " WHERE subname = '" + subscription + "'") > 0);
            assertEquals(0, f.originLong("SELECT count(*) FROM shop_product WHERE sku = 'NEW-1'"));

            // the fix, then a fresh start of the rollback direction without the row that cannot apply
            f.onOrigin("DROP SUBSCRIPTION " + subscription);
            f.onDestination("DELETE FROM shop_product WHERE sku = 'NEW-1'");
            assertEquals(ExitCode.OK, f.addMissingColumns().exitCode());
            f.onOrigin(create);
            f.onDestination("INSERT INTO shop_product (id, sku, name, price) VALUES (100002, 'NEW-2', 'new app', 2)");
            Wait.until(Duration.ofSeconds(60), "the new application's row arrives on origin",
                    () -> f.originLong("SELECT count(*) FROM shop_product WHERE sku = 'NEW-2' AND NOT is_legacy") == 1);
        } finally {
            f.onOrigin("DROP SUBSCRIPTION IF EXISTS " + subscription);
            f.onDestination("DROP PUBLICATION IF EXISTS " + publication);
        }
    }
}
