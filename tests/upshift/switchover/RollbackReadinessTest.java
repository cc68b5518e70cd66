package upshift.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static upshift.switchover.CutoverTesting.DESTINATIONS;
import static upshift.switchover.CutoverTesting.assertNothingChanged;
import static upshift.switchover.CutoverTesting.insertUser;
import static upshift.switchover.CutoverTesting.ok;
import static upshift.switchover.CutoverTesting.refused;
import static upshift.switchover.CutoverTesting.role;
import static upshift.switchover.CutoverTesting.streaming;
import static upshift.switchover.CutoverTesting.subscriptions;
import static upshift.switchover.CutoverTesting.switchover;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.sample.SampleApp;
import upshift.sql.Sql;
import upshift.testing.Run;
import upshift.testing.Wait;

/**
 * The rights and the connection the way back needs are checked before anything is frozen, on origin 13 with
 * destinations 16 and 17: a refusal exits 3 with the fix named, origin not frozen and the forward subscription still
 * enabled; with --no-rollback the same switchover proceeds.
 */
class RollbackReadinessTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String OWNER = "upshift_sf_owner";
    private static final String OWNER_PASSWORD = "sf-owner-secret";
    private static final String NO_REPLICATION = "upshift_sf_norepl";
    private static final String NO_REPLICATION_PASSWORD = "sf-norepl-secret";
    private static final String ADMIN = "upshift_sf_admin";
    private static final String ADMIN_PASSWORD = "sf-admin-secret";

    @ParameterizedTest(name = "origin as a non-superuser table owner with REPLICATION: refused before the freeze,"
            + " --no-rollback proceeds [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void nonSuperuserOnOrigin(PgProvider provider) throws Exception {
        for (int major : DESTINATIONS) {
            String db = "sf_owner_" + major;
            ShopFixture f = ShopFixture.create(provider, 13, major, db, 10);
            String ownerUrl = CutoverTesting.replicateAsOwner(f, OWNER, OWNER_PASSWORD);

            Run refused = switchover(f, "--origin", ownerUrl);
            refused(refused);
            String err = refused.stderr();
            assertTrue(err.contains("the way back (rollback replication) is not ready"), err);
            assertTrue(err.contains("nothing was frozen"), err);
            assertTrue(err.contains("role " + OWNER + ": cannot create the rollback subscription "
                    + f.names().rollbackSubscription() + " on origin: only superusers (PostgreSQL 13) may run"
                    + " CREATE SUBSCRIPTION"), major + ": " + err);
            assertTrue(err.contains("connect upshift to origin as a superuser"), err);
            assertTrue(err.contains("--no-rollback"), err);
            assertFalse(err.contains(OWNER_PASSWORD), "no password in the output");
            assertNothingChanged(f, "sf-owner-refused");

            Run proceeds = switchover(f, "--origin", ownerUrl, "--no-rollback", "--json");
            ok(proceeds);
            JsonNode report = JSON.readTree(proceeds.stdout());
            assertEquals("switched over", report.get("outcome").asText(), proceeds.stdout());
            assertTrue(report.get("destinationReady").asBoolean());
            assertTrue(report.get("reverseStreaming") == null, "no way back was started: " + proceeds.stdout());
            try (Connection o = f.origin(); Connection d = f.destination()) {
                assertEquals(0, subscriptions(d, f.names().subscription()), "the forward subscription is dropped");
                assertEquals(0, subscriptions(o, f.names().rollbackSubscription()), "no rollback subscription");
            }
            assertEquals(SampleApp.TABLES.size() * 2, CutoverTesting.freezeTriggers(f), "origin stays frozen");
            f.onDestination(insertUser("sf-owner-on-destination"));
            assertEquals(1, f.destinationLong(
                    "SELECT count(*) FROM auth_user WHERE username = 'sf-owner-on-destination'"));
        }
    }

    @ParameterizedTest(name = "--destination-conninfo without REPLICATION, or with a wrong password: the probe from"
            + " origin's server refuses before the freeze [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void destinationConninfoProbed(PgProvider provider) throws Exception {
        for (int major : DESTINATIONS) {
            String db = "sf_probe_" + major;
            ShopFixture f = streaming(provider, major, db);
            try (Connection d = f.destination()) {
                role(d, NO_REPLICATION, NO_REPLICATION_PASSWORD, "LOGIN NOREPLICATION NOSUPERUSER");
            }

            String noReplication = CutoverTesting.peerConninfo(f.destinationServer(), db, NO_REPLICATION,
                    NO_REPLICATION_PASSWORD);
            Run refused = f.run("Switchover", "--yes", "--destination-conninfo", noReplication);
            refused(refused);
            String err = refused.stderr();
            assertTrue(err.contains("nothing was frozen"), err);
            assertTrue(err.contains("origin's server cannot open the replication connection to destination"), err);
            assertTrue(err.contains("ALTER ROLE " + Sql.ident(NO_REPLICATION) + " REPLICATION; (on destination)"),
                    major + ": " + err);
            assertFalse(err.contains(NO_REPLICATION_PASSWORD), "no password in the output");
            assertNothingChanged(f, "sf-probe-no-replication");

            String wrongPassword = "sf-wrong-" + major + "-password";
            String wrong = CutoverTesting.peerConninfo(f.destinationServer(), db, f.destinationServer().superuser(),
                    wrongPassword);
            Run denied = f.run("Switchover", "--yes", "--destination-conninfo", wrong);
            refused(denied);
            err = denied.stderr();
            assertTrue(err.contains("nothing was frozen"), err);
            assertTrue(err.contains("password authentication failed"), err);
            assertTrue(err.contains("put the right password for " + f.destinationServer().superuser()
                    + " into --destination-conninfo"), err);
            assertFalse(err.contains(wrongPassword) || denied.stdout().contains(wrongPassword),
                    "no password in the output: " + err);
            assertNothingChanged(f, "sf-probe-wrong-password");

            Run proceeds = f.run("Switchover", "--yes", "--destination-conninfo", noReplication, "--no-rollback",
                    "--json");
            ok(proceeds);
            assertEquals("switched over", JSON.readTree(proceeds.stdout()).get("outcome").asText());
            assertEquals(0, f.destinationLong("SELECT count(*) FROM pg_subscription WHERE subname = "
                    + Sql.literal(f.names().subscription())), "the forward subscription is dropped");
        }
    }

    @ParameterizedTest(name = "origin as a superuser that owns no table: the rollback publication lists the forward"
            + " publication's tables [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void rollbackListsForwardTables(PgProvider provider) throws Exception {
        for (int major : DESTINATIONS) {
            String db = "sf_admin_" + major;
            ShopFixture f = streaming(provider, major, db);
            try (Connection o = f.origin()) {
                role(o, ADMIN, ADMIN_PASSWORD, "LOGIN SUPERUSER");
            }
            assertEquals(0, f.originLong("SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles"
                    + " WHERE rolname = " + Sql.literal(ADMIN) + ")"), "the role owns no table");
            List<String> forward = tables(f.origin(), f.names().publication());
            assertEquals(SampleApp.TABLES.size(), forward.size(), forward.toString());

            Run run = switchover(f, "--origin", CutoverTesting.url(f.originServer(), db, ADMIN, ADMIN_PASSWORD),
                    "--json");
            ok(run);
            JsonNode report = JSON.readTree(run.stdout());
            assertEquals("switched over", report.get("outcome").asText(), run.stdout());
            assertTrue(report.get("reverseStreaming").asBoolean(), run.stdout());
            assertEquals(forward, tables(f.destination(), f.names().rollbackPublication()),
                    "the rollback publication lists the forward publication's tables");

            f.onDestination(insertUser("sf-admin-back"));
            Wait.until(Duration.ofSeconds(60), "a destination write arrives on origin",
                    () -> f.originLong("SELECT count(*) FROM auth_user WHERE username = 'sf-admin-back'") == 1);
        }
    }

    @ParameterizedTest(name = "no forward subscription at all: exit 3, nothing to switchover, nothing frozen [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void noForwardSubscription(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "sf_nosub", 10);
        CutoverTesting.grantApplication(f);
        ok(f.run("AddMissingColumns"));
        ok(f.run("CreatePublication"));
        Run refused = switchover(f);
        refused(refused);
        assertTrue(refused.stderr().contains("no forward subscription " + f.names().subscription() + " on destination,"
                + " and no record that switchover dropped it"), refused.stderr());
        assertTrue(refused.stderr().contains("Nothing to switchover"), refused.stderr());
        assertEquals(0, CutoverTesting.freezeTriggers(f), "nothing frozen");
        assertNull(CutoverTesting.record(f), "no record");
        assertNull(CutoverTesting.asApp(f, insertUser("sf-nosub-write")), "the application writes on origin");
        try (Connection o = f.origin()) {
            assertEquals(0, subscriptions(o, f.names().rollbackSubscription()));
        }
        assertEquals(0, f.destinationLong("SELECT count(*) FROM pg_publication"), "nothing created on destination");
    }

    private static List<String> tables(Connection c, String publication) throws Exception {
        List<String> names = new ArrayList<>();
        try (c; Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = "
                        + Sql.literal(publication) + " ORDER BY 1")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }
}
