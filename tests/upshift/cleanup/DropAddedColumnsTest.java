package upshift.cleanup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.columns.AddedColumns;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.sql.Sql;
import upshift.testing.Psql;
import upshift.testing.Run;

class DropAddedColumnsTest {

    @ParameterizedTest(name = "--dry-run prints a script psql runs unchanged 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void dryRunRunsInPsql(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "dropcols_dry", 10);
        CleanupTest.assertOk(f.run("AddMissingColumns"));

        Run dry = CleanupTest.assertOk(f.run("DropAddedColumns", "--dry-run"));
        assertTrue(dry.stdout().startsWith("-- on destination: "), dry.stdout());
        assertTrue(dry.stdout().contains("CREATE TABLE \"public\".\"__upshift_backup__shop_product__legacy_code\" AS"
                + " SELECT \"id\", \"legacy_code\" FROM \"public\".\"shop_product\";"), dry.stdout());
        assertTrue(dry.stdout().contains("ALTER TABLE \"public\".\"shop_product\" DROP COLUMN \"legacy_code\","
                + " DROP COLUMN \"is_legacy\";"), dry.stdout());
        assertEquals(2, CleanupTest.legacyColumnsOnDestination(f), "--dry-run changed nothing");

        Run psql = Psql.run(f.destinationServer(), f.database(), dry.stdout(), Map.of());
        assertEquals(0, psql.exitCode(), psql.stdout());
        assertEquals(0, CleanupTest.legacyColumnsOnDestination(f));
        assertEquals(f.destinationLong("SELECT count(*) FROM shop_product"),
                f.destinationLong("SELECT count(*) FROM public.__upshift_backup__shop_product__legacy_code"));

        Run again = CleanupTest.assertOk(f.run("DropAddedColumns", "--yes"));
        assertTrue(again.stdout().contains("Nothing to drop"), again.stdout());
    }

    @ParameterizedTest(name = "an existing backup is never overwritten, a table without primary key is refused"
            + " unless --no-backup 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void conflictsAndTablesWithoutPrimaryKey(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "dropcols_conflict", 5);
        CleanupTest.assertOk(f.run("AddMissingColumns"));
        f.onDestination("CREATE TABLE public.__upshift_backup__shop_product__legacy_code (keep int)");
        f.onDestination("INSERT INTO public.__upshift_backup__shop_product__legacy_code VALUES (42)");
        f.onDestination("CREATE TABLE \"Billing\".\"No Key\" (a int, \"Old Col\" text)");
        f.onDestination("INSERT INTO \"Billing\".\"No Key\" VALUES (1, 'x')");
        f.onDestination("COMMENT ON COLUMN \"Billing\".\"No Key\".\"Old Col\" IS "
                + Sql.literal(AddedColumns.marker(f.names())));

        Run first = f.run("DropAddedColumns", "--yes");
        assertEquals(ExitCode.FAILED, first.exitCode(), first.stdout() + first.stderr());
        assertTrue(first.stdout().contains("already exists: not overwritten"), first.stdout());
        assertTrue(first.stdout().contains("no primary key"), first.stdout());
        assertEquals(42, f.destinationLong("SELECT keep FROM public.__upshift_backup__shop_product__legacy_code"));
        assertEquals(1, CleanupTest.legacyColumnsOnDestination(f), "auth_user.legacy_flags dropped, legacy_code kept");
        assertEquals(1, f.destinationLong("SELECT count(*) FROM information_schema.columns WHERE table_name ="
                + " 'No Key' AND column_name = 'Old Col'"));

        f.onDestination("DROP TABLE public.__upshift_backup__shop_product__legacy_code");
        Run second = f.run("DropAddedColumns", "--yes");
        assertEquals(ExitCode.CHECK_FAILED, second.exitCode(), second.stdout() + second.stderr());
        assertEquals(0, CleanupTest.legacyColumnsOnDestination(f));

        Run third = CleanupTest.assertOk(f.run("DropAddedColumns", "--yes", "--no-backup"));
        assertTrue(third.stdout().contains("(none)"), third.stdout());
        assertEquals(0, f.destinationLong("SELECT count(*) FROM information_schema.columns WHERE table_name ="
                + " 'No Key' AND column_name = 'Old Col'"));
        assertEquals(0, f.destinationLong("SELECT count(*) FROM pg_class WHERE relname LIKE '%No Key%Old Col%'"));
    }
}
