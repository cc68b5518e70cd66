package upshift.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import upshift.ExitCode;
import upshift.connect.ConnectionStrings;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.sample.SampleApp;
import upshift.sql.Sql;
import upshift.testing.Run;

/**
 * What the switchover safety tests share: the fixture replicating 13 -> N, roles made for a test, sessions that try
 * to write, and the server state that proves a refused switchover froze and dropped nothing. Not a test class.
 */
final class CutoverTesting {

    static final String APP_PASSWORD = "shop-app-secret";

    /** The destinations the freeze and readiness cases run against. */
    static final List<Integer> DESTINATIONS = List.of(16, 17);

    /** SQLSTATE read_only_sql_transaction: what the hard freeze (and the soft one) raise. */
    static final String READ_ONLY = "25006";

    private CutoverTesting() {
    }

    /** The fixture 13 -> {@code destinationMajor}, replicating, the application role on both sides, copy done. */
    static ShopFixture streaming(PgProvider provider, int destinationMajor, String database) throws Exception {
        return streaming(provider, destinationMajor, database, 10);
    }

    static ShopFixture streaming(PgProvider provider, int destinationMajor, String database, int users)
            throws Exception {
        ShopFixture f = ShopFixture.create(provider, 13, destinationMajor, database, users);
        grantApplication(f);
        replicate(f);
        return f;
    }

    /**
     * The Django setup: {@code owner} owns the shop's tables on origin ({@link #ownTablesOnOrigin}) and runs the
     * origin side of the runbook; returns the owner's origin URL for the steps that follow.
     */
    static String replicateAsOwner(ShopFixture f, String owner, String password) throws SQLException {
        grantApplication(f);
        ownTablesOnOrigin(f, owner, password);
        String ownerUrl = url(f.originServer(), f.database(), owner, password);
        replicate(f, "--origin", ownerUrl);
        return ownerUrl;
    }

    static void grantApplication(ShopFixture f) throws SQLException {
        try (Connection o = f.origin(); Connection d = f.destination()) {
            SampleApp.grantApplication(o, APP_PASSWORD);
            SampleApp.grantApplication(d, APP_PASSWORD);
        }
    }

    /**
     * add-missing-columns and create-publication (both with those extra arguments, e.g. --origin as the tables'
     * owner), create- and enable-subscription.
     */
    static void replicate(ShopFixture f, String... originArgs) {
        ok(f.addMissingColumns(originArgs));
        ok(f.run("CreatePublication", originArgs));
        ok(f.run("CreateSubscription", "--origin-conninfo", f.originConninfo()));
        ok(f.run("EnableSubscription"));
        f.waitUntilCopied();
    }

    /** switchover --yes --destination-conninfo (the superuser's) plus the extra arguments. */
    static Run switchover(ShopFixture f, String... extra) {
        List<String> args = new ArrayList<>(List.of("--yes", "--destination-conninfo", f.destinationConninfo()));
        args.addAll(List.of(extra));
        return f.run("Switchover", args.toArray(String[]::new));
    }

    /** Creates the role once per cluster (roles are cluster-wide; servers are shared) and sets its attributes. */
    static void role(Connection c, String name, String password, String attributes) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = " + Sql.literal(name)
                    + ") THEN CREATE ROLE " + Sql.ident(name) + "; END IF; END $$");
            st.execute("ALTER ROLE " + Sql.ident(name) + " WITH " + attributes + " PASSWORD " + Sql.literal(password));
        }
    }

    /**
     * Makes {@code owner} (LOGIN REPLICATION, not a superuser) the owner of the shop's tables on origin, with CREATE
     * on the database (CREATE PUBLICATION needs it): the Django setup, where the application's role owns its
     * tables.
     */
    static void ownTablesOnOrigin(ShopFixture f, String owner, String password) throws SQLException {
        try (Connection o = f.origin(); Statement st = o.createStatement()) {
            role(o, owner, password, "LOGIN REPLICATION NOSUPERUSER");
            for (String table : SampleApp.TABLES) {
                st.execute("ALTER TABLE " + qualified(table) + " OWNER TO " + Sql.ident(owner));
            }
            st.execute("ALTER TABLE django_migrations OWNER TO " + Sql.ident(owner));
            st.execute("ALTER SCHEMA \"Billing\" OWNER TO " + Sql.ident(owner));
            st.execute("GRANT CREATE ON DATABASE " + Sql.ident(f.database()) + " TO " + Sql.ident(owner));
        }
    }

    /** "schema.table" of SampleApp.TABLES, quoted. */
    static String qualified(String table) {
        int dot = table.indexOf('.');
        return Sql.qualified(table.substring(0, dot), table.substring(dot + 1));
    }

    /** postgresql://user:password@host:port/database for a test-made role. */
    static String url(PgServer server, String database, String user, String password) {
        return "postgresql://" + user + ":" + password + "@" + server.host() + ":" + server.port() + "/" + database;
    }

    /** The peer conninfo of the server (as another server reaches it), with another user and password. */
    static String peerConninfo(PgServer server, String database, String user, String password) {
        Map<String, String> peer = ConnectionStrings.parse(server.peerConninfo(database));
        return PgServer.conninfo(peer.get("host"), Integer.parseInt(peer.get("port")), database, user, password);
    }

    // ---- sessions that try to write -------------------------------------------------------------------------

    /**
     * Opens a session on the server as that user (with those extra JDBC properties, e.g. {@code options}) and runs
     * the statements one by one in autocommit mode. Returns the error that stopped them, or null when all ran.
     */
    static SQLException attempt(PgServer server, String database, String user, String password,
            Properties extra, String... statements) {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        if (extra != null) {
            props.putAll(extra);
        }
        try (Connection c = DriverManager.getConnection(server.jdbcUrl(database), props);
             Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
            return null;
        } catch (SQLException e) {
            return e;
        }
    }

    static SQLException asApp(ShopFixture f, String... statements) {
        return attempt(f.originServer(), f.database(), SampleApp.APP_ROLE, APP_PASSWORD, null, statements);
    }

    /** The attempt was refused by upshift's hard freeze: SQLSTATE 25006 and the trigger's message. */
    static void assertFrozenOut(SQLException e, String what) {
        assertNotNull(e, what + ": the write went through on a frozen origin");
        assertEquals(READ_ONLY, e.getSQLState(), what + ": " + e.getMessage());
        assertTrue(e.getMessage().contains("writes are frozen (read-only) by upshift"), what + ": " + e.getMessage());
    }

    static String insertUser(String username) {
        return "INSERT INTO auth_user (username, email) VALUES (" + Sql.literal(username) + ", 'x@example.com')";
    }

    // ---- server state -----------------------------------------------------------------------------------------

    /** How many of this migration's freeze triggers origin carries (2 per frozen table). */
    static long freezeTriggers(ShopFixture f) throws SQLException {
        return f.originLong("SELECT count(*) FROM pg_trigger WHERE tgname IN ("
                + Sql.literal(f.database() + "_freeze_row") + ", " + Sql.literal(f.database() + "_freeze_trunc") + ")");
    }

    /** The cutover record in the forward publication's comment on origin, or null. */
    static String record(ShopFixture f) throws SQLException {
        try (Connection c = f.origin(); PreparedStatement st = c.prepareStatement(
                "SELECT obj_description(oid, 'pg_publication') FROM pg_publication WHERE pubname = ?")) {
            st.setString(1, f.names().publication());
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Whether the forward subscription exists on destination and is enabled. */
    static boolean forwardEnabled(ShopFixture f) throws SQLException {
        return f.destinationLong("SELECT count(*) FROM pg_subscription WHERE subenabled AND subname = "
                + Sql.literal(f.names().subscription())) == 1;
    }

    static long subscriptions(Connection c, String name) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT count(*) FROM pg_subscription WHERE subname = ?")) {
            st.setString(1, name);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * A refused switchover changed nothing: no freeze trigger or function, no soft read-only role, no record, the
     * forward subscription enabled, no way back or probe left, and the application writes on origin.
     */
    static void assertNothingChanged(ShopFixture f, String probeWrite) throws SQLException {
        assertNothingChanged(f, probeWrite, false);
    }

    /** The same, allowing a rollback publication on destination (which --abort leaves). */
    static void assertNothingChanged(ShopFixture f, String probeWrite, boolean rollbackPublicationMayRemain)
            throws SQLException {
        assertEquals(0, freezeTriggers(f), "no freeze trigger on origin");
        assertEquals(0, f.originLong("SELECT count(*) FROM pg_proc WHERE proname = "
                + Sql.literal(WriteFreeze.functionName(f.names()))), "no freeze function on origin");
        assertEquals(0, f.originLong("SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d"
                + " ON d.oid = s.setdatabase WHERE d.datname = current_database()"
                + " AND 'default_transaction_read_only=on' = ANY (s.setconfig)"), "no role made read-only");
        assertNull(record(f), "no cutover record on origin");
        assertTrue(forwardEnabled(f), "the forward subscription is still enabled");
        try (Connection o = f.origin(); Connection d = f.destination()) {
            assertEquals(0, subscriptions(o, f.names().rollbackSubscription()), "no rollback subscription");
            assertEquals(0, subscriptions(o, f.database() + "_probe"), "no probe subscription left");
        }
        if (!rollbackPublicationMayRemain) {
            assertEquals(0, f.destinationLong("SELECT count(*) FROM pg_publication WHERE pubname = "
                    + Sql.literal(f.names().rollbackPublication())), "no rollback publication");
        }
        SQLException e = asApp(f, insertUser(probeWrite));
        assertNull(e, "the application still writes on origin: " + (e == null ? "" : e.getMessage()));
    }

    static void ok(Run run) {
        assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
    }

    static void refused(Run run) {
        assertEquals(ExitCode.CHECK_FAILED, run.exitCode(), "exit 3 expected\nstdout:\n" + run.stdout()
                + "\nstderr:\n" + run.stderr());
    }
}
