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
import upshift.schema.AcceptedLossy;
import upshift.sql.QualifiedName;
import upshift.verify.ComparedColumn;
import upshift.verify.TableQuery;
import upshift.verify.TableResult;
import upshift.verify.Verification;
import upshift.verify.VerifyReport;

/**
 * verify --checksum before and after issue 12, on the same data, 13 -> 16, interleaved round by round:
 * <ul>
 * <li><b>today</b> (the baseline, kept here as it was): each row's text hashed twice, {@code
 * hash_array_extended(ARRAY[convert_to(row, 'UTF8')], 1)} and {@code (..., 2)} over an {@code unnest} subquery,
 * one session per side, table by table ({@link #TODAY});</li>
 * <li><b>new</b>: {@code Verification.run(..., jobs)}: one 64-bit hash per row ({@code hashtextextended} when both
 * sides are UTF8), with 1 session per side and with {@code upshift.bench.verify.jobs} sessions per side (range
 * splits, one exported snapshot per side);</li>
 * <li>counts and the floor ({@code count(*)}, COPY to a discarding stream), both sides at once.</li>
 * </ul>
 * Then the candidate row-hash forms side by side on one table. The data is the shape by default: pgbench
 * {@code -i} at scale {@code upshift.bench.verify.scale} (default 100: 10M accounts, about 1.3 GB), generated on
 * both servers the way pgbench's server-side generation does it; {@code -Dupshift.bench.verify.data=shop} loads
 * the shop tables instead (scale 5: about 1 GB). Asserts only correctness (every verify equal on both sides, the
 * baseline equal too, every form the same on both sides). Runs with {@code mvn -Pbench verify}, never in the normal
 * test run.
 */
class VerifyBench {

    private static final String DATABASE = "bench_verify";
    private static final int ROUNDS = Integer.getInteger("upshift.bench.verify.rounds", 3);
    private static final int JOBS = Integer.getInteger("upshift.bench.verify.jobs", 4);
    private static final boolean PGBENCH = System.getProperty("upshift.bench.verify.data", "pgbench")
            .equals("pgbench");
    private static final double SCALE = Double.parseDouble(System.getProperty("upshift.bench.verify.scale",
            PGBENCH ? "100" : "5"));
    private static final List<QualifiedName> TABLES = PGBENCH
            ? List.of(new QualifiedName("public", "pgbench_accounts"), new QualifiedName("public", "pgbench_branches"),
                    new QualifiedName("public", "pgbench_tellers"), new QualifiedName("public", "pgbench_history"))
            : List.of(new QualifiedName("public", "customers"), new QualifiedName("public", "orders"),
                    new QualifiedName("public", "order_lines"));
    /** The forms run on a tenth of the largest table (pgbench), or on customers (shop). */
    private static final QualifiedName FORMS_TABLE = PGBENCH ? new QualifiedName("public", "forms_sample")
            : TABLES.get(0);

    /**
     * TODAY'S FORM, THE BASELINE (TableQuery.checksumSql before issue 12's verify part), kept as it was: the row text
     * built once in an unnest subquery, hashed under two seeds, summed. {ROW} is the row text, {FROM} the table.
     */
    static final String TODAY = "SELECT count(*) AS row_count,"
            + " coalesce(sum(hash_array_extended(ARRAY[row_bytes], 1)), 0)::text AS sum1,"
            + " coalesce(sum(hash_array_extended(ARRAY[row_bytes], 2)), 0)::text AS sum2"
            + " FROM (SELECT unnest(ARRAY[convert_to({ROW}, 'UTF8')]) AS row_bytes FROM {FROM}) AS row_texts";

    /** The rendering settings verify uses (Verification.SESSION), so the forms render as verify does. */
    private static final List<String> RENDERING = List.of("SET TimeZone = 'UTC'", "SET DateStyle = 'ISO, YMD'",
            "SET IntervalStyle = 'postgres'", "SET extra_float_digits = 3", "SET bytea_output = 'hex'",
            "SET statement_timeout = 0");

    /** pgbench -i's tables and rows (server-side generation), then a tenth of the accounts for the forms. */
    private static final String PGBENCH_SCHEMA = """
            CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22));
            CREATE TABLE pgbench_tellers (tid int NOT NULL, bid int, tbalance int, filler char(84));
            CREATE TABLE pgbench_accounts (aid int NOT NULL, bid int, abalance int, filler char(84));
            CREATE TABLE pgbench_branches (bid int NOT NULL, bbalance int, filler char(88));
            INSERT INTO pgbench_branches (bid, bbalance) SELECT bid, 0 FROM generate_series(1, {SCALE}) AS bid;
            INSERT INTO pgbench_tellers (tid, bid, tbalance)
              SELECT tid, (tid - 1) / 10 + 1, 0 FROM generate_series(1, {TELLERS}) AS tid;
            INSERT INTO pgbench_accounts (aid, bid, abalance, filler)
              SELECT aid, (aid - 1) / 100000 + 1, 0, '' FROM generate_series(1, {ACCOUNTS}) AS aid;
            ALTER TABLE pgbench_branches ADD PRIMARY KEY (bid);
            ALTER TABLE pgbench_tellers ADD PRIMARY KEY (tid);
            ALTER TABLE pgbench_accounts ADD PRIMARY KEY (aid);
            CREATE TABLE forms_sample AS SELECT * FROM pgbench_accounts WHERE aid <= {ACCOUNTS} / 10;
            ALTER TABLE forms_sample ADD PRIMARY KEY (aid);
            VACUUM ANALYZE""";

    /** The shop tables (-Dupshift.bench.verify.data=shop). */
    private static final String SHOP_SCHEMA = """
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
    void todayAgainstNew() throws Exception {
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
            String schema = PGBENCH
                    ? PGBENCH_SCHEMA.replace("{SCALE}", Long.toString(Math.round(SCALE)))
                            .replace("{TELLERS}", Long.toString(Math.round(10 * SCALE)))
                            .replace("{ACCOUNTS}", Long.toString(Math.round(100_000 * SCALE)))
                    : SHOP_SCHEMA.replace("{CUSTOMERS}", Long.toString(Math.round(125_000 * SCALE)))
                            .replace("{ORDERS}", Long.toString(Math.round(500_000 * SCALE)))
                            .replace("{LINES}", Long.toString(Math.round(1_500_000 * SCALE)));
            bothRun(threads, () -> execute(o, schema), () -> execute(d, schema));
            System.out.printf(Locale.ROOT, "[bench] loaded the same data into both sides in %.0f s (%s, scale %s)%n",
                    (System.nanoTime() - t) / 1e9, PGBENCH ? "pgbench -i shape" : "shop", SCALE);
            double gb = sizes(o, d);
            System.out.printf(Locale.ROOT, "[bench] load average before: %s%n", loadAverage());

            // ---- verify: today's form, the new one with 1 and JOBS sessions, counts, the floor; interleaved --------
            String newN = "new, --jobs " + JOBS;
            Map<String, double[]> wall = new LinkedHashMap<>();
            for (String k : List.of("today (baseline)", "new, --jobs 1", newN, "counts (new, --jobs 1)",
                    "floor: count(*)", "floor: COPY to /dev/null")) {
                wall.put(k, new double[ROUNDS]);
            }
            VerifyReport checksums = null;
            VerifyReport parallel = null;
            Map<QualifiedName, String> rows = null;
            for (int round = 0; round < ROUNDS; round++) {
                t = System.nanoTime();
                checksums = Verification.run(origin, destination, TABLES, true);
                wall.get("new, --jobs 1")[round] = seconds(t);
                assertTrue(checksums.equal(), checksums.summary());
                for (TableResult r : checksums.tables()) {
                    assertNotNull(r.originChecksum(), r.table() + " was checksummed");
                }
                if (rows == null) {
                    rows = rowTexts(checksums);
                }

                Map<QualifiedName, String> texts = rows;
                t = System.nanoTime();
                List<String> today = both(threads, () -> today(o, texts), () -> today(d, texts));
                wall.get("today (baseline)")[round] = seconds(t);
                assertEquals(today.get(0), today.get(1), "today's form: the same sums on both sides");

                t = System.nanoTime();
                parallel = Verification.run(origin, destination, TABLES, true, AcceptedLossy.NONE,
                        Verification.Listener.NONE, JOBS);
                wall.get(newN)[round] = seconds(t);
                assertTrue(parallel.equal(), parallel.summary());
                for (int i = 0; i < TABLES.size(); i++) {
                    assertEquals(checksums.tables().get(i).originChecksum(), parallel.tables().get(i).originChecksum(),
                            "ranges over " + JOBS + " sessions give the table's digest of one session");
                }

                t = System.nanoTime();
                VerifyReport counts = Verification.run(origin, destination, TABLES, false);
                wall.get("counts (new, --jobs 1)")[round] = seconds(t);
                assertTrue(counts.equal(), counts.summary());

                t = System.nanoTime();
                List<String> n = both(threads, () -> countAll(o), () -> countAll(d));
                wall.get("floor: count(*)")[round] = seconds(t);
                assertEquals(n.get(0), n.get(1));

                t = System.nanoTime();
                List<double[]> copied = both(threads, () -> copyAll(o), () -> copyAll(d));
                wall.get("floor: COPY to /dev/null")[round] = seconds(t);
                assertEquals(copied.get(0)[1], copied.get(1)[1], "both sides stream the same number of bytes");
                System.out.printf(Locale.ROOT, "[bench]   round %d done, load average %s%n", round + 1, loadAverage());
            }
            System.out.printf(Locale.ROOT, "[bench] verify --checksum of %d tables, %.3f GB (pg_table_size, origin),"
                    + " both sides at once; %d rounds interleaved:%n", TABLES.size(), gb, ROUNDS);
            double reference = median(wall.get("today (baseline)"));
            wall.forEach((name, s) -> System.out.printf(Locale.ROOT,
                    "[bench]   %-26s min %7.2f s  median %7.2f s  = %6.2f s/GB  %5.2fx faster than today  rounds %s%n",
                    name, min(s), median(s), median(s) / gb, reference / median(s), Arrays.toString(round2(s))));
            System.out.printf(Locale.ROOT, "[bench]   ratio today / new --jobs 1 = %.2fx; today / new --jobs %d ="
                    + " %.2fx%n", reference / median(wall.get("new, --jobs 1")), JOBS, reference / median(wall.get(newN)));
            for (TableResult r : parallel.tables()) {
                System.out.printf(Locale.ROOT, "[bench]   last --jobs %d round: %-20s %,11d rows  origin %.2f s"
                        + "  destination %.2f s%n", JOBS, r.table().name(), r.originRows(), r.originSeconds(),
                        r.destinationSeconds());
            }
            System.out.printf(Locale.ROOT, "[bench] plan of one range on destination: %s%n",
                    plan(d, "SELECT count(*) FROM ONLY " + TABLES.get(0).sql() + " WHERE ctid >= '(10,0)'::tid"
                            + " AND ctid < '(20,0)'::tid"));

            // ---- checksum forms on one table -------------------------------------------------------------------
            VerifyReport sample = Verification.run(origin, destination, List.of(FORMS_TABLE), true);
            assertTrue(sample.equal(), sample.summary());
            forms(threads, o, d, sample.tables().get(0).compared(), gb(o, FORMS_TABLE));
            System.out.printf(Locale.ROOT, "[bench] load average after: %s%n", loadAverage());
        } finally {
            threads.shutdownNow();
        }
    }

    private void forms(ExecutorService threads, Connection o, Connection d, List<ComparedColumn> columns, double gb)
            throws Exception {
        String from = "ONLY " + FORMS_TABLE.sql();
        String row = "ROW(" + columns.stream().filter(ComparedColumn::compared)
                .map(c -> c.expression(ComparedColumn.Side.ORIGIN)).collect(Collectors.joining(", ")) + ")::text";
        String md5Twice = "SELECT count(*), sum(('x' || substr(h, 1, 15))::bit(60)::bigint)::text,"
                + " sum(('x' || substr(h, 16, 15))::bit(60)::bigint)::text FROM (SELECT md5(convert_to({ROW}, 'UTF8'))"
                + " AS h FROM " + from + ") AS row_hashes";
        String today = TODAY.replace("{FROM}", from);
        // the new forms as verify writes them (both sides render alike here: the same types); {ROW} above is the row
        // as today's form builds it (every column through its ::text rendering)
        String utf8Text = new TableQuery(FORMS_TABLE, false, columns, ComparedColumn.Side.ORIGIN,
                TableQuery.RowHash.UTF8_TEXT, null).sql();
        String utf8Bytes = new TableQuery(FORMS_TABLE, false, columns, ComparedColumn.Side.ORIGIN,
                TableQuery.RowHash.UTF8_BYTES, null).sql();
        List<Form> forms = List.of(
                new Form("today: hash_array_extended x2, unnest (baseline)", true, true, r -> today.replace("{ROW}", r)),
                new Form("md5, row built twice (before issue 10)", true, true, r -> md5Twice.replace("{ROW}", r)),
                new Form("hash_array_extended x1 (new, any encodings)", true, true, r -> utf8Bytes),
                new Form("hashtextextended COLLATE C x1 (new, UTF8)", true, true, r -> utf8Text),
                new Form("hashtextextended COLLATE C x1, ::text per column", true, true, r -> "SELECT count(*),"
                        + " sum(hashtextextended((" + r + ") COLLATE \"C\", 1))::text FROM " + from),
                new Form("hashtextextended x1, no COLLATE", true, true, r -> "SELECT count(*), sum(hashtextextended("
                        + r + ", 1))::text FROM " + from),
                new Form("hashtextextended x2, no array", true, true, r -> "SELECT count(*), sum(hashtextextended(t,"
                        + " 1))::text, sum(hashtextextended(t, 2))::text FROM (SELECT unnest(ARRAY[" + r + "]) AS t"
                        + " FROM " + from + ") AS row_texts"),
                new Form("floor: build row text only", true, true, r -> "SELECT count(*), sum(octet_length(" + r
                        + "))::text FROM " + from),
                new Form("floor: COPY to /dev/null", true, true, r -> null));

        System.out.printf(Locale.ROOT, "[bench] plan of the new checksum (destination): %s%n", plan(d, utf8Text));
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
        Form reference = forms.get(0);
        System.out.printf(Locale.ROOT, "[bench] checksum forms on %s (%.3f GB), both sides at once, %d rounds"
                + " interleaved, max_parallel_workers_per_gather 2 (default):%n", FORMS_TABLE.name(), gb, ROUNDS);
        for (Form f : forms) {
            double[] s = wall.get(f);
            double ref = median(wall.get(reference));
            System.out.printf(Locale.ROOT, "[bench]   %-50s min %6.2f s  median %6.2f s = %6.2f s/GB  %5.2fx faster"
                    + " than today  (origin %.2f s, destination %.2f s)%n", f.name(), min(s), median(s),
                    median(s) / gb, ref / median(s), median(originSide.get(f)), median(destinationSide.get(f)));
        }
    }

    /** Today's form, one session, table by table in one REPEATABLE READ transaction; "count:sum1:sum2 ..." */
    private static String today(Connection c, Map<QualifiedName, String> rows) throws SQLException {
        StringBuilder result = new StringBuilder();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            for (QualifiedName table : TABLES) {
                try (ResultSet rs = st.executeQuery(TODAY.replace("{ROW}", rows.get(table))
                        .replace("{FROM}", "ONLY " + table.sql()))) {
                    rs.next();
                    result.append(rs.getLong(1)).append(':').append(rs.getString(2)).append(':')
                            .append(rs.getString(3)).append(' ');
                }
            }
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
        return result.toString();
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
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
