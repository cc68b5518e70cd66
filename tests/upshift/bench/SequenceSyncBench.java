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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;

import upshift.connect.Cluster;
import upshift.connect.ConnectSettings;
import upshift.connect.Endpoint;
import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.report.Output;
import upshift.sequences.SequencePlan;
import upshift.sequences.SequenceSync;
import upshift.sql.StatementRunner;

/**
 * sync-sequences on 10,000 sequences, 13 -> 16 (9,000 called on origin, 1,000 never called; destination fresh,
 * bigint): {@link SequenceSync#plan} + {@link SequencePlan#apply} as the step runs them (a sync: the write reads the
 * destination's uncalled sequences) against the per-statement loop (one SELECT per origin sequence, one setval per
 * destination sequence to set, ~19,000 statements), side by side: interleaved rounds, each in fresh sessions (the
 * servers' caches of these sequences cold, as for a new run of the step), destination reset in between, median of 3.
 * At 0 ms the loop runs in full; through {@link DelayProxy} at 1 ms each way it runs on the first 1,000 sequences and
 * is scaled x10 (one round trip per statement: linear). Prints timings, phases and the ratio; asserts only that
 * both set the same values. {@code mvn -Pbench}, never in the normal test run.
 */
class SequenceSyncBench {

    private static final int SEQUENCES = 10_000;
    private static final int ROUNDS = 3;
    private static final double[] DELAYS = {0, 1};
    private static final String DATABASE = "bench_sequences";

    /** Creates the sequences server-side, 2,000 per statement (each CREATE holds a lock until its statement ends). */
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

    @Test
    void bulkAgainstPerStatementLoop() throws Exception {
        PgProvider provider = Providers.selected().get(0);
        PgServer originServer = Providers.shared(provider, 13);
        PgServer destinationServer = Providers.shared(provider, 16);
        originServer.createDatabase(DATABASE);
        destinationServer.createDatabase(DATABASE);
        long t = System.nanoTime();
        try (Connection o = superuser(originServer); Connection d = superuser(destinationServer)) {
            create(o, "integer", true);
            create(d, "bigint", false);
        }
        System.out.printf(Locale.ROOT, "[bench] sync-sequences: created %,d sequences on each side in %.1f s (%s"
                + " provider, origin %d, destination %d)%n", SEQUENCES, (System.nanoTime() - t) / 1e9, provider.name(),
                originServer.major(), destinationServer.major());
        List<String> rows = new ArrayList<>();
        for (double delay : DELAYS) {
            try (DelayProxy op = new DelayProxy(originServer.port(), delay);
                 DelayProxy dp = new DelayProxy(destinationServer.port(), delay)) {
                int oport = delay == 0 ? originServer.port() : op.port();
                int dport = delay == 0 ? destinationServer.port() : dp.port();
                rows.add(String.format(Locale.ROOT, "%.0f ms | ", delay)
                        + measure(originServer, destinationServer, oport, dport, delay == 0 ? SEQUENCES : 1000));
            }
        }
        System.out.println("[bench] sync-sequences, 10,000 sequences (9,000 to set), one JVM, fresh sessions each"
                + " round, medians of " + ROUNDS + " interleaved rounds:");
        System.out.println("[bench]   delay | plan+apply s (origin read, destination read, write ms; rounds)"
                + " | per-statement loop s (rounds) | ratio | server CPU");
        rows.forEach(r -> System.out.println("[bench]   " + r));
    }

    private static String measure(PgServer originServer, PgServer destinationServer, int oport, int dport,
            int loopSample) throws Exception {
        StatementRunner runner = new StatementRunner(quietOutput(), false);
        double[] bulk = new double[ROUNDS];
        double[] loop = new double[ROUNDS];
        double[] originRead = new double[ROUNDS];
        double[] destinationRead = new double[ROUNDS];
        double[] write = new double[ROUNDS];
        double[] bulkCpu = new double[ROUNDS * 2];
        double[] loopCpu = new double[ROUNDS * 2];
        int loopStatements = 0;
        try (Connection direct = superuser(destinationServer)) {
            for (int round = 0; round < ROUNDS; round++) {
                reset(direct);
                try (Cluster origin = cluster("origin", originServer, oport);
                     Cluster destination = cluster("destination", destinationServer, dport)) {
                    int opid = backend(origin.connection());
                    int dpid = backend(destination.connection());
                    long ocpu = cpuNanos(opid);
                    long dcpu = cpuNanos(dpid);
                    long t = System.nanoTime();
                    SequencePlan plan = SequenceSync.plan(origin.connection(), destination.connection(), List.of(), 0,
                            false);
                    SequencePlan.Applied applied = plan.apply(runner, destination);
                    bulk[round] = (System.nanoTime() - t) / 1e9;
                    bulkCpu[round * 2] = (cpuNanos(opid) - ocpu) / 1e6;
                    bulkCpu[round * 2 + 1] = (cpuNanos(dpid) - dcpu) / 1e6;
                    assertEquals(9000, applied.sequencesSet());
                    originRead[round] = plan.originRead().millis();
                    destinationRead[round] = plan.destinationRead().millis();
                    write[round] = applied.millis();
                }
                String expected = fingerprint(direct, loopSample);

                reset(direct);
                try (Connection origin = connect(originServer, oport);
                     Connection destination = connect(destinationServer, dport)) {
                    int opid = backend(origin);
                    int dpid = backend(destination);
                    long ocpu = cpuNanos(opid);
                    long dcpu = cpuNanos(dpid);
                    long t = System.nanoTime();
                    loopStatements = loop(origin, destination, loopSample);
                    loop[round] = (System.nanoTime() - t) / 1e9 * SEQUENCES / loopSample;
                    loopCpu[round * 2] = (cpuNanos(opid) - ocpu) / 1e6 * SEQUENCES / loopSample;
                    loopCpu[round * 2 + 1] = (cpuNanos(dpid) - dcpu) / 1e6 * SEQUENCES / loopSample;
                }
                assertEquals(expected, fingerprint(direct, loopSample), "both ways set the same values");
            }
        }
        double b = median(bulk);
        double l = median(loop);
        return String.format(Locale.ROOT, "%.3f (%.0f, %.0f, %.0f; %s) | %.2f (%s)%s | %.1fx | server CPU ms"
                + " (origin + destination backend, medians): plan+apply %.0f + %.0f, loop %.0f + %.0f", b,
                median(originRead), median(destinationRead), median(write), Arrays.toString(round3(bulk)), l,
                Arrays.toString(round3(loop)), loopSample == SEQUENCES ? ""
                        : " timed on " + loopSample + " sequences, " + loopStatements + " statements, x"
                                + (SEQUENCES / loopSample), l / b, median(side(bulkCpu, 0)), median(side(bulkCpu, 1)),
                median(side(loopCpu, 0)), median(side(loopCpu, 1)));
    }

    private static double[] side(double[] both, int side) {
        double[] one = new double[both.length / 2];
        for (int i = 0; i < one.length; i++) {
            one[i] = both[i * 2 + side];
        }
        return one;
    }

    /** The session's server process (not timed). */
    private static int backend(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_catalog.pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /**
     * CPU time the server process has run (Linux /proc/PID/schedstat, first field, ns): what a phase costs the
     * server, apart from the waiting a loaded machine adds. -1 where unreadable (another host).
     */
    private static long cpuNanos(int pid) {
        try {
            String s = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/schedstat")).trim();
            return Long.parseLong(s.substring(0, s.indexOf(' ')));
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    private static void create(Connection c, String type, boolean advance) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA bench");
            for (int from = 1; from <= SEQUENCES; from += 2000) {
                st.execute(String.format(Locale.ROOT, CREATE, from, Math.min(SEQUENCES, from + 1999), type, advance));
            }
        }
    }

    /**
     * The per-statement loop: list the origin sequences, read each, setval each destination sequence that origin
     * moved; returns the statements run.
     */
    private static int loop(Connection origin, Connection destination, int limit) throws SQLException {
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
                    continue; // never called on origin, fresh on destination: nothing to do
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

    /** Every destination sequence back to fresh (not timed). */
    private static void reset(Connection destination) throws SQLException {
        try (Statement st = destination.createStatement()) {
            st.execute("SELECT count(pg_catalog.setval(c.oid, 1, false)) FROM pg_catalog.pg_class c"
                    + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'bench'"
                    + " AND c.relkind = 'S'");
        }
    }

    /** Count and sum of the destination's values over the sequences both ways set (the first {@code limit}). */
    private static String fingerprint(Connection destination, int limit) throws SQLException {
        try (Statement st = destination.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT count(*) || '/' || sum(coalesce(last_value, 0)) FROM (SELECT last_value FROM"
                        + " pg_catalog.pg_sequences WHERE schemaname = 'bench' ORDER BY sequencename LIMIT " + limit
                        + ") s")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static Connection superuser(PgServer server) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(DATABASE), server.superuser(), server.password());
    }

    private static Connection connect(PgServer server, int port) throws SQLException {
        String host = port == server.port() ? server.host() : "127.0.0.1";
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + DATABASE,
                server.superuser(), server.password());
    }

    private static Cluster cluster(String role, PgServer server, int port) {
        String host = port == server.port() ? server.host() : "127.0.0.1"; // the proxy listens on loopback
        return new Cluster(role, Endpoint.resolve("postgresql://" + server.superuser() + ":" + server.password() + "@"
                + host + ":" + port + "/" + DATABASE), ConnectSettings.defaults("upshift bench"));
    }

    private static Output quietOutput() {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return new Output(sink, sink, false, false);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double[] round3(double[] values) {
        return Arrays.stream(values).map(v -> Math.round(v * 1000) / 1000.0).toArray();
    }
}
