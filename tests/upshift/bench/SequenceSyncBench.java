package upshift.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
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
 * sync-sequences on 10,000 sequences, 13 -> 16: {@link SequenceSync#plan} + {@link SequencePlan#apply} (a few round
 * trips) against the naive loop (one SELECT per sequence on origin, one setval per sequence on destination), side
 * by side in one run, destination reset between rounds. Prints the timings and the ratio; asserts only that both
 * produce the same result. Runs with {@code mvn -Pbench verify}, never in the normal test run.
 */
class SequenceSyncBench {

    private static final int SEQUENCES = 10_000;
    private static final int ROUNDS = 3;
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
    void bulkAgainstNaive() throws Exception {
        PgProvider provider = Providers.selected().get(0);
        PgServer originServer = Providers.shared(provider, 13);
        PgServer destinationServer = Providers.shared(provider, 16);
        originServer.createDatabase(DATABASE);
        destinationServer.createDatabase(DATABASE);
        try (Cluster origin = cluster("origin", originServer); Cluster destination = cluster("destination", destinationServer)) {
            long t = System.nanoTime();
            create(origin.connection(), "integer", true);
            create(destination.connection(), "bigint", false);
            System.out.printf(Locale.ROOT, "[bench] created %,d sequences on each side in %.1f s (%s provider)%n",
                    SEQUENCES, (System.nanoTime() - t) / 1e9, provider.name());

            StatementRunner runner = new StatementRunner(quietOutput(), false);
            double[] bulk = new double[ROUNDS];
            double[] naive = new double[ROUNDS];
            double[] originRead = new double[ROUNDS];
            double[] destinationRead = new double[ROUNDS];
            double[] write = new double[ROUNDS];
            SequencePlan last = null;
            for (int round = 0; round < ROUNDS; round++) {
                reset(destination.connection());
                t = System.nanoTime();
                last = SequenceSync.plan(origin.connection(), destination.connection(), List.of(), 0);
                SequencePlan.Applied applied = last.apply(runner, destination);
                bulk[round] = (System.nanoTime() - t) / 1e6;
                originRead[round] = last.originRead().millis();
                destinationRead[round] = last.destinationRead().millis();
                write[round] = applied.millis();
                String bulkResult = fingerprint(destination.connection());

                reset(destination.connection());
                t = System.nanoTime();
                naive(origin.connection(), destination.connection());
                naive[round] = (System.nanoTime() - t) / 1e6;
                assertEquals(bulkResult, fingerprint(destination.connection()), "both ways set the same values");
            }
            double b = median(bulk);
            double n = median(naive);
            System.out.printf(Locale.ROOT, "[bench] plan+apply: %,d sequences (%d set) in %.0f ms (median of %d: %s);"
                    + " origin read %d round trip(s), destination read %d, write %d statement(s)%n",
                    last.entries().size(), last.toSet().size(), b, ROUNDS, Arrays.toString(round(bulk)),
                    last.originRead().roundTrips(), last.destinationRead().roundTrips(),
                    (last.toSet().size() + last.destinationRead().batchSize() - 1) / last.destinationRead().batchSize());
            System.out.printf(Locale.ROOT, "[bench]   phases (medians): origin read %.0f ms, destination read %.0f ms,"
                    + " write %.0f ms%n", median(originRead), median(destinationRead), median(write));
            System.out.printf(Locale.ROOT, "[bench] naive loop: %,d + %,d statements in %.0f ms (median of %d: %s)%n",
                    SEQUENCES, last.toSet().size(), n, ROUNDS, Arrays.toString(round(naive)));
            System.out.printf(Locale.ROOT, "[bench] ratio naive / plan+apply = %.1fx (loopback; every extra millisecond"
                    + " of network round trip adds %,d ms to the naive loop)%n", n / b, SEQUENCES + last.toSet().size());
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

    /** The naive way: read each origin sequence, then setval each destination sequence, one statement apiece. */
    private static void naive(Connection origin, Connection destination) throws SQLException {
        List<String> names = new ArrayList<>();
        List<long[]> states = new ArrayList<>();
        try (Statement st = origin.createStatement();
             ResultSet rs = st.executeQuery("SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename)"
                     + " FROM pg_catalog.pg_sequences WHERE schemaname = 'bench'")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        try (Statement st = origin.createStatement()) {
            for (String name : names) {
                try (ResultSet rs = st.executeQuery("SELECT last_value, is_called FROM " + name)) {
                    rs.next();
                    states.add(new long[] {rs.getLong(1), rs.getBoolean(2) ? 1 : 0});
                }
            }
        }
        try (PreparedStatement st = destination.prepareStatement("SELECT pg_catalog.setval(?::regclass, ?, ?)")) {
            for (int i = 0; i < names.size(); i++) {
                long[] s = states.get(i);
                if (s[1] == 0 && s[0] == 1) {
                    continue; // never called on origin, fresh on destination: nothing to do
                }
                st.setString(1, names.get(i));
                st.setLong(2, s[0]);
                st.setBoolean(3, s[1] == 1);
                st.executeQuery().close();
            }
        }
    }

    /** Every destination sequence back to fresh (not timed). */
    private static void reset(Connection destination) throws SQLException {
        try (Statement st = destination.createStatement()) {
            st.execute("SELECT count(pg_catalog.setval(c.oid, 1, false)) FROM pg_catalog.pg_class c"
                    + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'bench' AND c.relkind = 'S'");
        }
    }

    private static String fingerprint(Connection destination) throws SQLException {
        try (Statement st = destination.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) || '/' || sum(coalesce(last_value, 0))"
                     + " FROM pg_catalog.pg_sequences WHERE schemaname = 'bench'")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static Cluster cluster(String role, PgServer server) {
        return new Cluster(role, Endpoint.resolve(server.uri(DATABASE)), ConnectSettings.defaults("upshift bench"));
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

    private static long[] round(double[] values) {
        return Arrays.stream(values).mapToLong(Math::round).toArray();
    }
}
