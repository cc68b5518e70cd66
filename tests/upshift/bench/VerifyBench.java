package upshift.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import upshift.connect.Cluster;
import upshift.connect.ConnectSettings;
import upshift.connect.Endpoint;
import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.sql.QualifiedName;
import upshift.verify.ComparedColumn;
import upshift.verify.TableResult;
import upshift.verify.Verification;
import upshift.verify.VerifyReport;

/**
 * verify's cost on about 1 GB of shop-like tables, 13 -> 16: {@code Verification.run(..., false)} (counts) against
 * {@code (..., true)} (checksums), interleaved round by round,
 * next to the floor (count(*) and a full {@code COPY (SELECT * ...) TO STDOUT} into a discarding stream, both
 * sides at once as verify runs them). Then checksum forms for one table (customers: text, varchar, timestamptz,
 * boolean, integer, jsonb, NULLs), side by side, among them the md5 form verify used before. The same deterministic
 * data is loaded into both servers with generate_series (no replication). Prints timings and ratios; asserts
 * only correctness (every verify equal, every form the same on both sides). Runs with {@code mvn -Pbench verify},
 * never in the normal test run; {@code -Dupshift.bench.verify.scale=0.2} makes the data 5 times smaller.
 */
class VerifyBench {

    private static final String DATABASE = "bench_verify";
    private static final int ROUNDS = Integer.getInteger("upshift.bench.verify.rounds", 3);
    private static final double SCALE = Double.parseDouble(System.getProperty("upshift.bench.verify.scale", "5"));
    private static final List<QualifiedName> TABLES = List.of(new QualifiedName("public", "customers"),
            new QualifiedName("public", "orders"), new QualifiedName("public", "order_lines"));
    private static final QualifiedName FORMS_TABLE = TABLES.get(0);

    /** The rendering settings verify uses (Verification.SESSION), so the forms render as verify does. */
    private static final List<String> RENDERING = List.of("SET TimeZone = 'UTC'", "SET DateStyle = 'ISO, YMD'",
            "SET IntervalStyle = 'postgres'", "SET extra_float_digits = 3", "SET bytea_output = 'hex'",
            "SET statement_timeout = 0");

    private static final String SCHEMA = """
            CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, email varchar(120), city text,
              created_at timestamptz NOT NULL, active boolean NOT NULL, score integer, prefs jsonb);
            INSERT INTO customers SELECT i,
              'Customer ' || i || CASE WHEN i % 7 = 0 THEN ' Müller-Łukasz' ELSE '' END,
              CASE WHEN i % 50 = 0 THEN NULL ELSE 'user' || i || '@example.com' END,
              (ARRAY['Zürich', 'São Paulo', 'Berlin', 'Kraków', 'Tokyo 東京', 'Lyon'])[1 + i % 6],
              timestamptz '2020-01-01 00:00:00+00' + i * interval '17 seconds', i % 3 <> 0,
              CASE WHEN i % 11 = 0 THEN NULL ELSE (i * 7919) % 1000 END,
              jsonb_build_object('lang', (ARRAY['de', 'en', 'pl', 'ja'])[1 + i % 4], 'newsletter', i % 2 = 0,
                                 'tier', i % 5)
              FROM generate_series(1::bigint, {CUSTOMERS}) i;
            CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status varchar(20) NOT NULL,
              total numeric(12,2) NOT NULL, items integer NOT NULL, placed_at timestamptz NOT NULL,
              shipped boolean NOT NULL, note text, meta jsonb);
            INSERT INTO orders SELECT i, 1 + (i * 31) % {CUSTOMERS},
              (ARRAY['new', 'paid', 'shipped', 'delivered', 'cancelled'])[1 + i % 5],
              ((i * 7907) % 10000000) / 100.0, 1 + i % 9,
              timestamptz '2021-01-01 00:00:00+00' + i * interval '3.123457 seconds', i % 4 = 0,
              CASE WHEN i % 10 = 0 THEN 'leave at the door, ring twice — merci' END,
              CASE WHEN i % 3 = 0 THEN NULL ELSE jsonb_build_object('channel', (ARRAY['web', 'app', 'phone'])[1 + i % 3],
                                 'coupon', CASE WHEN i % 13 = 0 THEN 'SPRING' || i % 100 END) END
              FROM generate_series(1::bigint, {ORDERS}) i;
            CREATE TABLE order_lines (id bigint PRIMARY KEY, order_id bigint NOT NULL, product_id integer NOT NULL,
              quantity integer NOT NULL, unit_price numeric(12,2) NOT NULL, discount numeric(12,2),
              description text NOT NULL);
            INSERT INTO order_lines SELECT i, 1 + i / 3, 1 + (i * 13) % 20000, 1 + i % 4,
              ((i * 104729) % 100000) / 100.0, CASE WHEN i % 8 = 0 THEN 1.50 END,
              'Product ' || (1 + (i * 13) % 20000) || ' size ' || (ARRAY['S', 'M', 'L', 'XL'])[1 + i % 4]
              FROM generate_series(1::bigint, {LINES}) i;
            VACUUM ANALYZE""";

    /** A checksum form: its SQL on each side (null: that side cannot run it), given the row text expression. */
    private record Form(String name, boolean parallel, boolean originToo, java.util.function.Function<String, String> sql) {
    }

    @Test
    void countsAgainstChecksums() throws Exception {
        PgProvider provider = Providers.selected().get(0);
        PgServer originServer = Providers.shared(provider, 13);
        PgServer destinationServer = Providers.shared(provider, 16);
        originServer.createDatabase(DATABASE);
        destinationServer.createDatabase(DATABASE);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (Connection o = connect(originServer); Connection d = connect(destinationServer);
             Cluster origin = cluster("origin", originServer); Cluster destination = cluster("destination", destinationServer)) {
            machine(o, d, provider);
            long t = System.nanoTime();
            String schema = SCHEMA.replace("{CUSTOMERS}", Long.toString(Math.round(125_000 * SCALE)))
                    .replace("{ORDERS}", Long.toString(Math.round(500_000 * SCALE)))
                    .replace("{LINES}", Long.toString(Math.round(1_500_000 * SCALE)));
            bothRun(threads, () -> execute(o, schema), () -> execute(d, schema));
            System.out.printf(Locale.ROOT, "[bench] loaded the same data into both sides in %.0f s (scale %s)%n",
                    (System.nanoTime() - t) / 1e9, SCALE);
            double gb = sizes(o, d);

            // ---- verify: counts and checksums, and the floor; interleaved -----------------------------------------
            Map<String, double[]> wall = new LinkedHashMap<>();
            for (String k : List.of("counts", "checksums", "floor: count(*)",
                    "floor: COPY to /dev/null")) {
                wall.put(k, new double[ROUNDS]);
            }
            double[] copyOrigin = new double[ROUNDS];
            double[] copyDestination = new double[ROUNDS];
            VerifyReport checksums = null;
            for (int round = 0; round < ROUNDS; round++) {
                t = System.nanoTime();
                VerifyReport counts = Verification.run(origin, destination, TABLES, false);
                wall.get("counts")[round] = seconds(t);
                assertTrue(counts.equal(), counts.summary());

                t = System.nanoTime();
                checksums = Verification.run(origin, destination, TABLES, true);
                wall.get("checksums")[round] = seconds(t);
                assertTrue(checksums.equal(), checksums.summary());
                for (TableResult r : checksums.tables()) {
                    assertNotNull(r.originChecksum(), r.table() + " was checksummed");
                }

                t = System.nanoTime();
                List<String> n = both(threads, () -> countAll(o), () -> countAll(d));
                wall.get("floor: count(*)")[round] = seconds(t);
                assertEquals(n.get(0), n.get(1));

                t = System.nanoTime();
                List<double[]> copied = both(threads, () -> copyAll(o), () -> copyAll(d));
                wall.get("floor: COPY to /dev/null")[round] = seconds(t);
                assertEquals(copied.get(0)[1], copied.get(1)[1], "both sides stream the same number of bytes");
                copyOrigin[round] = copied.get(0)[0];
                copyDestination[round] = copied.get(1)[0];
            }
            System.out.printf(Locale.ROOT, "[bench] verify of %d tables, %.3f GB (pg_table_size, origin), both sides at"
                    + " once; %d rounds interleaved (ABAB):%n", TABLES.size(), gb, ROUNDS);
            double reference = median(wall.get("checksums"));
            wall.forEach((name, s) -> System.out.printf(Locale.ROOT,
                    "[bench]   %-26s min %7.2f s  median %7.2f s  = %6.2f s/GB  %5.2fx checksums  rounds %s%n",
                    name, min(s), median(s), median(s) / gb, median(s) / reference, Arrays.toString(round2(s))));
            System.out.printf(Locale.ROOT, "[bench]   COPY per side (medians): origin %.2f s, destination %.2f s%n",
                    median(copyOrigin), median(copyDestination));
            System.out.printf(Locale.ROOT, "[bench]   ratio checksums / counts = %.1fx; checksums / COPY floor = %.2fx%n",
                    reference / median(wall.get("counts")), reference / median(wall.get("floor: COPY to /dev/null")));
            for (TableResult r : checksums.tables()) {
                System.out.printf(Locale.ROOT, "[bench]   last checksums round: %-20s %,11d rows  origin %.2f s"
                        + "  destination %.2f s%n", r.table().name(), r.originRows(), r.originSeconds(),
                        r.destinationSeconds());
            }

            // ---- checksum forms on one table -------------------------------------------------------------------
            forms(threads, o, d, rowTexts(checksums).get(FORMS_TABLE), gb(o, FORMS_TABLE));
        } finally {
            threads.shutdownNow();
        }
    }

    private void forms(ExecutorService threads, Connection o, Connection d, String row, double gb) throws Exception {
        String from = "ONLY " + FORMS_TABLE.sql();
        String md5Twice = "SELECT count(*), sum(('x' || substr(h, 1, 15))::bit(60)::bigint)::text,"
                + " sum(('x' || substr(h, 16, 15))::bit(60)::bigint)::text FROM (SELECT md5(convert_to({ROW}, 'UTF8'))"
                + " AS h FROM " + from + ") AS row_hashes";
        String now = "SELECT count(*), sum(hash_array_extended(ARRAY[b], 1))::text, sum(hash_array_extended(ARRAY[b], 2))"
                + "::text FROM (SELECT unnest(ARRAY[convert_to({ROW}, 'UTF8')]) AS b FROM " + from + ") AS row_texts";
        List<Form> forms = List.of(
                new Form("md5, row built twice (before)", true, true, r -> md5Twice.replace("{ROW}", r)),
                new Form("hash_array_extended x2 (now)", true, true, r -> now.replace("{ROW}", r)),
                new Form("hash_array_extended x2 (now)", false, true, r -> now.replace("{ROW}", r)),
                new Form("hashtextextended x2, OFFSET 0", false, true, r -> "SELECT count(*), sum(hashtextextended(t, 1))"
                        + "::text, sum(hashtextextended(t, 2))::text FROM (SELECT " + r + " AS t FROM " + from
                        + " OFFSET 0) AS row_texts"),
                new Form("hashtextextended x1 (64 bit)", true, true, r -> "SELECT count(*), sum(hashtextextended(" + r
                        + ", 1))::text FROM " + from),
                new Form("bit_xor hashtextextended (16)", true, false, r -> "SELECT count(*), bit_xor(hashtextextended("
                        + r + ", 1))::text FROM " + from),
                new Form("floor: build row text only", true, true, r -> "SELECT count(*), sum(octet_length(" + r
                        + "))::text FROM " + from),
                new Form("floor: COPY to /dev/null", true, true, r -> null));

        System.out.printf(Locale.ROOT, "[bench] plan of the checksum now (destination): %s%n",
                plan(d, now.replace("{ROW}", row)));
        Map<Form, double[]> wall = new LinkedHashMap<>();
        Map<Form, double[]> originSide = new LinkedHashMap<>();
        Map<Form, double[]> destinationSide = new LinkedHashMap<>();
        forms.forEach(f -> {
            wall.put(f, new double[ROUNDS]);
            originSide.put(f, new double[ROUNDS]);
            destinationSide.put(f, new double[ROUNDS]);
        });
        for (int round = 0; round < ROUNDS; round++) {
            for (Form f : forms) {
                String sql = f.sql().apply(row);
                long t = System.nanoTime();
                List<String[]> r = both(threads,
                        () -> f.originToo() ? timed(o, sql, f.parallel()) : new String[] {"0", "-"},
                        () -> timed(d, sql, f.parallel()));
                wall.get(f)[round] = seconds(t);
                originSide.get(f)[round] = Double.parseDouble(r.get(0)[0]);
                destinationSide.get(f)[round] = Double.parseDouble(r.get(1)[0]);
                if (f.originToo()) {
                    assertEquals(r.get(0)[1], r.get(1)[1], f.name() + ": the same result on both sides");
                }
            }
        }
        Form reference = forms.get(1);
        System.out.printf(Locale.ROOT, "[bench] checksum forms on %s (%.3f GB), both sides at once, %d rounds"
                + " interleaved; parallel = max_parallel_workers_per_gather 2 (default) or 0:%n",
                FORMS_TABLE.name(), gb, ROUNDS);
        for (Form f : forms) {
            double[] s = f.originToo() ? wall.get(f) : destinationSide.get(f);
            double ref = f.originToo() ? median(wall.get(reference)) : median(destinationSide.get(reference));
            System.out.printf(Locale.ROOT, "[bench]   %-31s %-8s min %6.2f s  median %6.2f s = %6.2f s/GB  %5.2fx now"
                    + "  (origin %.2f s, destination %.2f s)%n", f.name(), f.parallel() ? "parallel" : "serial",
                    min(s), median(s), median(s) / gb, median(s) / ref,
                    f.originToo() ? median(originSide.get(f)) : Double.NaN, median(destinationSide.get(f)));
        }
    }

    // ---- the measured operations -----------------------------------------------------------------------------

    /** Runs a form on one side; returns {seconds, result}. A null sql means the COPY floor. */
    private static String[] timed(Connection c, String sql, boolean parallel) throws Exception {
        try (Statement st = c.createStatement()) {
            st.execute("SET max_parallel_workers_per_gather = " + (parallel ? "DEFAULT" : "0"));
        }
        long t = System.nanoTime();
        String result;
        if (sql == null) {
            result = Long.toString(copy(c, FORMS_TABLE));
        } else {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                StringBuilder b = new StringBuilder();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    b.append(rs.getString(i)).append(':');
                }
                result = b.toString();
            }
        }
        double s = seconds(t);
        try (Statement st = c.createStatement()) {
            st.execute("RESET max_parallel_workers_per_gather");
        }
        return new String[] {Double.toString(s), result};
    }

    private static String countAll(Connection c) throws SQLException {
        StringBuilder counts = new StringBuilder();
        try (Statement st = c.createStatement()) {
            for (QualifiedName table : TABLES) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM ONLY " + table.sql())) {
                    rs.next();
                    counts.append(rs.getLong(1)).append(' ');
                }
            }
        }
        return counts.toString();
    }

    /** {seconds, bytes}: every table streamed by COPY (SELECT * ...) TO STDOUT into a discarding stream. */
    private static double[] copyAll(Connection c) throws Exception {
        long t = System.nanoTime();
        long bytes = 0;
        for (QualifiedName table : TABLES) {
            bytes += copy(c, table);
        }
        return new double[] {seconds(t), bytes};
    }

    private static long copy(Connection c, QualifiedName table) throws Exception {
        return c.unwrap(PGConnection.class).getCopyAPI()
                .copyOut("COPY (SELECT * FROM ONLY " + table.sql() + ") TO STDOUT", OutputStream.nullOutputStream());
    }

    // ---- setup and reporting -----------------------------------------------------------------------------------

    /** Each table's row text as verify builds it on origin (from the columns the checksum report compared). */
    private static Map<QualifiedName, String> rowTexts(VerifyReport report) {
        Map<QualifiedName, String> rows = new LinkedHashMap<>();
        for (TableResult r : report.tables()) {
            rows.put(r.table(), "ROW(" + r.compared().stream().filter(ComparedColumn::compared)
                    .map(c -> c.expression(ComparedColumn.Side.ORIGIN)).collect(Collectors.joining(", ")) + ")::text");
        }
        return rows;
    }

    private static double sizes(Connection o, Connection d) throws SQLException {
        String sql = "SELECT c.relname, pg_table_size(c.oid), pg_total_relation_size(c.oid), c.reltuples::bigint"
                + " FROM pg_catalog.pg_class c WHERE c.oid IN (" + TABLES.stream()
                        .map(t -> "'" + t.sql().replace("'", "''") + "'::regclass").collect(Collectors.joining(", "))
                + ") ORDER BY 1";
        double originGb = 0;
        for (Connection c : List.of(o, d)) {
            long table = 0;
            long total = 0;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    System.out.printf(Locale.ROOT, "[bench]   %-11s %-12s %,12d rows (reltuples)  pg_table_size %,14d B"
                            + "  pg_total_relation_size %,14d B%n", c == o ? "origin" : "destination",
                            rs.getString(1), rs.getLong(4), rs.getLong(2), rs.getLong(3));
                    table += rs.getLong(2);
                    total += rs.getLong(3);
                }
            }
            System.out.printf(Locale.ROOT, "[bench]   %-11s total        pg_table_size %,d B = %.3f GB (2^30),"
                    + " pg_total_relation_size %,d B = %.3f GB%n", c == o ? "origin" : "destination", table,
                    table / 1073741824.0, total, total / 1073741824.0);
            if (c == o) {
                originGb = table / 1073741824.0;
            }
        }
        return originGb;
    }

    private static double gb(Connection c, QualifiedName table) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT pg_table_size('" + table.sql().replace("'", "''") + "'::regclass)")) {
            rs.next();
            return rs.getLong(1) / 1073741824.0;
        }
    }

    private static String plan(Connection c, String sql) throws SQLException {
        List<String> lines = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("EXPLAIN (COSTS OFF) " + sql)) {
            while (rs.next()) {
                lines.add(rs.getString(1).trim());
            }
        }
        return String.join(" / ", lines);
    }

    private static void machine(Connection o, Connection d, PgProvider provider) throws Exception {
        String memory = Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("\\s+", " ");
        System.out.printf(Locale.ROOT, "[bench] machine: %d cpu(s), %s, kernel %s; %s provider%n",
                Runtime.getRuntime().availableProcessors(), memory, System.getProperty("os.version"), provider.name());
        for (Connection c : List.of(o, d)) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT version(),"
                    + " current_setting('shared_buffers'), current_setting('max_parallel_workers_per_gather'),"
                    + " current_setting('server_encoding')")) {
                rs.next();
                System.out.printf(Locale.ROOT, "[bench] %s: %s; shared_buffers %s, max_parallel_workers_per_gather %s,"
                        + " %s%n", c == o ? "origin" : "destination", rs.getString(1), rs.getString(2),
                        rs.getString(3), rs.getString(4));
            }
        }
    }

    private static void execute(Connection c, String script) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String statement : script.split(";\n")) {
                st.execute(statement);
            }
        }
    }

    private interface Side<T> {
        T run() throws Exception;
    }

    /** Runs both sides at once, as verify does; returns {origin's, destination's}. */
    private static <T> List<T> both(ExecutorService threads, Side<T> origin, Side<T> destination) throws Exception {
        Future<T> o = threads.submit(origin::run);
        Future<T> d = threads.submit(destination::run);
        return List.of(o.get(), d.get());
    }

    private static void bothRun(ExecutorService threads, SqlRunnable origin, SqlRunnable destination) throws Exception {
        both(threads, () -> {
            origin.run();
            return "";
        }, () -> {
            destination.run();
            return "";
        });
    }

    private interface SqlRunnable {
        void run() throws Exception;
    }

    private static Connection connect(PgServer server) throws SQLException {
        Connection c = DriverManager.getConnection(server.jdbcUrl(DATABASE), server.superuser(), server.password());
        try (Statement st = c.createStatement()) {
            for (String s : RENDERING) {
                st.execute(s);
            }
        }
        return c;
    }

    private static Cluster cluster(String role, PgServer server) {
        return new Cluster(role, Endpoint.resolve(server.uri(DATABASE)), ConnectSettings.defaults("upshift bench"));
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElse(Double.NaN);
    }

    private static double[] round2(double[] values) {
        return Arrays.stream(values).map(v -> Math.round(v * 100) / 100.0).toArray();
    }
}
