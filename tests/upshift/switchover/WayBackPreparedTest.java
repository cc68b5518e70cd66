package upshift.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.connect.Cluster;
import upshift.connect.ConnectSettings;
import upshift.connect.Endpoint;
import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.testing.Wait;
import upshift.migration.MigrationNames;
import upshift.report.Output;
import upshift.report.Progress;
import upshift.schema.AcceptedLossy;
import upshift.sequences.SequenceSync;
import upshift.sql.Sql;
import upshift.sql.StatementRunner;
import upshift.switchover.Cutover.VerifyMode;

/**
 * The way back prepared before the freeze (the rollback publication, and the rollback subscription with no slot)
 * loses and duplicates nothing: origin writes until the freeze, and a writer on destination starts the moment the
 * forward subscription is dropped (before the rollback subscription is even enabled) and keeps writing while it
 * starts. Every row written on either side is then on the other exactly once: a table without any key (so a row
 * sent back twice would be there twice) and a keyed table whose rows are updated on destination.
 */
class WayBackPreparedTest {

    @ParameterizedTest(name = "writes right after the switchover reach origin once each, 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void writesAfterTheSwitchoverReachOriginOnce(PgProvider provider) throws Exception {
        PgServer originServer = Providers.shared(provider, 13);
        PgServer destinationServer = Providers.shared(provider, 16);
        String db = "wayback_prepared";
        originServer.createDatabase(db);
        destinationServer.createDatabase(db);
        MigrationNames names = new MigrationNames(db);
        try (Connection oc = superuser(originServer, db); Connection dc = superuser(destinationServer, db);
             Statement os = oc.createStatement(); Statement ds = dc.createStatement()) {
            for (Statement st : List.of(os, ds)) {
                st.execute("CREATE TABLE ledger (n bigint NOT NULL, side text NOT NULL)"); // no key at all
                st.execute("CREATE TABLE item (id bigint PRIMARY KEY, v int NOT NULL)");
            }
            os.execute("INSERT INTO item SELECT g, 0 FROM generate_series(1, 200) g");
            ds.execute("INSERT INTO item SELECT g, 0 FROM generate_series(1, 200) g");
            os.execute("CREATE PUBLICATION " + Sql.ident(names.publication()) + " FOR TABLE ledger, item");
            ds.execute("CREATE SUBSCRIPTION " + Sql.ident(names.subscription()) + " CONNECTION "
                    + Sql.literal(originServer.peerConninfo(db)) + " PUBLICATION " + Sql.ident(names.publication())
                    + " WITH (copy_data = false, slot_name = " + Sql.literal(names.slot()) + ")");
            ds.execute("ALTER TABLE ledger REPLICA IDENTITY FULL");
            os.execute("ALTER TABLE ledger REPLICA IDENTITY FULL");
        }

        // origin's writer: until the freeze rejects it
        AtomicLong originRows = new AtomicLong();
        Thread originWriter = writer(originServer, db, "origin", originRows, null);
        originWriter.start();
        Wait.until(Duration.ofSeconds(30), "origin's writer writes", () -> originRows.get() > 50);

        // destination's writer: from the moment the forward subscription is dropped
        AtomicLong destinationRows = new AtomicLong();
        AtomicReference<Thread> destinationWriter = new AtomicReference<>();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream stream = new PrintStream(sink, true, StandardCharsets.UTF_8);
        Output output = new Output(stream, stream, false, false);
        Progress starting = new Progress() {
            @Override
            public void note(String text) {
                output.note(text);
                if (text.startsWith("  drop-forward ")) {
                    Thread t = writer(destinationServer, db, "destination", destinationRows, 2000L);
                    destinationWriter.set(t);
                    t.start();
                }
            }

            @Override
            public void warn(String text) {
                output.warn(text);
            }

            @Override
            public void statement(String role, String sql) {
                output.statement(role, sql);
            }

            @Override
            public boolean verbose() {
                return false;
            }
        };
        Cutover.Report report;
        try (Cluster origin = cluster("origin", originServer, db);
             Cluster destination = cluster("destination", destinationServer, db)) {
            Cutover.Settings settings = new Cutover.Settings(WriteFreeze.Mode.HARD, List.of(), 0,
                    Duration.ofMinutes(2), VerifyMode.CHECKSUM, 0, SequenceSync.DEFAULT_EXCLUDES, true, null,
                    destinationServer.peerConninfo(db), Duration.ofSeconds(60), Duration.ofSeconds(30),
                    AcceptedLossy.NONE);
            report = Cutover.switchover(origin, destination, names, new StatementRunner(output, false), starting)
                    .run(settings, plan -> { });
        }
        String log = sink.toString(StandardCharsets.UTF_8);
        assertEquals("switched over", report.outcome(), log);
        assertEquals(Boolean.TRUE, report.reverseStreaming(), log);
        String prepare = report.phases().stream().filter(p -> p.phase().equals("prepare-rollback")).findFirst()
                .orElseThrow().detail();
        assertTrue(prepare.contains("before the freeze") && prepare.contains("created now, after the drain"),
                "the way back was prepared before the freeze, its slot made in it: " + prepare);
        originWriter.join(30_000);
        assertTrue(destinationWriter.get() != null, "destination's writer started at the drop: " + log);
        destinationWriter.get().join(60_000);
        assertTrue(destinationRows.get() > 0, "destination took writes right after the drop");

        long onOrigin = originRows.get();
        long onDestination = destinationRows.get();
        String sameLedger = "SELECT count(*), count(DISTINCT (n, side)), coalesce(sum(n), 0) FROM ledger";
        Wait.until(Duration.ofSeconds(60), "destination's writes reach origin",
                () -> rows(originServer, db, "SELECT count(*) FROM ledger WHERE side = 'destination'")
                        >= onDestination);
        Thread.sleep(1000); // anything sent twice would arrive by now
        for (PgServer server : List.of(originServer, destinationServer)) {
            assertEquals(onOrigin, rows(server, db, "SELECT count(*) FROM ledger WHERE side = 'origin'"),
                    server.major() + ": every origin write before the freeze, once");
            assertEquals(onDestination, rows(server, db, "SELECT count(*) FROM ledger WHERE side = 'destination'"),
                    server.major() + ": every destination write after the switchover, once");
            assertEquals(onOrigin + onDestination, rows(server, db,
                    "SELECT count(DISTINCT (n, side)) FROM ledger"), server.major() + ": no row twice");
        }
        assertEquals(text(destinationServer, db, sameLedger), text(originServer, db, sameLedger));
        String items = "SELECT string_agg(id || ':' || v, ',' ORDER BY id) FROM item";
        assertEquals(text(destinationServer, db, items), text(originServer, db, items),
                "the updates on destination reached origin");
        assertNull(text(originServer, db, "SELECT string_agg(subname, ',') FROM pg_stat_subscription"
                + " WHERE subname = " + Sql.literal(names.rollbackSubscription()) + " AND pid IS NULL"),
                "the rollback apply worker runs (no error loop)");
    }

    /**
     * Inserts a numbered ledger row (and bumps an item) per statement; stops at the first rejected write (origin's
     * freeze) or after {@code limit} rows. Counts what was acknowledged.
     */
    private static Thread writer(PgServer server, String db, String side, AtomicLong acknowledged, Long limit) {
        return new Thread(() -> {
            try (Connection c = superuser(server, db); Statement st = c.createStatement()) {
                for (long n = 1; limit == null || n <= limit; n++) {
                    try {
                        st.execute("INSERT INTO ledger VALUES (" + n + ", " + Sql.literal(side) + ");"
                                + "UPDATE item SET v = v + 1 WHERE id = " + (1 + n % 200));
                    } catch (SQLException e) {
                        if ("25006".equals(e.getSQLState())) {
                            return; // frozen
                        }
                        throw e;
                    }
                    acknowledged.incrementAndGet();
                    Thread.sleep(2);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "wayback-writer-" + side);
    }

    private static long rows(PgServer server, String db, String sql) throws SQLException {
        try (Connection c = superuser(server, db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String text(PgServer server, String db, String sql) throws SQLException {
        try (Connection c = superuser(server, db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            StringBuilder b = new StringBuilder();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                b.append(i > 1 ? "|" : "").append(rs.getString(i));
            }
            return rs.getString(1) == null && rs.getMetaData().getColumnCount() == 1 ? null : b.toString();
        }
    }

    private static Connection superuser(PgServer server, String db) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(db), server.superuser(), server.password());
    }

    private static Cluster cluster(String role, PgServer server, String db) {
        return new Cluster(role, Endpoint.resolve(server.uri(db)), ConnectSettings.defaults("upshift test"));
    }
}
