package upshift.sequences;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.connect.Cluster;
import upshift.connect.ConnectSettings;
import upshift.connect.Endpoint;
import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.report.Output;
import upshift.sql.QualifiedName;
import upshift.sql.StatementRunner;

/**
 * sync-sequences on 10,000 sequences in every state that matters, 13 -> 16: origin called or not (restarted), the
 * destination fresh, called ahead, called behind, restarted ahead and restarted behind (the last two not called:
 * their value is only read by the bulk write). After the sync every destination sequence's next value is the larger
 * of origin's and its own before (never moved backwards), read back exactly; the report says which were set.
 * Correctness only, no timing.
 */
class SequencesAtScaleTest {

    private static final int SEQUENCES = 10_000;
    private static final String DATABASE = "seq_scale";

    /** Origin: i % 4 == 0 never called (start 1), == 1 restarted at 5000 (not called), else called at 1 + i * 3. */
    private static final String ORIGIN = """
            DO $$
            BEGIN
              FOR i IN %d..%d LOOP
                EXECUTE format('CREATE SEQUENCE scale.%%I', 's' || i);
                IF i %% 4 = 1 THEN
                  EXECUTE format('ALTER SEQUENCE scale.%%I RESTART WITH 5000', 's' || i);
                ELSIF i %% 4 >= 2 THEN
                  PERFORM pg_catalog.setval(format('scale.%%I', 's' || i), 1 + i * 3, true);
                END IF;
              END LOOP;
            END
            $$""";

    /**
     * Destination (bigint): i % 5 == 0 fresh, == 1 called far ahead, == 2 called at 2 (behind), == 3 restarted far
     * ahead (not called), == 4 restarted at 3 (not called, behind but for origin's fresh ones).
     */
    private static final String DESTINATION = """
            DO $$
            BEGIN
              FOR i IN %d..%d LOOP
                EXECUTE format('CREATE SEQUENCE scale.%%I AS bigint', 's' || i);
                IF i %% 5 = 1 THEN
                  PERFORM pg_catalog.setval(format('scale.%%I', 's' || i), 1000000 + i, true);
                ELSIF i %% 5 = 2 THEN
                  PERFORM pg_catalog.setval(format('scale.%%I', 's' || i), 2, true);
                ELSIF i %% 5 = 3 THEN
                  EXECUTE format('ALTER SEQUENCE scale.%%I RESTART WITH 2000000', 's' || i);
                ELSIF i %% 5 = 4 THEN
                  EXECUTE format('ALTER SEQUENCE scale.%%I RESTART WITH 3', 's' || i);
                END IF;
              END LOOP;
            END
            $$""";

    @ParameterizedTest(name = "10,000 sequences: never backwards, every state, 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void tenThousand(PgProvider provider) throws Exception {
        PgServer originServer = Providers.shared(provider, 13);
        PgServer destinationServer = Providers.shared(provider, 16);
        originServer.createDatabase(DATABASE);
        destinationServer.createDatabase(DATABASE);
        try (Connection o = connect(originServer); Connection d = connect(destinationServer)) {
            create(o, ORIGIN);
            create(d, DESTINATION);
            Map<QualifiedName, BigInteger> originNext = next(SequenceCatalog.read(o, List.of()));
            Map<QualifiedName, BigInteger> before = next(SequenceCatalog.read(d, List.of()));
            assertEquals(SEQUENCES, originNext.size());

            SequencePlan plan = SequenceSync.plan(o, d, List.of(), 0, false);
            long unread = plan.entries().stream().filter(e -> e.destination().state() == SequenceState.UNCALLED_UNREAD)
                    .count();
            assertEquals(SEQUENCES * 3 / 5, unread, "fresh and restarted destination sequences are left to the write");
            SequencePlan.Applied applied;
            try (Cluster destination = new Cluster("destination", Endpoint.resolve(destinationServer.uri(DATABASE)),
                    ConnectSettings.defaults("upshift test"))) {
                PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
                applied = plan.apply(new StatementRunner(new Output(sink, sink, false, false), false), destination);
            }
            assertTrue(applied.statements() <= 2, applied.statements() + " statements: one per lock-budget batch");

            Map<QualifiedName, BigInteger> after = next(SequenceCatalog.read(d, List.of()));
            int set = 0;
            for (Map.Entry<QualifiedName, BigInteger> e : originNext.entrySet()) {
                BigInteger was = before.get(e.getKey());
                BigInteger expected = e.getValue().max(was);
                assertEquals(expected, after.get(e.getKey()), e.getKey() + ": origin next " + e.getValue()
                        + ", destination next before " + was);
                if (e.getValue().compareTo(was) > 0) {
                    set++;
                }
            }
            assertTrue(set > 1000 && set < SEQUENCES - 1000, "a mix of set and ahead: " + set);
            assertEquals(set, applied.sequencesSet());
            assertEquals(set, plan.toSet().size(), "the plan reports what the write did");
            assertEquals(SEQUENCES - set, plan.withAction(SequenceAction.ALREADY_AHEAD).size());
            plan.withAction(SequenceAction.ALREADY_AHEAD).forEach(e -> assertEquals(before.get(e.name()),
                    e.destinationNext(), e.name() + ": the state the write found"));

            SequencePlan again = SequenceSync.plan(o, d, List.of(), 0, true);
            assertTrue(again.inSync(), "in sync after the write");
        }
    }

    private static void create(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA scale");
            for (int from = 0; from < SEQUENCES; from += 2000) {
                st.execute(String.format(sql, from, Math.min(SEQUENCES, from + 2000) - 1));
            }
        }
    }

    /** Each sequence's next nextval, from an exact read. */
    private static Map<QualifiedName, BigInteger> next(SequenceCatalog.Read read) {
        Map<QualifiedName, BigInteger> next = new HashMap<>();
        read.sequences().forEach(s -> next.put(s.name(), s.state().next(s.increment())));
        return next;
    }

    private static Connection connect(PgServer server) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(DATABASE), server.superuser(), server.password());
    }
}
