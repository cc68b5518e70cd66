package upshift.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

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
 * ones, with three secondary indexes): native table sync ({@code --initial-copy native}), upshift's snapshot copy at
 * {@code --workers} 1, 2 and 4, pgcopydb clone at {@code --table-jobs}/{@code --index-jobs} 1, 2 and 4, and the
 * floor: a raw binary COPY pipe (one session per table) into tables without indexes, the primary keys and indexes
 * built afterwards. The snapshot copy and pgcopydb runs are interleaved, and the pipe runs first and last. Each
 * variant fills its own fresh destination database from the same origin database; every one is checked for the same
 * row count, sums and indexes, then dropped; a CHECKPOINT on both servers comes before each variant. pgcopydb is found
 * on the PATH (Debian: {@code apt-get install -y pgcopydb}); without it the bench says so
 * and prints "not measured", never a number. Prints timings and ratios; asserts correctness only.
 *
 * <p>{@code -Dupshift.bench.sync.rows=N} sets the accounts rows (default 2,000,000, about 270 MB);
 * {@code -Dupshift.bench.sync.native=false} leaves out native table sync (the slowest variant at large scales).
 */
class InitialSyncBench {

    private static final long ROWS = Long.getLong("upshift.bench.sync.rows", 2_000_000L);
    private static final boolean NATIVE = Boolean.parseBoolean(System.getProperty("upshift.bench.sync.native",
            "true"));
    private static final String ORIGIN_DB = "bench_sync";
    /** The snapshot copy's default --chunk-size, given to pgcopydb as --split-tables-larger-than. */
    private static final String SPLIT = "64MB";

    private static final String TABLES = """
            CREATE TABLE accounts (aid bigint PRIMARY KEY, bid integer NOT NULL, abalance integer NOT NULL,
              filler character(84));
            CREATE TABLE branches (bid integer PRIMARY KEY, bbalance integer NOT NULL, filler character(88));
            CREATE TABLE tellers (tid integer PRIMARY KEY, bid integer NOT NULL, tbalance integer NOT NULL,
              filler character(84));
            """;
    /** The pipe's tables: no index at all while it copies; {@link #KEYS}, then {@link #INDEXES}, afterwards. */
    private static final String TABLES_WITHOUT_KEYS = TABLES.replace(" PRIMARY KEY", "");
    private static final List<String> KEYS = List.of(
            "ALTER TABLE accounts ADD PRIMARY KEY (aid)",
            "ALTER TABLE branches ADD PRIMARY KEY (bid)",
            "ALTER TABLE tellers ADD PRIMARY KEY (tid)");
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
            // origin has the three secondary indexes too (as production does): pgcopydb clone copies origin's
            // schema, the other variants pre-create it on destination
            for (String i : INDEXES) {
                st.execute(i);
            }
            st.execute("VACUUM ANALYZE");
        }
        // every destination ends with the origin's rows and its three secondary indexes
        String expected = fingerprint(origin, ORIGIN_DB);
        assertTrue(expected.endsWith(" " + KEYS.size() + " keys " + INDEXES.size()), expected);
        long bytes = single(origin, ORIGIN_DB, "SELECT sum(pg_table_size(c.oid)) FROM pg_class c"
                + " WHERE relname IN ('accounts', 'branches', 'tellers')");
        Path pgcopydb = onPath("pgcopydb");
        if (pgcopydb == null) {
            System.out.println("\n*** pgcopydb is NOT INSTALLED (no pgcopydb on the PATH): it is not measured."
                    + " Debian/Ubuntu: apt-get install -y pgcopydb ***\n");
        }
        Map<String, Double> seconds = new LinkedHashMap<>();
        seconds.put("raw binary COPY pipe + indexes", rawPipe(origin, destination, expected));
        if (NATIVE) {
            seconds.put("native table sync", viaSteps(origin, destination, "native", null, expected));
        }
        int[] workers = {1, 2, 4};
        for (int i = 0; i < workers.length; i++) {
            int w = workers[i];
            // interleaved, and alternating which goes first
            boolean pgcopydbFirst = i % 2 == 1 && pgcopydb != null;
            if (pgcopydbFirst) {
                seconds.put("pgcopydb clone --table-jobs " + w, pgcopydb(pgcopydb, origin, destination, w, expected));
            }
            seconds.put("snapshot copy --workers " + w, viaSteps(origin, destination, "snapshot", w, expected));
            if (pgcopydb != null && !pgcopydbFirst) {
                seconds.put("pgcopydb clone --table-jobs " + w, pgcopydb(pgcopydb, origin, destination, w, expected));
            }
        }
        // the pipe again, last: the first variant also pays for a cold cache
        seconds.put("raw binary COPY pipe + indexes (again, last)", rawPipe(origin, destination, expected));
        double floor = Math.min(seconds.get("raw binary COPY pipe + indexes"),
                seconds.get("raw binary COPY pipe + indexes (again, last)"));
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%ninitial sync, 13 -> 16, %,d accounts"
                + " rows, %.0f MB of tables, 3 primary keys + 3 secondary indexes%n%-44s %9s %9s %12s%n", ROWS,
                bytes / 1e6, "variant", "seconds", "MB/s", "vs best pipe"));
        seconds.forEach((k, v) -> table.append(String.format(Locale.ROOT, "%-44s %9.1f %9.1f %11.2fx%n", k, v,
                bytes / 1e6 / v, v / floor)));
        if (pgcopydb == null) {
            table.append("pgcopydb clone: NOT INSTALLED on this machine, not measured\n");
        } else {
            table.append(String.format(Locale.ROOT, "%-44s %9s%n", "pgcopydb / snapshot copy (goal >= 1.30x)",
                    "ratio"));
            for (int w : workers) {
                table.append(String.format(Locale.ROOT, "%-44s %8.2fx%n", "  --workers " + w + " vs --table-jobs " + w,
                        seconds.get("pgcopydb clone --table-jobs " + w) / seconds.get("snapshot copy --workers " + w)));
            }
        }
        System.out.println(table);
    }

    /**
     * pgcopydb clone of the origin database into a fresh, empty destination database: it restores origin's schema
     * (pg_dump/pg_restore pre-data), copies the tables on {@code --table-jobs} (tables above {@link #SPLIT} split),
     * builds the indexes on {@code --index-jobs}, then the constraints and post-data. The password goes in
     * a private PGPASSFILE, never on the command line.
     */
    private static double pgcopydb(Path binary, PgServer origin, PgServer destination, int jobs, String expected)
            throws Exception {
        settle(origin, destination);
        String db = "bench_pgcopydb_w" + jobs;
        destination.createDatabase(db);
        Path dir = Files.createTempDirectory("bench-pgcopydb");
        Path log = dir.resolveSibling(dir.getFileName() + ".log");
        ProcessBuilder pb = new ProcessBuilder(binary.toString(), "clone", "--source", noPassword(origin, ORIGIN_DB),
                "--target", noPassword(destination, db), "--dir", dir.resolve("work").toString(), "--table-jobs",
                Integer.toString(jobs), "--index-jobs", Integer.toString(jobs), "--split-tables-larger-than", SPLIT,
                "--no-owner", "--no-acl", "--no-comments", "--skip-large-objects", "--skip-extensions");
        Path passfile = dir.resolve("pgpass");
        Files.writeString(passfile, pgpassLine(origin) + pgpassLine(destination));
        Files.setPosixFilePermissions(passfile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        pb.environment().put("PGPASSFILE", passfile.toString());
        pb.redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(new File("/dev/null"));
        long start = System.nanoTime();
        Process p = pb.start();
        int rc = p.waitFor();
        double s = (System.nanoTime() - start) / 1e9;
        String output = Files.readString(log);
        assertEquals(0, rc, "pgcopydb clone failed:\n" + output);
        // which pg_dump / pg_restore it ran, from its own log, with their versions
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\S*/pg_(?:dump|restore)) ").matcher(output);
        java.util.Set<String> tools = new java.util.TreeSet<>();
        while (m.find()) {
            tools.add(m.group(1));
        }
        for (String tool : tools) {
            Process v = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
            String version = new String(v.getInputStream().readAllBytes()).strip();
            v.waitFor();
            System.out.println("[pgcopydb --table-jobs " + jobs + "] ran " + tool + ": " + version);
        }
        assertEquals(expected, fingerprint(destination, db), db);
        dropDatabase(destination, db);
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        Files.delete(log);
        return s;
    }

    /**
     * A CHECKPOINT on both servers before each variant (not timed), so that no variant pays for writing out the dirty
     * buffers and WAL of the one before it (or of the origin's load, for the first).
     */
    private static void settle(PgServer origin, PgServer destination) throws SQLException {
        for (PgServer server : List.of(origin, destination)) {
            try (Connection c = connect(server, "postgres"); Statement st = c.createStatement()) {
                st.execute("CHECKPOINT");
            }
        }
    }

    private static String pgpassLine(PgServer server) {
        return server.host() + ":" + server.port() + ":*:" + server.superuser().replace("\\", "\\\\")
                .replace(":", "\\:") + ":" + server.password().replace("\\", "\\\\").replace(":", "\\:") + "\n";
    }

    private static String noPassword(PgServer server, String db) {
        return "postgresql://" + server.superuser() + "@" + server.host() + ":" + server.port() + "/" + db;
    }

    private static Path onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, program);
            if (!dir.isEmpty() && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static void dropDatabase(PgServer server, String db) throws SQLException {
        try (Connection c = connect(server, "postgres"); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + upshift.sql.Sql.ident(db) + " WITH (FORCE)");
        }
    }

    /** create-publication, create-subscription, enable-subscription, then until every table is ready. */
    private static double viaSteps(PgServer origin, PgServer destination, String mode, Integer workers,
            String expected) throws Exception {
        settle(origin, destination);
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
        Run enabled = workers == null ? Run.script("EnableSubscription", env, "--name", name)
                : Run.script("EnableSubscription", env, "--name", name, "--workers", workers.toString());
        ok(enabled);
        // where the time went: the copy's and the rebuild's own summary lines
        enabled.stderr().lines().filter(l -> l.contains(" rows") && l.contains(" copied") || l.contains("rebuilt "))
                .forEach(l -> System.out.println("[" + name + "] " + l.strip()));
        Wait.until(Duration.ofMinutes(30), name + " is ready", () -> single(destination, db,
                "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'") == 0);
        double s = (System.nanoTime() - start) / 1e9;
        assertEquals(expected, fingerprint(destination, db), name);
        ok(Run.script("Cleanup", env, "--name", name, "--yes"));
        dropDatabase(destination, db);
        return s;
    }

    /**
     * The floor: one binary COPY pipe per table at once into tables without any index, then the primary keys and the
     * indexes one after another on one session (default maintenance_work_mem).
     */
    private static double rawPipe(PgServer origin, PgServer destination, String expected) throws Exception {
        settle(origin, destination);
        String db = "bench_pipe_" + (++pipes);
        destination.createDatabase(db);
        try (Connection d = connect(destination, db); Statement st = d.createStatement()) {
            st.execute(TABLES_WITHOUT_KEYS);
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
            for (String i : KEYS) {
                st.execute(i);
            }
            for (String i : INDEXES) {
                st.execute(i);
            }
        }
        double s = (System.nanoTime() - start) / 1e9;
        assertEquals(expected, fingerprint(destination, db));
        dropDatabase(destination, db);
        return s;
    }

    private static void ok(Run run) {
        assertEquals(ExitCode.OK, run.exitCode(), run.stdout() + run.stderr());
    }

    private static String fingerprint(PgServer server, String db) throws SQLException {
        try (Connection c = connect(server, db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT (SELECT count(*) || '/' || sum(abalance) || '/' || sum(bid) FROM accounts) || ' '"
                        + " || (SELECT count(*) FROM tellers) || ' ' || (SELECT count(*) FROM branches)"
                        + " || ' ' || (SELECT count(*) FROM pg_constraint WHERE contype = 'p'"
                        + " AND connamespace = 'public'::regnamespace) || ' keys'"
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
