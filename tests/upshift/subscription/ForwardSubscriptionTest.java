package upshift.subscription;

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
import upshift.testing.Psql;
import upshift.testing.Run;
import upshift.testing.Wait;

class ForwardSubscriptionTest {

    private static String subscription(ShopFixture f) {
        return "SELECT count(*) FROM pg_subscription WHERE subname = '" + f.names().subscription() + "'";
    }

    @ParameterizedTest(name = "created disabled with the options 16 accepts from a 13 publisher [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void createdDisabledWithVersionAwareOptions(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "sub_options", 20);
        assertEquals(ExitCode.OK, f.run("CreatePublication").exitCode());

        Run run = f.run("CreateSubscription", "--json", "--initial-copy", "native", "--origin-conninfo",
                f.originConninfo());
        assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
        JsonNode result = new ObjectMapper().readTree(run.stdout());
        assertEquals("created (disabled)", result.get("action").asText());
        assertFalse(result.get("binary").asBoolean(), "int -> bigint: binary transfer is not safe");
        assertFalse(run.stdout().contains(f.originServer().password()));
        assertEquals(1, f.destinationLong(subscription(f) + " AND NOT subenabled AND subdisableonerr AND subrunasowner"
                + " AND substream = 'f' AND NOT subbinary AND subslotname = '" + f.names().slot() + "'"),
                "disable_on_error and run_as_owner (16), no streaming (a 13 publisher cannot), no binary");
        assertEquals(1, f.originLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                + f.names().slot() + "'"));
        assertTrue(run.stderr().contains("lacks column(s) [legacy_flags]"), run.stderr());

        Run again = f.run("CreateSubscription", "--origin-conninfo", f.originConninfo());
        assertEquals(ExitCode.OK, again.exitCode(), again.stderr());
        assertTrue(again.stderr().contains("already exists (disabled)"), again.stderr());
    }

    @ParameterizedTest(name = "enable refuses missing columns, then copies everything once they are added [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void enableRefusesDriftThenCopies(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "sub_enable", 100);
        assertEquals(ExitCode.OK, f.run("CreatePublication").exitCode());
        assertEquals(ExitCode.OK, f.run("CreateSubscription", "--origin-conninfo", f.originConninfo(),
                "--pause-autovacuum").exitCode());
        assertEquals(5, f.destinationLong("SELECT count(*) FROM pg_class WHERE 'autovacuum_enabled=false' = ANY"
                + " (reloptions)"), "autovacuum paused on the 5 replicated tables");

        Run refused = f.run("EnableSubscription");
        assertEquals(ExitCode.CHECK_FAILED, refused.exitCode(), refused.stderr());
        assertTrue(refused.stderr().contains("public.shop_product lacks column(s) [legacy_code, is_legacy]"),
                refused.stderr());
        assertEquals(1, f.destinationLong(subscription(f) + " AND NOT subenabled"));

        assertEquals(ExitCode.OK, f.run("AddMissingColumns").exitCode());
        Run enabled = f.run("EnableSubscription");
        assertEquals(ExitCode.OK, enabled.exitCode(), enabled.stderr());
        assertTrue(enabled.stderr().contains("enabled"), enabled.stderr());
        f.waitUntilCopied();
        for (String table : new String[] {"auth_user", "shop_product", "shop_order", "shop_orderline",
            "\"Billing\".\"Invoice\""}) {
            assertEquals(f.originLong("SELECT count(*) FROM " + table), f.destinationLong("SELECT count(*) FROM "
                    + table), table);
        }
        assertEquals(f.originLong("SELECT count(*) FROM shop_product WHERE legacy_code <> 'none'"),
                f.destinationLong("SELECT count(*) FROM shop_product WHERE legacy_code <> 'none'"));

        Run again = f.run("EnableSubscription");
        assertTrue(again.stderr().contains("already enabled"), again.stderr());
    }

    @ParameterizedTest(name = "forced drift: disabled on error, fixed by add-missing-columns, copy completes [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void forcedDriftRecovers(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "sub_drift", 30);
        assertEquals(ExitCode.OK, f.run("CreatePublication").exitCode());
        assertEquals(ExitCode.OK, f.run("CreateSubscription", "--initial-copy", "native", "--origin-conninfo",
                f.originConninfo()).exitCode());
        assertEquals(ExitCode.OK, f.run("EnableSubscription", "--force").exitCode());
        Wait.until(Duration.ofSeconds(90), "the subscription disables itself on the missing column",
                () -> f.destinationLong(subscription(f) + " AND NOT subenabled") == 1);

        assertEquals(ExitCode.OK, f.run("AddMissingColumns").exitCode());
        assertEquals(ExitCode.OK, f.run("EnableSubscription").exitCode());
        f.waitUntilCopied();
        assertEquals(f.originLong("SELECT count(*) FROM shop_product"),
                f.destinationLong("SELECT count(*) FROM shop_product"));
    }

    @ParameterizedTest(name = "--dry-run script runs unchanged in psql, password from a psql variable [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void dryRunRunsInPsql(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "sub_dry", 5);
        assertEquals(ExitCode.OK, f.run("CreatePublication").exitCode());
        Run dry = f.run("CreateSubscription", "--dry-run", "--origin-conninfo", f.originConninfo());
        assertEquals(ExitCode.OK, dry.exitCode(), dry.stderr());
        String password = f.originServer().password();
        assertFalse(dry.stdout().contains(password), dry.stdout());
        assertTrue(dry.stdout().contains("psql -v origin_password="), dry.stdout());
        assertEquals(0, f.destinationLong(subscription(f)));

        Run psql = Psql.run(f.destinationServer(), f.database(), dry.stdout(), Map.of("origin_password", password));
        assertEquals(0, psql.exitCode(), psql.stdout());
        assertEquals(1, f.destinationLong(subscription(f) + " AND NOT subenabled AND subdisableonerr"));

        f.run("AddMissingColumns");
        Run enable = f.run("EnableSubscription", "--dry-run");
        assertEquals(ExitCode.OK, enable.exitCode(), enable.stderr());
        assertEquals(1, f.destinationLong(subscription(f) + " AND NOT subenabled"), "--dry-run enabled nothing");
        // the snapshot copy (the default) is not a psql step: the pasted script stops before it enables streaming
        // into tables nothing has copied
        Run stopped = Psql.run(f.destinationServer(), f.database(), enable.stdout(), Map.of());
        assertEquals(0, stopped.exitCode(), stopped.stdout() + "\n--- script:\n" + enable.stdout());
        assertTrue(stopped.stdout().contains("the initial snapshot copy is not a psql step"), stopped.stdout());
        assertEquals(1, f.destinationLong(subscription(f) + " AND NOT subenabled"), "the script must not enable it");
    }

    @ParameterizedTest(name = "--dry-run of the native table sync: the pasted scripts create and enable [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void nativeDryRunEnablesInPsql(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "sub_dry_native", 5);
        assertEquals(ExitCode.OK, f.run("CreatePublication").exitCode());
        f.run("AddMissingColumns");
        Run dry = f.run("CreateSubscription", "--dry-run", "--initial-copy", "native", "--origin-conninfo",
                f.originConninfo());
        assertEquals(ExitCode.OK, dry.exitCode(), dry.stderr());
        Run psql = Psql.run(f.destinationServer(), f.database(), dry.stdout(),
                Map.of("origin_password", f.originServer().password()));
        assertEquals(0, psql.exitCode(), psql.stdout());
        Run enable = f.run("EnableSubscription", "--dry-run");
        assertEquals(ExitCode.OK, enable.exitCode(), enable.stderr());
        Run enabled = Psql.run(f.destinationServer(), f.database(), enable.stdout(), Map.of());
        assertEquals(0, enabled.exitCode(), enabled.stdout() + "\n--- script:\n" + enable.stdout());
        assertEquals(1, f.destinationLong(subscription(f) + " AND subenabled"), "the script enabled it");
        f.waitUntilCopied();
        assertEquals(f.originLong("SELECT count(*) FROM shop_product"),
                f.destinationLong("SELECT count(*) FROM shop_product"));
    }

    @ParameterizedTest(name = "without a publication: a clear failure [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void needsThePublication(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "sub_nopub", 1);
        Run run = f.run("CreateSubscription", "--origin-conninfo", f.originConninfo());
        assertEquals(ExitCode.FAILED, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("publication sub_nopub_pub does not exist on origin"), run.stderr());
        assertTrue(run.stderr().contains("hint: run create-publication first"), run.stderr());
        Run bad = f.run("CreateSubscription", "--binary", "sometimes");
        assertEquals(ExitCode.USAGE, bad.exitCode(), bad.stderr());
    }
}
