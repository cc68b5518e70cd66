package upshift.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static upshift.switchover.CutoverTesting.assertFrozenOut;
import static upshift.switchover.CutoverTesting.assertNothingChanged;
import static upshift.switchover.CutoverTesting.freezeTriggers;
import static upshift.switchover.CutoverTesting.forwardEnabled;
import static upshift.switchover.CutoverTesting.insertUser;
import static upshift.switchover.CutoverTesting.ok;
import static upshift.switchover.CutoverTesting.refused;
import static upshift.switchover.CutoverTesting.role;
import static upshift.switchover.CutoverTesting.streaming;
import static upshift.switchover.CutoverTesting.subscriptions;
import static upshift.switchover.CutoverTesting.switchover;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.sample.SampleApp;
import upshift.sql.Sql;
import upshift.testing.Psql;
import upshift.testing.Run;
import upshift.testing.Wait;

/**
 * What switchover reports and undoes is true on the servers: a write that bypasses the freeze after the drain is
 * caught before the point of no return, the freeze window spans a resume, --abort of a soft freeze resets only
 * what upshift set, the migration lock keeps a second run out, and --dry-run plans without changing anything and
 * prints per-server scripts psql runs. Origin 13, destination 16.
 */
class SwitchoverSafetyTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** MigrationLock's first advisory-lock key ("upsh"). */
    private static final int LOCK_CLASS = 0x75707368;

    /** A verb of something done, not preceded by "would", "would be" or "(" (a state, as in "(disabled)"). */
    private static final Pattern PAST_TENSE = Pattern.compile(
            "(?<!would |would be |\\()\\b(dropped|disabled|created|enabled|synced|rejecting|ended|removed)\\b");

    private static final String OPERATOR_READ_ONLY = "upshift_sf_ro_on";
    private static final String OPERATOR_READ_ONLY_TRUE = "upshift_sf_ro_true";
    private static final String OPERATOR_PASSWORD = "sf-operator-secret";

    @ParameterizedTest(name = "a superuser write with session_replication_role = replica after the drain is caught"
            + " on the re-run, nothing dropped, then --abort lifts the freeze [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void writeBypassingTheFreezeIsCaught(PgProvider provider) throws Exception {
        for (String stopAfter : List.of("verify", "prepare-rollback")) {
            ShopFixture f = streaming(provider, 16, "sf_bypass_" + stopAfter.replace('-', '_'));
            ok(switchover(f, "--stop-after", stopAfter));
            try (Connection c = f.origin(); Statement st = c.createStatement()) {
                st.execute("SET session_replication_role = replica");
                st.execute(insertUser("sf-bypass"));
            }
            assertEquals(1, f.originLong("SELECT count(*) FROM auth_user WHERE username = 'sf-bypass'"),
                    "the bypassing write is on origin");

            Run rerun = switchover(f);
            refused(rerun);
            String err = rerun.stderr();
            assertTrue(err.contains("published change(s) that destination has not confirmed after the drain"),
                    stopAfter + ": " + err);
            assertTrue(err.contains("stays frozen and nothing was dropped"), err);
            assertTrue(forwardEnabled(f), stopAfter + ": the forward subscription is re-enabled (and not dropped)");
            Wait.until(Duration.ofSeconds(60), "the bypassing write reaches destination",
                    () -> f.destinationLong("SELECT count(*) FROM auth_user WHERE username = 'sf-bypass'") == 1);
            assertEquals(2L * SampleApp.TABLES.size(), freezeTriggers(f), "origin is still frozen");
            assertFrozenOut(CutoverTesting.asApp(f, insertUser("sf-bypass-app")), "origin is still frozen");
            assertEquals(0, f.originLong("SELECT count(*) FROM pg_subscription WHERE subenabled AND subname = "
                    + Sql.literal(f.names().rollbackSubscription())), "no rollback subscription runs");

            Run abort = f.run("Switchover", "--abort", "--yes");
            ok(abort);
            // the abort drops the prepared rollback subscription (and with it its slot on destination), not the
            // rollback publication prepare created on destination
            assertNothingChanged(f, "sf-bypass-after-abort", stopAfter.equals("prepare-rollback"));
            assertEquals(0, f.destinationLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name = "
                    + Sql.literal(f.names().rollbackSlot())), "no rollback slot on destination");
            Wait.until(Duration.ofSeconds(60), "the forward subscription replicates after the abort",
                    () -> f.destinationLong("SELECT count(*) FROM auth_user WHERE username = 'sf-bypass-after-abort'")
                            == 1);
        }
    }

    @ParameterizedTest(name = "the freeze window reported after a resume covers the whole freeze [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void freezeWindowSpansResume(PgProvider provider) throws Exception {
        ShopFixture f = streaming(provider, 16, "sf_window");
        ok(switchover(f, "--stop-after", "freeze"));
        Thread.sleep(2_000);
        Run resumed = switchover(f, "--json");
        ok(resumed);
        JsonNode report = JSON.readTree(resumed.stdout());
        assertEquals("switched over", report.get("outcome").asText());
        double window = report.get("freezeWindowSeconds").asDouble();
        assertTrue(window >= 2.0, "the window counts from the first run's freeze: " + window + " s");
    }

    @ParameterizedTest(name = "--abort of a soft freeze resets only the roles upshift made read-only and ends the"
            + " sessions opened during the freeze [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void softAbortResetsOnlyItsOwnRoles(PgProvider provider) throws Exception {
        ShopFixture f = streaming(provider, 16, "sf_soft");
        String db = Sql.ident(f.database());
        try (Connection o = f.origin(); Statement st = o.createStatement()) {
            role(o, OPERATOR_READ_ONLY, OPERATOR_PASSWORD, "LOGIN NOSUPERUSER");
            role(o, OPERATOR_READ_ONLY_TRUE, OPERATOR_PASSWORD, "LOGIN NOSUPERUSER");
            st.execute("ALTER ROLE " + OPERATOR_READ_ONLY + " IN DATABASE " + db
                    + " SET default_transaction_read_only = on");
            st.execute("ALTER ROLE " + OPERATOR_READ_ONLY_TRUE + " IN DATABASE " + db
                    + " SET default_transaction_read_only TO true");
        }
        List<String> operatorsBefore = settings(f, OPERATOR_READ_ONLY, OPERATOR_READ_ONLY_TRUE);
        assertEquals(2, operatorsBefore.size(), operatorsBefore.toString());

        ok(switchover(f, "--freeze", "soft", "--stop-after", "freeze", "--app-role",
                SampleApp.APP_ROLE + "," + OPERATOR_READ_ONLY + "," + OPERATOR_READ_ONLY_TRUE));
        assertEquals(List.of(SampleApp.APP_ROLE + ": default_transaction_read_only=on"),
                settings(f, SampleApp.APP_ROLE), "upshift made the application role read-only");
        SQLException frozen = CutoverTesting.asApp(f, insertUser("sf-soft-frozen"));
        assertNotNull(frozen, "the soft freeze stops a plain application write");
        assertEquals(CutoverTesting.READ_ONLY, frozen.getSQLState(), frozen.getMessage());

        try (Connection during = app(f, SampleApp.APP_ROLE, CutoverTesting.APP_PASSWORD);
             Connection operator = app(f, OPERATOR_READ_ONLY, OPERATOR_PASSWORD)) {
            int duringPid = pid(during);
            int operatorPid = pid(operator);
            Run abort = f.run("Switchover", "--abort", "--yes");
            ok(abort);
            assertEquals(List.of(), settings(f, SampleApp.APP_ROLE), "the application role is reset");
            assertEquals(operatorsBefore, settings(f, OPERATOR_READ_ONLY, OPERATOR_READ_ONLY_TRUE),
                    "the roles the operator made read-only stay read-only, exactly as they were");
            Wait.until(Duration.ofSeconds(10), "the application session opened during the freeze is ended",
                    () -> f.originLong("SELECT count(*) FROM pg_stat_activity WHERE pid = " + duringPid) == 0);
            assertEquals(1, f.originLong("SELECT count(*) FROM pg_stat_activity WHERE pid = " + operatorPid),
                    "a session of a role upshift did not freeze is left alone");
        }
        assertNull(CutoverTesting.asApp(f, insertUser("sf-soft-after-abort")), "the application writes again");
        SQLException operatorWrite = CutoverTesting.attempt(f.originServer(), f.database(), OPERATOR_READ_ONLY_TRUE,
                OPERATOR_PASSWORD, null, "CREATE TEMP TABLE sf_probe (i int)");
        assertNotNull(operatorWrite, "the operator's read-only role still cannot write");
        assertEquals(CutoverTesting.READ_ONLY, operatorWrite.getSQLState(), operatorWrite.getMessage());
        assertNull(CutoverTesting.record(f), "the record is cleared");
        assertTrue(forwardEnabled(f));
    }

    @ParameterizedTest(name = "a second switchover while the migration lock is held exits 3 naming the holder and"
            + " changes nothing [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void migrationLockKeepsASecondRunOut(PgProvider provider) throws Exception {
        ShopFixture f = streaming(provider, 16, "sf_lock");
        try (Connection holder = f.origin(); Statement st = holder.createStatement()) {
            int pid = pid(holder);
            try (PreparedStatement lock = holder.prepareStatement("SELECT pg_advisory_lock(?, hashtext(?))")) {
                lock.setInt(1, LOCK_CLASS);
                lock.setString(2, f.names().name());
                lock.execute();
            }
            Run second = switchover(f);
            refused(second);
            assertTrue(second.stderr().contains("another upshift step is working on migration " + f.names().name()
                    + " on origin (pid " + pid + ","), second.stderr());
            Run abort = f.run("Switchover", "--abort", "--yes");
            refused(abort);
            assertTrue(abort.stderr().contains("(pid " + pid + ","), abort.stderr());
            assertNothingChanged(f, "sf-lock-refused");
        }
        Run free = switchover(f, "--stop-after", "check");
        ok(free);
    }

    @ParameterizedTest(name = "--dry-run plans in the future tense, changes nothing, and --on prints one server's"
            + " script that psql runs there [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void dryRun(PgProvider provider) throws Exception {
        ShopFixture f = streaming(provider, 16, "sf_dry");
        Run dry = switchover(f, "--dry-run", "--json");
        ok(dry);
        JsonNode report = JSON.readTree(dry.stdout());
        assertTrue(report.get("outcome").asText().startsWith("dry run"), dry.stdout());
        List<String> phases = new ArrayList<>();
        for (JsonNode p : report.get("phases")) {
            phases.add(p.get("phase").asText());
            assertEquals("planned", p.get("status").asText(), p.toString());
            String detail = p.get("detail").asText();
            if (!p.get("phase").asText().equals("check")) {
                assertTrue(detail.matches("(?s).*\\b(would|will)\\b.*"), "future tense: " + p);
                assertFalse(PAST_TENSE.matcher(detail).find(), "nothing in the past tense: " + p);
            }
        }
        assertEquals(List.of("check", "pre-verify", "freeze", "drain", "sequences", "verify", "prepare-rollback",
                "drop-forward", "rollback"), phases);
        assertEquals("checksum-delta", report.get("verification").get("mode").asText(), dry.stdout());

        Run onOrigin = switchover(f, "--dry-run", "--on", "origin");
        ok(onOrigin);
        Run onDestination = switchover(f, "--dry-run", "--on", "destination");
        ok(onDestination);
        assertNothingChanged(f, "sf-dry-nothing-changed");

        String origin = onOrigin.stdout();
        String destination = onDestination.stdout();
        String sub = Sql.ident(f.names().subscription());
        String rollbackSub = Sql.ident(f.names().rollbackSubscription());
        String password = f.destinationServer().password();
        assertFalse(origin.contains(password) || destination.contains(password) || onOrigin.stderr().contains(password),
                "no password in a dry run");
        assertTrue(origin.startsWith("-- psql script for origin"), origin);
        assertFalse(origin.contains("-- psql script for destination"), origin);
        assertTrue(origin.contains("CREATE TRIGGER") && origin.contains("CREATE SUBSCRIPTION " + rollbackSub), origin);
        for (String destinationOnly : List.of("ALTER SUBSCRIPTION " + sub, "DROP SUBSCRIPTION " + sub,
                "CREATE PUBLICATION", "setval")) {
            assertFalse(origin.contains(destinationOnly), "origin's script holds " + destinationOnly + ":\n" + origin);
        }
        assertTrue(destination.startsWith("-- psql script for destination"), destination);
        assertTrue(destination.contains("DROP SUBSCRIPTION " + sub), destination);
        for (String originOnly : List.of("CREATE TRIGGER", WriteFreeze.functionName(f.names()),
                "CREATE SUBSCRIPTION", "ALTER SUBSCRIPTION " + rollbackSub, "COMMENT ON PUBLICATION")) {
            assertFalse(destination.contains(originOnly), "destination's script holds " + originOnly + ":\n"
                    + destination);
        }

        Run psql = Psql.run(f.originServer(), f.database(), origin, Map.of("destination_password", password));
        assertEquals(0, psql.exitCode(), psql.stdout() + "\n--- script:\n" + origin);
        assertEquals(2L * SampleApp.TABLES.size(), freezeTriggers(f), "origin's script froze origin");
        try (Connection o = f.origin()) {
            assertEquals(1, subscriptions(o, f.names().rollbackSubscription()),
                    "origin's script created the rollback subscription");
        }
        Run psqlDestination = Psql.run(f.destinationServer(), f.database(), destination, Map.of());
        assertEquals(0, psqlDestination.exitCode(), psqlDestination.stdout() + "\n--- script:\n" + destination);
        try (Connection d = f.destination()) {
            assertEquals(0, subscriptions(d, f.names().subscription()),
                    "destination's script dropped the forward subscription");
        }
    }

    /** role: setting, for each of those roles' settings in this database. */
    private static List<String> settings(ShopFixture f, String... roles) throws SQLException {
        List<String> found = new ArrayList<>();
        try (Connection c = f.origin(); PreparedStatement st = c.prepareStatement(
                "SELECT r.rolname, c.setting FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole"
                        + " JOIN pg_database d ON d.oid = s.setdatabase, unnest(s.setconfig) c(setting)"
                        + " WHERE d.datname = current_database() AND r.rolname = ANY (?) ORDER BY 1, 2")) {
            st.setArray(1, c.createArrayOf("text", roles));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getString(1) + ": " + rs.getString(2));
                }
            }
        }
        return found;
    }

    private static Connection app(ShopFixture f, String user, String password) throws SQLException {
        return DriverManager.getConnection(f.originServer().jdbcUrl(f.database()), user, password);
    }

    private static int pid(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
