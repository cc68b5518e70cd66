package upshift.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import upshift.connect.Cluster;
import upshift.connect.ConnectSettings;
import upshift.connect.Endpoint;
import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.migration.MigrationNames;
import upshift.report.Output;
import upshift.schema.AcceptedLossy;
import upshift.sequences.SequencePlan;
import upshift.sequences.SequenceSync;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;
import upshift.sql.StatementRunner;
import upshift.switchover.Cutover;
import upshift.switchover.WriteFreeze;
import upshift.verify.Verification;
import upshift.verify.VerifyReport;

/**
 * The freeze window and the steps around it with a network round trip, 13 -> 16: upshift's connections go through a
 * {@link DelayProxy} on loopback that delays every chunk by 0, 1 or 5 ms each way (the servers reach each other
 * directly). Measured side by side at each delay:
 * <ul>
 * <li>switchover (checksum verify, the way back prepared and started) of 500 tables with 500 sequences while 200
 * writes/s reach origin until the freeze: the freeze window and its phases, against the work floor, all 500 counts
 * in one statement per side, both sides at once;</li>
 * <li>verify, counts and --checksum, of those 500 tables;</li>
 * <li>sync-sequences of 10,000 sequences against the per-statement loop (one SELECT per sequence on origin, one
 * setval per sequence on destination); at 1 and 5 ms the loop is timed on its first 1,000 sequences and scaled
 * (it is linear: one round trip per statement), and says so.</li>
 * </ul>
 * Prints the numbers; asserts only that the runs did what they should. {@code mvn -Pbench}, never in the test run.
 */
class FreezeWindowBench {

    private static final int TABLES = 500;
    private static final int SEQUENCES = 10_000;
    /** -Dupshift.bench.delays=0,1 for a small run (default 0, 1, 5 ms). */
    private static final double[] DELAYS = java.util.Arrays.stream(
            System.getProperty("upshift.bench.delays", "0,1,5").split(",")).mapToDouble(Double::parseDouble).toArray();
    /** -Dupshift.bench.quick=true: the counts-mode switchover and the floor only (profiling). */
    private static final boolean QUICK = Boolean.getBoolean("upshift.bench.quick");
    /** -Dupshift.bench.sequences=false leaves out the 10,000-sequence part. */
    private static final boolean SEQUENCE_PART = Boolean.parseBoolean(
            System.getProperty("upshift.bench.sequences", "true"));
    private static final int WRITES_PER_SECOND = 200;

    @Test
    void freezeWindowVerifyAndSequencesAtZeroOneAndFiveMs() throws Exception {
        PgProvider provider = Providers.selected().get(0);
        PgServer originServer = Providers.shared(provider, 13);
        PgServer destinationServer = Providers.shared(provider, 16);
        Map<String, String> rows = new LinkedHashMap<>();
        for (double delay : DELAYS) {
            String db = "bench_freeze_" + (int) delay;
            String countsDb = "bench_freeze_counts_" + (int) delay;
            setUpTables(originServer, destinationServer, db);
            setUpTables(originServer, destinationServer, countsDb);
            try (DelayProxy op = new DelayProxy(originServer.port(), delay);
                 DelayProxy dp = new DelayProxy(destinationServer.port(), delay)) {
                int oport = delay == 0 ? originServer.port() : op.port();
                int dport = delay == 0 ? destinationServer.port() : dp.port();
                String verify = QUICK ? "-" : verify(originServer, destinationServer, db, oport, dport);
                String counts = switchover(originServer, destinationServer, countsDb, oport, dport,
                        Cutover.VerifyMode.COUNTS);
                String checksum = QUICK ? "-" : switchover(originServer, destinationServer, db, oport, dport,
                        Cutover.VerifyMode.CHECKSUM);
                String floor = floor(originServer, destinationServer, db, oport, dport);
                rows.put(String.format(Locale.ROOT, "%.0f ms", delay), counts + " | " + checksum + " | " + floor
                        + " | " + verify);
            }
        }
        System.out.println("[bench] freeze window, 500 tables + 500 sequences, 200 writes/s until the freeze"
                + " (round trip = 2 x delay):");
        System.out.println("[bench]   delay | switchover --verify counts: window (freeze, drain, sequences, verify,"
                + " prepare, drop) | switchover --verify checksum: the same | work floor: 500 counts, one statement per side,"
                + " both at once | verify of 500 tables: counts, --checksum");
        rows.forEach((k, v) -> System.out.println("[bench]   " + k + " | " + v));
        if (!SEQUENCE_PART) {
            return;
        }

        String seqDb = "bench_seq_rtt";
        originServer.createDatabase(seqDb);
        destinationServer.createDatabase(seqDb);
        createSequences(superuser(originServer, 0, seqDb), "integer", true);
        createSequences(superuser(destinationServer, 0, seqDb), "bigint", false);
        System.out.println("[bench] sync-sequences, 10,000 sequences (9,000 to set), one JVM:");
        for (double delay : DELAYS) {
            try (DelayProxy op = new DelayProxy(originServer.port(), delay);
                 DelayProxy dp = new DelayProxy(destinationServer.port(), delay)) {
                int oport = delay == 0 ? originServer.port() : op.port();
                int dport = delay == 0 ? destinationServer.port() : dp.port();
                System.out.println(String.format(Locale.ROOT, "[bench]   %.0f ms | ", delay)
                        + sequences(originServer, destinationServer, seqDb, oport, dport, delay == 0 ? SEQUENCES : 1000));
            }
        }
    }

    // ---- the 500 tables ---------------------------------------------------------------------------------------

    private static void setUpTables(PgServer originServer, PgServer destinationServer, String db) throws SQLException {
        originServer.createDatabase(db);
        destinationServer.createDatabase(db);
        MigrationNames names = new MigrationNames(db);
        List<String> o = new ArrayList<>();
        List<String> d = new ArrayList<>();
        List<String> list = new ArrayList<>();
        for (int i = 0; i < TABLES; i++) {
            String t = Sql.qualified("public", "t_" + i);
            list.add(t);
            o.add("CREATE TABLE " + t + " (id serial PRIMARY KEY, v text, n int)");
            o.add("INSERT INTO " + t + " (v, n) SELECT 'row ' || g, g FROM generate_series(1, 20) g");
            d.add("CREATE TABLE " + t + " (id bigserial PRIMARY KEY, v text, n bigint)");
            d.add("INSERT INTO " + t + " (id, v, n) SELECT g, 'row ' || g, g FROM generate_series(1, 20) g");
        }
        try (Connection oc = superuser(originServer, 0, db); Connection dc = superuser(destinationServer, 0, db);
             Statement os = oc.createStatement(); Statement ds = dc.createStatement()) {
            os.execute(String.join(";\n", o));
            ds.execute(String.join(";\n", d));
            os.execute("CREATE PUBLICATION " + Sql.ident(names.publication()) + " FOR TABLE " + String.join(", ", list));
            ds.execute("CREATE SUBSCRIPTION " + Sql.ident(names.subscription()) + " CONNECTION "
                    + Sql.literal(originServer.peerConninfo(db)) + " PUBLICATION " + Sql.ident(names.publication())
                    + " WITH (copy_data = false, slot_name = " + Sql.literal(names.slot()) + ")");
            os.execute("ANALYZE");
            ds.execute("ANALYZE");
        }
    }

    private static String switchover(PgServer originServer, PgServer destinationServer, String db, int oport,
            int dport, Cutover.VerifyMode mode) throws Exception {
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong writes = new AtomicLong();
        Thread writer = new Thread(() -> {
            try (Connection c = superuser(originServer, 0, db)) {
                long next = System.nanoTime();
                while (writing.get()) {
                    int t = ThreadLocalRandom.current().nextInt(TABLES);
                    try (Statement st = c.createStatement()) {
                        st.execute("INSERT INTO " + Sql.qualified("public", "t_" + t) + " (v, n) VALUES ('w', 1)");
                    }
                    writes.incrementAndGet();
                    next += 1_000_000_000L / WRITES_PER_SECOND;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "bench-writer");
        writer.start();
        Thread.sleep(2000); // writes flowing before the switchover starts
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        Output out = new Output(sink, sink, false, false);
        try (Cluster origin = cluster("origin", originServer, oport, db);
             Cluster destination = cluster("destination", destinationServer, dport, db)) {
            Cutover.Settings settings = new Cutover.Settings(WriteFreeze.Mode.HARD, List.of(), 0,
                    Duration.ofMinutes(2), mode, 0, SequenceSync.DEFAULT_EXCLUDES, true, null,
                    destinationServer.peerConninfo(db), Duration.ofSeconds(60), Duration.ofSeconds(30),
                    AcceptedLossy.NONE);
            Cutover.Report report = Cutover.switchover(origin, destination, new MigrationNames(db),
                    new StatementRunner(out, false), out).run(settings, plan -> {
                        writing.set(false); // the application stops at the freeze
                        try {
                            writer.join();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
            assertEquals("switched over", report.outcome());
            Map<String, Double> phase = new LinkedHashMap<>();
            report.phases().forEach(p -> phase.put(p.phase(), p.seconds()));
            List<?> again = report.verification().reverifiedInFreeze();
            return String.format(Locale.ROOT, "%.3f s (%.3f, %.3f, %.3f, %.3f, %.3f, %.3f; %s after %d writes)",
                    report.freezeWindowSeconds(), phase.get("freeze"), phase.get("drain"), phase.get("sequences"),
                    phase.get("verify"),
                    phase.get("prepare-rollback"), phase.get("drop-forward"),
                    again == null ? "counts" : again.size() + " re-verified", writes.get());
        }
    }

    /** The one-statement work floor: every table's count in one statement per side, both sides at once. */
    private static String floor(PgServer originServer, PgServer destinationServer, String db, int oport, int dport)
            throws Exception {
        StringBuilder sql = new StringBuilder();
        for (int i = 0; i < TABLES; i++) {
            sql.append(i == 0 ? "" : " UNION ALL ").append("SELECT count(*) FROM ONLY ")
                    .append(Sql.qualified("public", "t_" + i));
        }
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (Connection o = superuser(originServer, oport, db); Connection d = superuser(destinationServer, dport, db)) {
            double best = Double.MAX_VALUE;
            for (int round = 0; round < 3; round++) {
                long t = System.nanoTime();
                Future<?> a = threads.submit(() -> count(o, sql.toString()));
                Future<?> b = threads.submit(() -> count(d, sql.toString()));
                a.get();
                b.get();
                best = Math.min(best, (System.nanoTime() - t) / 1e9);
            }
            return String.format(Locale.ROOT, "%.3f s", best);
        } finally {
            threads.shutdownNow();
        }
    }

    private static long count(Connection c, String sql) throws SQLException {
        long rows = 0;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                rows += rs.getLong(1);
            }
        }
        return rows;
    }

    private static String verify(PgServer originServer, PgServer destinationServer, String db, int oport, int dport) {
        List<QualifiedName> tables = new ArrayList<>();
        for (int i = 0; i < TABLES; i++) {
            tables.add(new QualifiedName("public", "t_" + i));
        }
        try (Cluster origin = cluster("origin", originServer, oport, db);
             Cluster destination = cluster("destination", destinationServer, dport, db)) {
            origin.connection(); // sessions opened before the clock starts
            destination.connection();
            long t = System.nanoTime();
            VerifyReport counts = Verification.run(origin, destination, tables, false);
            double c = (System.nanoTime() - t) / 1e9;
            t = System.nanoTime();
            VerifyReport sums = Verification.run(origin, destination, tables, true);
            double s = (System.nanoTime() - t) / 1e9;
            assertEquals(true, counts.equal());
            assertEquals(true, sums.equal());
            return String.format(Locale.ROOT, "%.3f s, %.3f s", c, s);
        }
    }

    // ---- 10,000 sequences --------------------------------------------------------------------------------------

    private static final String CREATE = """
            DO $$
            BEGIN
              FOR i IN %d..%d LOOP
                EXECUTE format('CREATE SEQUENCE bench.%%I AS %s', 'seq_' || i);
                IF %s AND i %% 10 <> 0 THEN
                  PERFORM pg_catalog.setval(format('bench.%%I', 'seq_' || i), 1 + (i * 7919) %% 1000000, true);
                END IF;
              END LOOP;
            END
            $$""";

    private static void createSequences(Connection c, String type, boolean advance) throws SQLException {
        try (c; Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA bench");
            for (int from = 1; from <= SEQUENCES; from += 2000) {
                st.execute(String.format(Locale.ROOT, CREATE, from, Math.min(SEQUENCES, from + 1999), type, advance));
            }
        }
    }

    private static String sequences(PgServer originServer, PgServer destinationServer, String db, int oport,
            int dport, int naiveSample) throws Exception {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        StatementRunner runner = new StatementRunner(new Output(sink, sink, false, false), false);
        try (Connection direct = superuser(destinationServer, 0, db);
             Cluster origin = cluster("origin", originServer, oport, db);
             Cluster destination = cluster("destination", destinationServer, dport, db)) {
            reset(direct);
            long t = System.nanoTime();
            SequencePlan plan = SequenceSync.plan(origin.connection(), destination.connection(), List.of(), 0, false);
            SequencePlan.Applied applied = plan.apply(runner, destination);
            double bulk = (System.nanoTime() - t) / 1e9;
            assertEquals(9000, applied.sequencesSet());
            reset(direct);
            t = System.nanoTime();
            int statements = naive(origin.connection(), destination.connection(), naiveSample);
            double naive = (System.nanoTime() - t) / 1e9 * SEQUENCES / naiveSample;
            return String.format(Locale.ROOT, "plan+apply %.3f s (origin read %.0f ms, destination read %.0f ms,"
                    + " write %.0f ms) | per-statement loop %.1f s%s | %.0fx", bulk, plan.originRead().millis(),
                    plan.destinationRead().millis(), applied.millis(), naive, naiveSample == SEQUENCES ? ""
                            : " (timed on " + naiveSample + " sequences, " + statements + " statements, x"
                                    + (SEQUENCES / naiveSample) + ")", naive / bulk);
        }
    }

    /** One SELECT per origin sequence, one setval per destination sequence to set; returns the statements run. */
    private static int naive(Connection origin, Connection destination, int limit) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement st = origin.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) FROM pg_catalog.pg_sequences"
                        + " WHERE schemaname = 'bench' ORDER BY sequencename LIMIT " + limit)) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        int statements = 1;
        try (Statement st = origin.createStatement();
             PreparedStatement set = destination.prepareStatement("SELECT pg_catalog.setval(?::regclass, ?, ?)")) {
            for (String name : names) {
                long value;
                boolean called;
                try (ResultSet rs = st.executeQuery("SELECT last_value, is_called FROM " + name)) {
                    rs.next();
                    value = rs.getLong(1);
                    called = rs.getBoolean(2);
                }
                statements++;
                if (!called && value == 1) {
                    continue;
                }
                set.setString(1, name);
                set.setLong(2, value);
                set.setBoolean(3, called);
                set.executeQuery().close();
                statements++;
            }
        }
        return statements;
    }

    private static void reset(Connection destination) throws SQLException {
        try (Statement st = destination.createStatement()) {
            st.execute("SELECT count(pg_catalog.setval(c.oid, 1, false)) FROM pg_catalog.pg_class c"
                    + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'bench'"
                    + " AND c.relkind = 'S'");
        }
    }

    // ---- connections ------------------------------------------------------------------------------------------

    /** A superuser JDBC connection, through the proxy's port (0: the server's own). */
    private static Connection superuser(PgServer server, int port, String db) throws SQLException {
        String host = port == 0 || port == server.port() ? server.host() : "127.0.0.1";
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + (port == 0 ? server.port() : port)
                + "/" + db, server.superuser(), server.password());
    }

    private static Cluster cluster(String role, PgServer server, int port, String db) {
        String host = port == server.port() ? server.host() : "127.0.0.1"; // the proxy listens on loopback
        return new Cluster(role, Endpoint.resolve("postgresql://" + server.superuser() + ":" + server.password() + "@"
                + host + ":" + port + "/" + db), ConnectSettings.defaults("upshift bench"));
    }
}
