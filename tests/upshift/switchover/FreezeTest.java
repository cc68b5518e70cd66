package upshift.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static upshift.switchover.CutoverTesting.DESTINATIONS;
import static upshift.switchover.CutoverTesting.assertFrozenOut;
import static upshift.switchover.CutoverTesting.assertNothingChanged;
import static upshift.switchover.CutoverTesting.attempt;
import static upshift.switchover.CutoverTesting.freezeTriggers;
import static upshift.switchover.CutoverTesting.insertUser;
import static upshift.switchover.CutoverTesting.ok;
import static upshift.switchover.CutoverTesting.refused;
import static upshift.switchover.CutoverTesting.streaming;
import static upshift.switchover.CutoverTesting.switchover;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.sample.SampleApp;
import upshift.sql.Sql;
import upshift.testing.Run;
import upshift.testing.Wait;

/**
 * The hard freeze holds against every way a session can opt out of a read-only setting — for the application role,
 * for the role upshift itself connects as when it owns the tables (Django), for a superuser — while the rollback
 * apply worker still writes through it; and an open prepared transaction stops switchover before anything is
 * frozen. Origin 13, destinations 16 and 17.
 */
class FreezeTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String OWNER = "upshift_sf_django";
    private static final String OWNER_PASSWORD = "sf-django-secret";

    @ParameterizedTest(name = "the hard freeze holds against opt-outs and superusers, the rollback apply worker"
            + " writes through it [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void hardFreezeHolds(PgProvider provider) throws Exception {
        for (int major : DESTINATIONS) {
            ShopFixture f = streaming(provider, major, "sf_freeze_" + major);
            Run stopped = switchover(f, "--stop-after", "freeze", "--json");
            ok(stopped);
            assertEquals("stopped after freeze", JSON.readTree(stopped.stdout()).get("outcome").asText());
            int tables = SampleApp.TABLES.size();
            assertEquals(2L * tables, freezeTriggers(f), "a row and a truncate trigger on each published table");

            PgServer o = f.originServer();
            String db = f.database();
            String app = SampleApp.APP_ROLE;
            String pw = CutoverTesting.APP_PASSWORD;
            assertFrozenOut(attempt(o, db, app, pw, null, "SET default_transaction_read_only = off",
                    insertUser("sf-set-off")), major + ": the application with SET default_transaction_read_only"
                    + " = off");
            assertFrozenOut(attempt(o, db, app, pw, null, "BEGIN READ WRITE", insertUser("sf-begin-rw"), "COMMIT"),
                    major + ": the application with BEGIN READ WRITE");
            assertFrozenOut(attempt(o, db, app, pw, options(), insertUser("sf-pgoptions")),
                    major + ": the application with PGOPTIONS -c default_transaction_read_only=off");
            assertFrozenOut(attempt(o, db, app, pw, options(), "UPDATE shop_product SET price = price + 1"),
                    major + ": an UPDATE");
            assertFrozenOut(attempt(o, db, app, pw, null, "DELETE FROM shop_orderline"), major + ": a DELETE");

            String su = o.superuser();
            assertFrozenOut(attempt(o, db, su, o.password(), options(), "SET default_transaction_read_only = off",
                    "BEGIN READ WRITE", insertUser("sf-superuser"), "COMMIT"), major + ": a superuser");
            assertFrozenOut(attempt(o, db, su, o.password(), null, "TRUNCATE shop_orderline"),
                    major + ": a superuser's TRUNCATE");
            assertFrozenOut(attempt(o, db, su, o.password(), null, "INSERT INTO \"Billing\".\"Invoice\""
                    + " (\"OrderId\", \"Amount\") VALUES (1, 1)"), major + ": the mixed-case table");
            assertEquals(0, f.originLong("SELECT count(*) FROM auth_user WHERE username LIKE 'sf-%'"),
                    "no attempted row is on origin");
            assertTrue(f.originLong("SELECT count(*) FROM shop_orderline") > 0, "nothing was deleted or truncated");

            Run resumed = switchover(f, "--json");
            ok(resumed);
            JsonNode report = JSON.readTree(resumed.stdout());
            assertEquals("switched over", report.get("outcome").asText(), resumed.stdout());
            assertTrue(report.get("reverseStreaming").asBoolean(), resumed.stdout());

            // origin stays frozen after the switchover; the rollback apply worker writes through the triggers
            f.onDestination(insertUser("sf-from-destination"));
            f.onDestination("UPDATE shop_product SET name = 'changed on destination' WHERE id = 1");
            f.onDestination("DELETE FROM shop_orderline WHERE id = 1");
            Wait.until(Duration.ofSeconds(60), major + ": destination's writes arrive on origin",
                    () -> f.originLong("SELECT count(*) FROM auth_user WHERE username = 'sf-from-destination'") == 1
                            && f.originLong("SELECT count(*) FROM shop_product WHERE id = 1"
                                    + " AND name = 'changed on destination'") == 1
                            && f.originLong("SELECT count(*) FROM shop_orderline WHERE id = 1") == 0);
            assertEquals(2L * tables, f.originLong("SELECT count(*) FROM pg_trigger WHERE tgenabled = 'O'"
                    + " AND tgname IN (" + Sql.literal(f.database() + "_freeze_row") + ", "
                    + Sql.literal(f.database() + "_freeze_trunc") + ")"),
                    "origin's freeze triggers were in place (and enabled) while the rows arrived");
            assertFrozenOut(CutoverTesting.asApp(f, insertUser("sf-after-switchover")),
                    major + ": the application still cannot write on origin");
        }
    }

    @ParameterizedTest(name = "the hard freeze holds when the application and upshift are one role that owns the"
            + " tables (Django) [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void freezeHoldsForTheOwningRole(PgProvider provider) throws Exception {
        for (int major : DESTINATIONS) {
            String db = "sf_django_" + major;
            ShopFixture f = ShopFixture.create(provider, 13, major, db, 10);
            String ownerUrl = CutoverTesting.replicateAsOwner(f, OWNER, OWNER_PASSWORD);

            // 13 lets only superusers create the rollback subscription: this role switches over without one
            ok(switchover(f, "--origin", ownerUrl, "--no-rollback", "--stop-after", "freeze"));
            PgServer o = f.originServer();
            assertFrozenOut(attempt(o, db, OWNER, OWNER_PASSWORD, null, "SET default_transaction_read_only = off",
                    insertUser("sf-owner-set-off")), major + ": the owner with SET default_transaction_read_only"
                    + " = off");
            assertFrozenOut(attempt(o, db, OWNER, OWNER_PASSWORD, null, "BEGIN READ WRITE",
                    insertUser("sf-owner-begin"), "COMMIT"), major + ": the owner with BEGIN READ WRITE");
            assertFrozenOut(attempt(o, db, OWNER, OWNER_PASSWORD, options(), insertUser("sf-owner-options")),
                    major + ": the owner with PGOPTIONS");
            assertFrozenOut(attempt(o, db, OWNER, OWNER_PASSWORD, options(), "TRUNCATE shop_orderline CASCADE"),
                    major + ": the owner's TRUNCATE");
            assertEquals(0, f.originLong("SELECT count(*) FROM auth_user WHERE username LIKE 'sf-owner-%'"));

            ok(f.run("Switchover", "--yes", "--abort", "--origin", ownerUrl));
            assertEquals(0, freezeTriggers(f), "the abort lifted the freeze");
            assertEquals(null, attempt(o, db, OWNER, OWNER_PASSWORD, null, insertUser("sf-owner-after-abort")),
                    "the owner writes again");
        }
    }

    @ParameterizedTest(name = "an open prepared transaction on origin: refused before the freeze, naming its gid [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void preparedTransactionRefused(PgProvider provider) throws Exception {
        // the shared servers run with max_prepared_transactions = 0 (PostgreSQL's default, which needs a restart
        // to change): this test starts its own origin that allows them
        PgServer origin = provider.start(13, Map.of("max_prepared_transactions", "4"));
        try {
            for (int major : DESTINATIONS) {
                ShopFixture f = ShopFixture.create(origin, Providers.shared(provider, major), "sf_prepared_" + major,
                        10);
                CutoverTesting.grantApplication(f);
                CutoverTesting.replicate(f);
                String gid = "sf-gid-" + major;
                try (Connection c = f.origin(); Statement st = c.createStatement()) {
                    st.execute("BEGIN");
                    st.execute("INSERT INTO shop_order (user_id, status) VALUES (1, 'prepared')");
                    st.execute("PREPARE TRANSACTION " + Sql.literal(gid));
                }
                Run refused = switchover(f);
                refused(refused);
                assertTrue(refused.stderr().contains("origin has 1 open prepared transaction(s) ['" + gid + "' of "
                        + origin.superuser() + "]"), refused.stderr());
                assertTrue(refused.stderr().contains("COMMIT PREPARED"), refused.stderr());
                assertNothingChanged(f, "sf-prepared-refused");

                f.onOrigin("COMMIT PREPARED " + Sql.literal(gid));
                Run proceeds = switchover(f, "--json");
                ok(proceeds);
                assertEquals("switched over", JSON.readTree(proceeds.stdout()).get("outcome").asText());
                assertEquals(1, f.destinationLong("SELECT count(*) FROM shop_order WHERE status = 'prepared'"),
                        "the committed prepared transaction reached destination before the point of no return");
                // detach what lives on the shared destination before this test's origin goes away
                f.run("Cleanup", "--rollback", "--yes");
            }
        } finally {
            origin.close();
        }
    }

    /** PGOPTIONS='-c default_transaction_read_only=off', as the JDBC options property. */
    private static Properties options() {
        Properties p = new Properties();
        p.setProperty("options", "-c default_transaction_read_only=off");
        return p;
    }
}
