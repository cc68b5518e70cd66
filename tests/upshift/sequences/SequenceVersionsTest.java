package upshift.sequences;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.connect.Cluster;
import upshift.connect.ConnectSettings;
import upshift.connect.Endpoint;
import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.report.Output;
import upshift.sql.StatementRunner;

/**
 * The read and the bulk write on every major version upshift supports, 13 to 18: both ways of reading a state (13
 * to 17: pg_sequence_last_value, query_to_xml for one not called, or left to the write; 18: pg_get_sequence_data) and
 * both bulk writes (13 to 17: nextval and put back; 18: read exactly), run as a role that is not a superuser (so the
 * privilege functions decide, not the superuser shortcut). Origin and destination are two databases of one server
 * of that version. Every state that matters: fresh, called, restarted (not called, not at its start), descending,
 * called or restarted ahead on destination, narrower on destination, and one the role may read but not update.
 */
class SequenceVersionsTest {

    private static final String ROLE = "seqv_user";
    private static final String PASSWORD = "seqv-pw";

    private static final String ORIGIN = """
            CREATE SCHEMA s;
            CREATE SEQUENCE s.fresh;
            CREATE SEQUENCE s.called; SELECT setval('s.called', 500);
            CREATE SEQUENCE s.restarted; SELECT setval('s.restarted', 700, false);
            CREATE SEQUENCE s.down INCREMENT -1 START -1; SELECT setval('s.down', -50);
            CREATE SEQUENCE s.ahead; SELECT setval('s.ahead', 10);
            CREATE SEQUENCE s.ahead_uncalled; SELECT setval('s.ahead_uncalled', 10);
            CREATE SEQUENCE s.narrow AS bigint; SELECT setval('s.narrow', 40000);
            CREATE SEQUENCE s.readonly; SELECT setval('s.readonly', 30);
            GRANT USAGE ON SCHEMA s TO seqv_user;
            GRANT SELECT ON ALL SEQUENCES IN SCHEMA s TO seqv_user;
            """;

    private static final String DESTINATION = """
            CREATE SCHEMA s;
            CREATE SEQUENCE s.fresh AS bigint;
            CREATE SEQUENCE s.called AS bigint; SELECT setval('s.called', 20);
            CREATE SEQUENCE s.restarted AS bigint; SELECT setval('s.restarted', 5, false);
            CREATE SEQUENCE s.down INCREMENT -1 START -1;
            CREATE SEQUENCE s.ahead AS bigint; SELECT setval('s.ahead', 1000);
            CREATE SEQUENCE s.ahead_uncalled AS bigint; SELECT setval('s.ahead_uncalled', 2000, false);
            CREATE SEQUENCE s.narrow AS smallint;
            CREATE SEQUENCE s.readonly AS bigint;
            GRANT USAGE ON SCHEMA s TO seqv_user;
            GRANT SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA s TO seqv_user;
            REVOKE UPDATE ON s.readonly FROM seqv_user;
            """;

    static Stream<Arguments> versions() {
        List<Arguments> cases = new ArrayList<>();
        for (PgProvider provider : Providers.selected()) {
            for (int major = 13; major <= 18; major++) {
                cases.add(Arguments.of(provider, major));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "PostgreSQL {1}: exact reads, a sync never backwards, a role's rights [{0}]")
    @MethodSource("versions")
    void everyVersion(PgProvider provider, int major) throws Exception {
        PgServer server = Providers.shared(provider, major);
        String o = "seqv_origin";
        String d = "seqv_destination";
        server.createDatabase(o);
        server.createDatabase(d);
        try (Connection su = DriverManager.getConnection(server.jdbcUrl(o), server.superuser(), server.password());
             Statement st = su.createStatement()) {
            st.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'seqv_user') THEN"
                    + " CREATE ROLE seqv_user LOGIN PASSWORD '" + PASSWORD + "'; END IF; END $$");
            st.execute(ORIGIN);
        }
        try (Connection su = DriverManager.getConnection(server.jdbcUrl(d), server.superuser(), server.password());
             Statement st = su.createStatement()) {
            st.execute(DESTINATION);
        }
        Map<String, SequenceState> originStates = direct(server, o);
        Map<String, SequenceState> before = direct(server, d);

        try (Connection oc = DriverManager.getConnection(server.jdbcUrl(o), ROLE, PASSWORD);
             Connection dc = DriverManager.getConnection(server.jdbcUrl(d), ROLE, PASSWORD)) {
            assertEquals(originStates, states(SequenceCatalog.read(oc, List.of())), "origin, read exactly");
            SequenceCatalog.Read exact = SequenceCatalog.read(dc, List.of());
            assertEquals(before, states(exact), "destination, read exactly");
            exact.sequences().forEach(s -> {
                assertTrue(s.readable(), s.name() + " readable");
                assertEquals(!s.name().name().equals("readonly"), s.writable(), s.name() + " writable");
            });

            SequencePlan plan = SequenceSync.plan(oc, dc, List.of(), 0, false);
            long unread = plan.entries().stream()
                    .filter(e -> e.destination().state() == SequenceState.UNCALLED_UNREAD).count();
            assertEquals(major >= 18 ? 0 : 5, unread, "13 to 17 leave the writable sequences not called to the write");
            PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
            try (Cluster destination = new Cluster("destination", Endpoint.resolve("postgresql://" + ROLE + ":"
                    + PASSWORD + "@" + server.host() + ":" + server.port() + "/" + d),
                    ConnectSettings.defaults("upshift test"))) {
                SequencePlan.Applied applied = plan.apply(new StatementRunner(new Output(sink, sink, false, false),
                        false), destination);
                assertEquals(3, applied.sequencesSet());
                assertEquals(1, applied.statements());
            }
            Map<String, SequenceAction> actions = new HashMap<>();
            plan.entries().forEach(e -> actions.put(e.name().name(), e.action()));
            assertEquals(Map.of("fresh", SequenceAction.ALREADY_AHEAD, "called", SequenceAction.SET,
                    "restarted", SequenceAction.SET, "down", SequenceAction.SET, "ahead", SequenceAction.ALREADY_AHEAD,
                    "ahead_uncalled", SequenceAction.ALREADY_AHEAD, "narrow", SequenceAction.OUT_OF_RANGE,
                    "readonly", SequenceAction.NO_PRIVILEGE), actions);
            plan.withAction(SequenceAction.ALREADY_AHEAD).forEach(e -> assertEquals(before.get(e.name().name()),
                    e.destinationBefore(), e.name() + ": the state the write found"));
        }

        Map<String, SequenceState> after = direct(server, d);
        Map<String, SequenceState> expected = new HashMap<>(before);
        expected.put("called", new SequenceState(500, true));
        expected.put("restarted", new SequenceState(700, false));
        expected.put("down", new SequenceState(-50, true));
        assertEquals(expected, after, "set where behind, the rest exactly as it was (is_called too)");
        assertFalse(after.get("ahead_uncalled").isCalled(), "read by the write, put back not called");
    }

    @ParameterizedTest(name = "PostgreSQL {1}: SELECT revoked between the read and the write [{0}]")
    @MethodSource("versions")
    void rightsLostBeforeTheWrite(PgProvider provider, int major) throws Exception {
        PgServer server = Providers.shared(provider, major);
        String o = "seqv_revoke_origin";
        String d = "seqv_revoke_destination";
        server.createDatabase(o);
        server.createDatabase(d);
        try (Connection su = DriverManager.getConnection(server.jdbcUrl(o), server.superuser(), server.password());
             Statement st = su.createStatement()) {
            st.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'seqv_user') THEN"
                    + " CREATE ROLE seqv_user LOGIN PASSWORD '" + PASSWORD + "'; END IF; END $$");
            st.execute("CREATE SCHEMA s; CREATE SEQUENCE s.a; SELECT setval('s.a', 100);"
                    + " GRANT USAGE ON SCHEMA s TO seqv_user; GRANT SELECT ON s.a TO seqv_user");
        }
        try (Connection su = DriverManager.getConnection(server.jdbcUrl(d), server.superuser(), server.password());
             Statement st = su.createStatement()) {
            st.execute("CREATE SCHEMA s; CREATE SEQUENCE s.a AS bigint;"
                    + " GRANT USAGE ON SCHEMA s TO seqv_user; GRANT SELECT, UPDATE ON s.a TO seqv_user");
        }
        SequencePlan plan;
        try (Connection oc = DriverManager.getConnection(server.jdbcUrl(o), ROLE, PASSWORD);
             Connection dc = DriverManager.getConnection(server.jdbcUrl(d), ROLE, PASSWORD)) {
            plan = SequenceSync.plan(oc, dc, List.of(), 0, false);
        }
        assertEquals(1, plan.toSet().size(), plan.entries().toString());
        try (Connection su = DriverManager.getConnection(server.jdbcUrl(d), server.superuser(), server.password());
             Statement st = su.createStatement()) {
            st.execute("REVOKE SELECT ON s.a FROM seqv_user");
        }
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        StatementRunner runner = new StatementRunner(new Output(sink, sink, false, false), false);
        try (Cluster destination = new Cluster("destination", Endpoint.resolve("postgresql://" + ROLE + ":"
                + PASSWORD + "@" + server.host() + ":" + server.port() + "/" + d),
                ConnectSettings.defaults("upshift test"))) {
            if (major >= 18) {
                SequencePlan.Applied applied = plan.apply(runner, destination);
                assertEquals(0, applied.sequencesSet());
                assertEquals(SequenceAction.NO_PRIVILEGE, plan.entries().get(0).action(), plan.entries().toString());
            } else {
                RuntimeException e = assertThrows(RuntimeException.class, () -> plan.apply(runner, destination));
                assertTrue(String.valueOf(e.getMessage()).contains("permission denied"), e.toString());
            }
        }
        assertEquals(Map.of("a", new SequenceState(1, false)), direct(server, d), "untouched");
    }

    /** Each sequence's state by name, read from the relation as the superuser. */
    private static Map<String, SequenceState> direct(PgServer server, String database) throws SQLException {
        Map<String, SequenceState> states = new HashMap<>();
        try (Connection c = DriverManager.getConnection(server.jdbcUrl(database), server.superuser(),
                server.password());
             Statement st = c.createStatement()) {
            List<String> names = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT sequencename FROM pg_sequences WHERE schemaname = 's'")) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            for (String name : names) {
                try (ResultSet rs = st.executeQuery("SELECT last_value, is_called FROM s." + name)) {
                    rs.next();
                    states.put(name, new SequenceState(rs.getLong(1), rs.getBoolean(2)));
                }
            }
        }
        return states;
    }

    private static Map<String, SequenceState> states(SequenceCatalog.Read read) {
        Map<String, SequenceState> states = new HashMap<>();
        read.sequences().forEach(s -> states.put(s.name().name(), s.state()));
        return states;
    }
}
