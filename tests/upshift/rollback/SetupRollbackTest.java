package upshift.rollback;

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

class SetupRollbackTest {

    /** The forward direction done and its subscription dropped, as switchover leaves it before setting up rollback. */
    static ShopFixture replicatedThenForwardDropped(PgProvider provider, String database) throws Exception {
        ShopFixture f = ShopFixture.create(provider, database, 30);
        assertEquals(ExitCode.OK, f.addMissingColumns().exitCode());
        assertEquals(ExitCode.OK, f.run("CreatePublication").exitCode());
        assertEquals(ExitCode.OK, f.run("CreateSubscription", "--origin-conninfo", f.originConninfo()).exitCode());
        assertEquals(ExitCode.OK, f.run("EnableSubscription").exitCode());
        f.waitUntilCopied();
        return f;
    }

    @ParameterizedTest(name = "refused while forward runs; then destination writes reach origin 13 <- 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void destinationWritesFlowBackToOrigin(PgProvider provider) throws Exception {
        ShopFixture f = replicatedThenForwardDropped(provider, "rb_flow");

        Run refused = f.run("SetupRollback", "--destination-conninfo", f.destinationConninfo());
        assertEquals(ExitCode.CHECK_FAILED, refused.exitCode(), refused.stderr());
        assertTrue(refused.stderr().contains("would loop"), refused.stderr());
        assertEquals(0, f.destinationLong("SELECT count(*) FROM pg_publication WHERE pubname = '"
                + f.names().rollbackPublication() + "'"));

        f.onDestination("DROP SUBSCRIPTION " + f.names().subscription());
        Run run = f.run("SetupRollback", "--json", "--destination-conninfo", f.destinationConninfo());
        assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
        JsonNode result = new ObjectMapper().readTree(run.stdout());
        assertEquals("created", result.get("publicationAction").asText());
        assertEquals("created, enabled", result.get("subscriptionAction").asText());
        assertEquals("false", result.at("/createOptions/copy_data").asText(), run.stdout());
        assertFalse(result.get("createOptions").has("streaming"), "a v13 subscriber has no streaming");
        assertFalse(result.get("createOptions").has("disable_on_error"), run.stdout());
        assertEquals(5, result.get("tables").size());

        f.onDestination("INSERT INTO shop_product (id, sku, name, price)"
                + " VALUES (100000, 'RB-1', 'on destination', 9.99)");
        f.onDestination("UPDATE auth_user SET email = 'moved@example.com' WHERE id = 1");
        Wait.until(Duration.ofSeconds(60), "destination's writes arrive on origin",
                () -> f.originLong("SELECT count(*) FROM shop_product WHERE sku = 'RB-1' AND legacy_code = 'none'"
                        + " AND NOT is_legacy") == 1
                        && f.originLong("SELECT count(*) FROM auth_user WHERE id = 1 AND email = 'moved@example.com'")
                                == 1);

        Run again = f.run("SetupRollback", "--destination-conninfo", f.destinationConninfo());
        assertEquals(ExitCode.OK, again.exitCode(), again.stderr());
        assertTrue(again.stderr().contains("already exists (enabled)"), again.stderr());
    }

    @ParameterizedTest(name = "--dry-run script runs on origin in psql [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void dryRunRunsInPsql(PgProvider provider) throws Exception {
        ShopFixture f = replicatedThenForwardDropped(provider, "rb_dry");
        f.onDestination("DROP SUBSCRIPTION " + f.names().subscription());
        f.onDestination("CREATE PUBLICATION " + f.names().rollbackPublication() + " FOR TABLE shop_product");
        Run dry = f.run("SetupRollback", "--dry-run", "--destination-conninfo", f.destinationConninfo());
        assertEquals(ExitCode.OK, dry.exitCode(), dry.stderr());
        assertFalse(dry.stdout().contains(f.destinationServer().password()), dry.stdout());
        assertTrue(dry.stdout().startsWith("-- psql script for origin ("), dry.stdout());
        Run psql = Psql.run(f.originServer(), f.database(), dry.stdout(),
                Map.of("destination_password", f.destinationServer().password()));
        assertEquals(0, psql.exitCode(), psql.stdout());
        assertEquals(1, f.originLong("SELECT count(*) FROM pg_subscription WHERE subenabled AND subname = '"
                + f.names().rollbackSubscription() + "'"));
    }
}
