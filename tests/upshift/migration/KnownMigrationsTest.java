package upshift.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.sql.Sql;
import upshift.testing.Run;

/**
 * A --name of which nothing exists: refused (exit 2, naming the migrations that exist) by the steps that work on
 * an existing migration; never by the steps that create one or only look.
 */
class KnownMigrationsTest {

    /** Each side holds its own kinds of a migration's objects: that makes x_rollback_pub unambiguous. */
    @Test
    void objectNamesMapToTheirMigrationBySide() {
        assertEquals(Optional.of("shop"), KnownMigrations.migrationOf("origin", "publication", "shop_pub"));
        assertEquals(Optional.of("shop"), KnownMigrations.migrationOf("origin", "slot", "shop_slot"));
        assertEquals(Optional.of("shop"), KnownMigrations.migrationOf("origin", "subscription", "shop_rollback_sub"));
        assertEquals(Optional.of("shop"), KnownMigrations.migrationOf("destination", "subscription", "shop_sub"));
        assertEquals(Optional.of("shop"), KnownMigrations.migrationOf("destination", "publication",
                "shop_rollback_pub"));
        assertEquals(Optional.of("shop"), KnownMigrations.migrationOf("destination", "slot", "shop_rollback_slot"));
        // a migration named so_rollback: its forward publication on origin, not so's rollback publication
        assertEquals(Optional.of("so_rollback"), KnownMigrations.migrationOf("origin", "publication",
                "so_rollback_pub"));
        assertEquals(Optional.of("so"), KnownMigrations.migrationOf("destination", "publication", "so_rollback_pub"));
        assertEquals(Optional.empty(), KnownMigrations.migrationOf("destination", "publication", "shop_pub"),
                "a publication on destination that is no rollback publication");
        assertEquals(Optional.empty(), KnownMigrations.migrationOf("origin", "publication", "Shop_pub"));
        assertEquals(Optional.empty(), KnownMigrations.migrationOf("origin", "publication", "_pub"));
        assertEquals(Optional.empty(), KnownMigrations.migrationOf("origin", "slot", "debezium"));
    }

    @ParameterizedTest(name = "an unknown --name is refused where a migration is needed [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void anUnknownNameIsRefusedByTheStepsThatNeedAMigration(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "known_names", 3);
        // the migration "known_names" exists: its publication on origin
        assertEquals(ExitCode.OK, f.run("CreatePublication").exitCode());
        try (Connection o = f.origin()) {
            assertTrue(KnownMigrations.on(o, "origin").contains("known_names"));
        }

        for (List<String> step : List.of(List.of("EnableSubscription"), List.of("Monitor"),
                List.of("Monitor", "--rollback"), List.of("Verify"), List.of("Verify", "--tables-from", "publication"),
                List.of("VacuumAnalyze"), List.of("SetupRollback", "--destination-conninfo", f.destinationConninfo()),
                List.of("Switchover", "--yes", "--dry-run"), List.of("Switchback", "--yes", "--dry-run"))) {
            String[] args = concat(step.subList(1, step.size()), "--name", "nosuch");
            Run run = f.run(step.get(0), args);
            String all = step + ":\n" + run.stdout() + run.stderr();
            assertEquals(ExitCode.USAGE, run.exitCode(), all);
            assertTrue(run.stderr().contains("error: no migration named \"nosuch\" on origin or destination"), all);
            assertTrue(run.stderr().contains("hint: the migrations here: known_names (pass --name known_names)"),
                    all);
        }

        // the steps that create a migration, or only look, take any name
        assertEquals(ExitCode.OK, f.run("CreatePublication", "--dry-run", "--name", "nosuch").exitCode());
        assertEquals(ExitCode.OK, f.run("Status", "--name", "nosuch").exitCode());
        Run preflight = f.run("Preflight", "--name", "nosuch", "--destination-conninfo", f.destinationConninfo());
        assertNotEquals(ExitCode.USAGE, preflight.exitCode(), preflight.stderr());
        assertTrue(!preflight.stderr().contains("no migration named"), preflight.stderr());

        // cleanup stays idempotent: nothing to drop, a warning naming what exists
        Run cleanup = f.run("Cleanup", "--yes", "--name", "nosuch");
        assertEquals(ExitCode.OK, cleanup.exitCode(), cleanup.stdout() + cleanup.stderr());
        assertTrue(cleanup.stderr().contains("nothing of a migration named nosuch exists on origin or destination;"
                + " the migrations here: known_names (check --name)"), cleanup.stderr());
        assertEquals(1, f.originLong("SELECT count(*) FROM pg_publication WHERE pubname = "
                + Sql.literal(f.names().publication())), "the real migration is untouched");
    }

    @ParameterizedTest(name = "no migration at all: the strict steps say how one starts; verify falls back, saying so [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void noMigrationAtAll(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "no_names", 3);
        Run enable = f.run("EnableSubscription");
        assertEquals(ExitCode.USAGE, enable.exitCode(), enable.stderr());
        assertTrue(enable.stderr().contains("hint: none exists in these databases: create-publication starts one"),
                enable.stderr());

        Run verify = f.run("Verify");
        assertNotEquals(ExitCode.USAGE, verify.exitCode(), verify.stderr());
        assertTrue(verify.stderr().contains("no migration named no_names exists yet: verifying the tables the"
                + " selection picks"), verify.stderr());
    }

    private static String[] concat(List<String> head, String... tail) {
        List<String> all = new java.util.ArrayList<>(head);
        all.addAll(List.of(tail));
        return all.toArray(String[]::new);
    }
}
