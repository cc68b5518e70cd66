package upshift.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;

import upshift.ExitCode;
import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.testing.Run;
import upshift.testing.Wait;

/**
 * The initial sync, 13 -> 16, side by side on the same origin data (a pgbench-like accounts table plus two small
 * ones; three secondary indexes on destination): native table sync ({@code --initial-copy native}), upshift's
 * snapshot copy at {@code --workers} 1, 2 and 4, and the floor: a raw binary COPY pipe (one session per table) with the
 * indexes built afterwards. Each variant fills its own fresh destination database; every one is checked for the
 * same row count and sum. pgcopydb is not installed on this machine, so it is not compared. Prints timings and
 * ratios; asserts correctness only. {@code -Dupshift.bench.sync.rows=N} sets the accounts rows (default 2,000,000,
 * about 300 MB).
 */
class InitialSyncBench {

    private static final long ROWS = Long.getLong("upshift.bench.sync.rows", 2_000_000L);
    private static final String ORIGIN_DB = "bench_sync";

    private static final String TABLES = """
            CREATE TABLE accounts (aid bigint PRIMARY KEY, bid integer NOT NULL, abalance integer NOT NULL,
              filler character(84));
            CREATE TABLE branches (bid integer PRIMARY KEY, bbalance integer NOT NULL, filler character(88));
            CREATE TABLE tellers (tid integer PRIMARY KEY, bid integer NOT NULL, tbalance integer NOT NULL,
              filler character(84));
            """;
    private static final List<String> INDEXES = List.of(
            "CREATE INDEX accounts_bid_idx ON accounts (bid)",
            "CREATE INDEX accounts_abalance_idx ON accounts (abalance)",
            "CREATE INDEX tellers_bid_idx ON tellers (bid)");

    private static int pipes;

    @Test
    void initialSyncSideBySide() throws Exception {
        PgProvider provider = Providers.selected().get(0);
        PgServer origin = Providers.shared(provider, 13);
        PgServer destination = Providers.shared(provider, 16);
        origin.createDatabase(ORIGIN_DB);
        try (Connection o = connect(origin, ORIGIN_DB); Statement st = o.createStatement()) {
            st.execute(TABLES);
            st.execute("INSERT INTO branches SELECT g, 0, '' FROM generate_series(1, " + Math.max(1, ROWS / 100000)
                    + ") g");
            st.execute("INSERT INTO tellers SELECT g, 1 + g % " + Math.max(1, ROWS / 100000) + ", 0, ''"
                    + " FROM generate_series(1, " + Math.max(10, ROWS / 10000) + ") g");
            st.execute("INSERT INTO accounts SELECT g, 1 + g % " + Math.max(1, ROWS / 100000) + ", (g * 7919) % 100000,"
                    + " '' FROM generate_series(1::bigint, " + ROWS + ") g");
            st.execute("VACUUM ANALYZE");
        }
        // destination ends with the origin's rows and the three secondary indexes origin lacks
        String expected = fingerprint(origin, ORIGIN_DB).replaceAll(" 0$", " " + INDEXES.size());
        long bytes = single(origin, ORIGIN_DB, "SELECT sum(pg_table_size(c.oid)) FROM pg_class c"
                + " WHERE relname IN ('accounts', 'branches', 'tellers')");
        Map<String, Double> seconds = new LinkedHashMap<>();
        seconds.put("raw binary COPY pipe + indexes", rawPipe(origin, destination, expected));
        seconds.put("native table sync", viaSteps(origin, destination, "native", null, expected));
        for (int w : new int[] {1, 2, 4}) {
            seconds.put("snapshot copy --workers " + w, viaSteps(origin, destination, "snapshot", w, expected));
        }
        // the pipe again, last: the first variant also pays for a cold cache
        seconds.put("raw binary COPY pipe + indexes (again, last)", rawPipe(origin, destination, expected));
        double floor = Math.min(seconds.get("raw binary COPY pipe + indexes"),
                seconds.get("raw binary COPY pipe + indexes (again, last)"));
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%ninitial sync, 13 -> 16, %,d accounts"
                + " rows, %.0f MB of tables, 3 secondary indexes%n%-44s %9s %9s %12s%n", ROWS, bytes / 1e6,
                "variant", "seconds", "MB/s", "vs best pipe"));
        seconds.forEach((k, v) -> table.append(String.format(Locale.ROOT, "%-44s %9.1f %9.1f %11.2fx%n", k, v,
                bytes / 1e6 / v, v / floor)));
        table.append("pgcopydb: not installed on this machine, not measured\n");
        System.out.println(table);
    }

    /** create-publication, create-subscription, enable-subscription, then until every table is ready. */
    private static double viaSteps(PgServer origin, PgServer destination, String mode, Integer workers,
            String expected) throws Exception {
        String name = "bench_" + mode + (workers == null ? "" : "_w" + workers);
        String db = name;
        destination.createDatabase(db);
        try (Connection d = connect(destination, db); Statement st = d.createStatement()) {
            st.execute(TABLES);
            for (String i : INDEXES) {
                st.execute(i);
            }
        }
        Map<String, String> env = Map.of("PGURL_ORIGIN", origin.uri(ORIGIN_DB), "PGURL_DESTINATION",
                destination.uri(db));
        ok(Run.script("CreatePublication", env, "--name", name));
        ok(Run.script("CreateSubscription", env, "--name", name, "--initial-copy", mode, "--origin-conninfo",
                origin.peerConninfo(ORIGIN_DB)));
        long start = System.nanoTime();
        ok(workers == null ? Run.script("EnableSubscription", env, "--name", name)
                : Run.script("EnableSubscription", env, "--name", name, "--workers", workers.toString()));
        Wait.until(Duration.ofMinutes(30), name + " is ready", () -> single(destination, db,
                "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'") == 0);
        double s = (System.nanoTime() - start) / 1e9;
        assertEquals(expected, fingerprint(destination, db), name);
        ok(Run.script("Cleanup", env, "--name", name, "--yes"));
        return s;
    }

    /** The floor: one COPY pipe per table at once, binary, then the indexes one after another. */
    private static double rawPipe(PgServer origin, PgServer destination, String expected) throws Exception {
        String db = "bench_pipe_" + (++pipes);
        destination.createDatabase(db);
        try (Connection d = connect(destination, db); Statement st = d.createStatement()) {
            st.execute(TABLES);
        }
        long start = System.nanoTime();
        List<Thread> threads = new java.util.ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        for (String t : List.of("accounts", "branches", "tellers")) {
            Thread th = new Thread(() -> {
                try (Connection o = connect(origin, ORIGIN_DB); Connection d = connect(destination, db)) {
                    CopyOut out = o.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY " + t
                            + " TO STDOUT (FORMAT binary)");
                    CopyIn in = d.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + t
                            + " FROM STDIN (FORMAT binary)");
                    byte[] buf;
                    while ((buf = out.readFromCopy()) != null) {
                        in.writeToCopy(buf, 0, buf.length);
                    }
                    in.endCopy();
                } catch (SQLException e) {
                    errors.add(e);
                }
            });
            th.start();
            threads.add(th);
        }
        for (Thread th : threads) {
            th.join();
        }
        assertEquals(List.of(), errors);
        try (Connection d = connect(destination, db); Statement st = d.createStatement()) {
            for (String i : INDEXES) {
                st.execute(i);
            }
        }
        double s = (System.nanoTime() - start) / 1e9;
        assertEquals(expected, fingerprint(destination, db));
        return s;
    }

    private static void ok(Run run) {
        assertEquals(ExitCode.OK, run.exitCode(), run.stdout() + run.stderr());
    }

    private static String fingerprint(PgServer server, String db) throws SQLException {
        try (Connection c = connect(server, db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT (SELECT count(*) || '/' || sum(abalance) || '/' || sum(bid) FROM accounts) || ' '"
                        + " || (SELECT count(*) FROM tellers) || ' ' || (SELECT count(*) FROM branches)"
                        + " || ' ' || (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'"
                        + " AND indexname NOT LIKE '%pkey')")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static long single(PgServer server, String db, String sql) throws SQLException {
        try (Connection c = connect(server, db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Connection connect(PgServer server, String db) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(db), server.superuser(), server.password());
    }
}
