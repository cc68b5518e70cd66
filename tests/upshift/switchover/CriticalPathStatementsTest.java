package upshift.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.connect.Cluster;
import upshift.connect.ConnectSettings;
import upshift.connect.Endpoint;
import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.migration.MigrationNames;
import upshift.report.Output;
import upshift.report.Progress;
import upshift.schema.AcceptedLossy;
import upshift.sequences.SequenceSync;
import upshift.sql.Sql;
import upshift.sql.StatementRunner;
import upshift.switchover.Cutover.VerifyMode;

/**
 * The freeze window's critical path sends as many statements at 500 tables (and 500 sequences) as at 50: counted in
 * the servers' own logs (log_statement = all), from the moment the freeze is installed until the forward
 * subscription is dropped and the destination takes writes, on origin and on destination. Every table is written
 * to between the pre-check and the freeze, so the verify phase checksums all of them inside the freeze (the worst
 * case), every destination sequence is fresh (not called: the write reads it) and the way back is prepared. What
 * moved before the freeze (the triggers armed, the way back's publication and subscription created with no slot)
 * must not be on it; the way back's slot and its naming on the subscription must.
 *
 * <p>Statements whose number depends on timing, not on the tables (the drain's and the slot release's polls, flushes
 * and nudges, tagged {@link Drain#POLL_TAG}, and the polls that read pg_wal_lsn_diff), are left out of the
 * comparison; everything else must be equal.
 */
class CriticalPathStatementsTest {

    private static final String BEGIN = "upshift-critical-path-begin";
    private static final String END = "upshift-critical-path-end";
    private static final Pattern ENTRY = Pattern.compile("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d[.0-9]* \\S+ \\[\\d+\\] ");

    private static final Map<String, String> LOGGED = Map.of(
            "logging_collector", "on",
            "log_statement", "all",
            "log_line_prefix", "%m [%p] db=%d ",
            "log_rotation_size", "0",
            "log_rotation_age", "0");

    @ParameterizedTest(name = "statements on the critical path at 50 and 500 tables, 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void doNotGrowWithTheTables(PgProvider provider) throws Exception {
        // logging_collector writes the log to a file the test reads with pg_read_file (not the container's stderr)
        Assumptions.assumeTrue(provider.name().equals("embedded"), "needs a server with logging_collector = on");
        try (PgServer origin = provider.start(13, LOGGED); PgServer destination = provider.start(16, LOGGED)) {
            Map<String, List<String>> at50 = criticalPath(origin, destination, 50);
            Map<String, List<String>> at500 = criticalPath(origin, destination, 500);
            for (String side : List.of("origin", "destination")) {
                List<String> small = at50.get(side);
                List<String> large = at500.get(side);
                System.out.println("[critical path] " + side + ": " + small.size() + " statements at 50 tables, "
                        + large.size() + " at 500");
                if (Boolean.getBoolean("upshift.criticalPath.print")) {
                    shapes(large).forEach(line -> System.out.println("    " + line));
                }
                assertEquals(small.size(), large.size(), side + ": statements on the critical path at 50 tables "
                        + small.size() + ", at 500 " + large.size() + "\n--- 50:\n" + String.join("\n", shapes(small))
                        + "\n--- 500:\n" + String.join("\n", shapes(large)));
                // under the former per-table verify this was > 3 per table
                assertTrue(large.size() < 120, side + ": " + large.size() + " statements");
                // what moved before the freeze: arming the triggers, the way back's publication and subscription
                String all = String.join("\n", large);
                for (String before : List.of("CREATE TRIGGER", "CREATE SUBSCRIPTION", "CREATE PUBLICATION")) {
                    assertFalse(all.contains(before), side + ": " + before + " belongs before the freeze:\n"
                            + String.join("\n", shapes(large)));
                }
            }
            // inside it (after the freeze transaction, which the count starts after): the way back's slot, its name
            String o = String.join("\n", at500.get("origin"));
            String d = String.join("\n", at500.get("destination"));
            assertTrue(o.contains("SET (slot_name = "), o);
            assertTrue(d.contains("pg_create_logical_replication_slot"), d);
        }
    }

    /** The statements each server logged on the critical path of one switchover with that many tables. */
    private static Map<String, List<String>> criticalPath(PgServer originServer, PgServer destinationServer,
            int tables) throws Exception {
        String db = "critpath_" + tables;
        originServer.createDatabase(db);
        destinationServer.createDatabase(db);
        MigrationNames names = new MigrationNames(db);
        List<String> o = new ArrayList<>();
        List<String> d = new ArrayList<>();
        StringBuilder update = new StringBuilder();
        List<String> list = new ArrayList<>();
        for (int i = 0; i < tables; i++) {
            String t = Sql.qualified("public", "T " + i);
            o.add("CREATE TABLE " + t + " (id serial PRIMARY KEY, v text)");
            o.add("INSERT INTO " + t + " (v) VALUES ('a'), ('b')"); // origin's sequence called at 2
            d.add("CREATE TABLE " + t + " (id bigserial PRIMARY KEY, v text)");
            d.add("INSERT INTO " + t + " (id, v) VALUES (1, 'a'), (2, 'b')"); // destination's fresh
            list.add(t);
            update.append(update.length() == 0 ? "" : ";").append("UPDATE ").append(t).append(" SET v = v || 'x'");
        }
        try (Connection oc = superuser(originServer, db); Connection dc = superuser(destinationServer, db);
             Statement os = oc.createStatement(); Statement ds = dc.createStatement()) {
            os.execute(String.join(";\n", o));
            ds.execute(String.join(";\n", d));
            os.execute("CREATE PUBLICATION " + Sql.ident(names.publication()) + " FOR TABLE " + String.join(", ", list));
            ds.execute("CREATE SUBSCRIPTION " + Sql.ident(names.subscription()) + " CONNECTION "
                    + Sql.literal(originServer.peerConninfo(db)) + " PUBLICATION " + Sql.ident(names.publication())
                    + " WITH (copy_data = false, slot_name = " + Sql.literal(names.slot()) + ")");
        }
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream stream = new PrintStream(sink, true, StandardCharsets.UTF_8);
        Output output = new Output(stream, stream, false, false);
        Progress marking = new Progress() {
            @Override
            public void note(String text) {
                output.note(text);
                if (text.startsWith("  freeze ")) {
                    mark(originServer, destinationServer, db, BEGIN);
                } else if (text.startsWith("  drop-forward ")) {
                    mark(originServer, destinationServer, db, END);
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
        try (Cluster origin = cluster("origin", originServer, db);
             Cluster destination = cluster("destination", destinationServer, db)) {
            Cutover.Settings settings = new Cutover.Settings(WriteFreeze.Mode.HARD, List.of(), 0,
                    Duration.ofMinutes(2), VerifyMode.CHECKSUM, 0, SequenceSync.DEFAULT_EXCLUDES, true, null,
                    destinationServer.peerConninfo(db), Duration.ofSeconds(60), Duration.ofSeconds(30),
                    AcceptedLossy.NONE);
            Cutover.Report report = Cutover.switchover(origin, destination, names, new StatementRunner(output, false),
                    marking).run(settings, plan -> {
                        try (Connection c = superuser(originServer, db); Statement st = c.createStatement()) {
                            st.execute(update.toString()); // every table changed after the pre-check
                        } catch (SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    });
            assertEquals("switched over", report.outcome(), sink.toString(StandardCharsets.UTF_8));
            assertEquals(tables, report.verification().reverifiedInFreeze().size(),
                    "every table checksummed inside the freeze: " + report.verification());
            assertEquals(Boolean.TRUE, report.reverseStreaming());
        }
        try (Connection dc = superuser(destinationServer, db); Statement st = dc.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FILTER (WHERE last_value = 2), count(*)"
                     + " FROM pg_sequences WHERE schemaname = 'public'")) {
            rs.next();
            assertEquals(tables, rs.getLong(2));
            assertEquals(tables, rs.getLong(1), "every destination sequence set to origin's value");
        }
        Map<String, List<String>> result = new LinkedHashMap<>();
        result.put("origin", logged(originServer, db));
        result.put("destination", logged(destinationServer, db));
        return result;
    }

    private static void mark(PgServer origin, PgServer destination, String db, String marker) {
        for (PgServer server : List.of(origin, destination)) {
            try (Connection c = superuser(server, db); Statement st = c.createStatement()) {
                st.execute("SELECT " + Sql.literal(marker));
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The statements the database's sessions logged between the markers, polls left out. */
    private static List<String> logged(PgServer server, String db) throws Exception {
        String log = "";
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try (Connection c = superuser(server, "postgres"); Statement st = c.createStatement()) {
            while (!log.contains("'" + END + "'") && System.nanoTime() < deadline) {
                Thread.sleep(200); // the logger process writes asynchronously
                try (ResultSet rs = st.executeQuery("SELECT pg_read_file(pg_current_logfile())")) {
                    rs.next();
                    log = rs.getString(1);
                }
            }
        }
        List<String> entries = new ArrayList<>();
        StringBuilder current = null;
        for (String line : log.split("\n", -1)) {
            if (ENTRY.matcher(line).find()) {
                if (current != null) {
                    entries.add(current.toString());
                }
                current = new StringBuilder(line);
            } else if (current != null) {
                current.append('\n').append(line);
            }
        }
        if (current != null) {
            entries.add(current.toString());
        }
        List<String> statements = new ArrayList<>();
        boolean inside = false;
        String tag = " db=" + db + " LOG:  ";
        for (String entry : entries) {
            int at = entry.indexOf(tag);
            if (at < 0) {
                continue;
            }
            String text = entry.substring(at + tag.length());
            if (!text.startsWith("statement: ") && !text.startsWith("execute ")) {
                continue;
            }
            if (text.contains("'" + BEGIN + "'")) {
                inside = true;
                continue;
            }
            if (text.contains("'" + END + "'")) {
                break;
            }
            if (inside && !text.contains("pg_wal_lsn_diff") && !text.contains(Drain.POLL_TAG)) {
                statements.add(text);
            }
        }
        assertTrue(inside, "both markers in the log of " + server.major());
        return statements;
    }

    /** Each statement's first 100 characters, for the failure message. */
    private static List<String> shapes(List<String> statements) {
        return statements.stream().map(s -> s.replaceAll("\\s+", " "))
                .map(s -> s.length() > 100 ? s.substring(0, 100) : s).toList();
    }

    private static Connection superuser(PgServer server, String db) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(db), server.superuser(), server.password());
    }

    private static Cluster cluster(String role, PgServer server, String db) {
        return new Cluster(role, Endpoint.resolve(server.uri(db)), ConnectSettings.defaults("upshift test"));
    }
}
