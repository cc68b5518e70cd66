package upshift.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.report.Output;
import upshift.sql.QualifiedName;
import upshift.testing.Run;

/**
 * The generator on a schema it was not written for (tests/resources/rehearse/types-old.sql, after PostgreSQL's
 * 002_types.pl plus keys and constraints): every table but the one whose CHECK no generated value passes gets its
 * rows, in foreign-key order, with the cycle and the self-reference filled afterwards; large values go over the TOAST
 * threshold; what it could not satisfy is reported by table; the same seed gives the same data, another seed other
 * data.
 */
class DataGeneratorTest {

    static final Path FIXTURE = Run.checkout().resolve("tests/resources/rehearse/types-old.sql");

    static Stream<PgProvider> providers() {
        return Providers.selected().stream();
    }

    @ParameterizedTest(name = "generated data for the 002_types fixture [{0}]")
    @MethodSource("providers")
    void fillsEveryTableItCanAndReportsTheRest(PgProvider provider) throws Exception {
        PgServer server = Providers.shared(provider, 13);
        DataGenerator.Result first = load(server, "gen_a", 7, 300);
        Map<String, DataGenerator.TableResult> byTable = new LinkedHashMap<>();
        first.tables().forEach(t -> byTable.put(t.table().toString(), t));
        first.tables().forEach(t -> System.out.println(t));

        DataGenerator.TableResult unsatisfiable = byTable.get("public.rt_unsatisfiable");
        assertEquals(0, unsatisfiable.inserted(), unsatisfiable.toString());
        assertTrue(unsatisfiable.problems().stream().anyMatch(p -> p.contains("rt_unsatisfiable_code_check")),
                unsatisfiable.toString());
        // an enum key holds five values: five rows, and the cap is reported
        assertEquals(5, byTable.get("public.rt_colors").inserted());
        assertTrue(byTable.get("public.rt_colors").problems().stream().anyMatch(p -> p.contains("distinct values")));
        // an exclusion constraint (no two spans overlap) is filled like a unique key: every row, no retry
        DataGenerator.TableResult spans = byTable.get("public.rt_spans");
        assertEquals(spans.requested(), spans.inserted(), spans.toString());
        assertTrue(spans.problems().isEmpty(), spans.toString());
        for (DataGenerator.TableResult t : first.tables()) {
            if (!t.table().toString().equals("public.rt_unsatisfiable") && !t.table().toString().equals("public.rt_colors")) {
                assertTrue(t.inserted() > 0, t.toString());
            }
        }
        try (Connection c = connect(server, "gen_a")) {
            assertEquals(byTable.get("public.rt_order").inserted(), count(c, "SELECT count(*) FROM rt_order"));
            // the cycle and the self-reference were filled after loading
            assertTrue(count(c, "SELECT count(*) FROM rt_department WHERE manager_id IS NOT NULL") > 0);
            assertTrue(count(c, "SELECT count(*) FROM rt_customer WHERE referred_by IS NOT NULL") > 0);
            // some values are TOASTed, of text, bytea and jsonb
            assertTrue(count(c, "SELECT count(*) FROM rt_customer WHERE octet_length(notes) > 2048") > 0);
            assertTrue(count(c, "SELECT count(*) FROM rt_customer WHERE octet_length(avatar) > 2048") > 0);
            // CHECKs that random values rarely pass are passed by retries: rows went in
            assertTrue(count(c, "SELECT count(*) FROM rt_order WHERE discount IS NOT NULL") > 0);
        }
        DataGenerator.Result same = load(server, "gen_b", 7, 300);
        DataGenerator.Result other = load(server, "gen_c", 8, 300);
        assertEquals(outcomes(first), outcomes(same));
        for (String table : List.of("rt_customer", "rt_mixes", "rt_spans", "rt_order")) {
            assertEquals(checksum(server, "gen_a", table), checksum(server, "gen_b", table), table);
            assertNotEquals(checksum(server, "gen_a", table), checksum(server, "gen_c", table), table);
        }
    }

    @ParameterizedTest(name = "--rows per table and --stats-from proportions [{0}]")
    @MethodSource("providers")
    void rowCountsFromRowsAndStatistics(PgProvider provider) throws Exception {
        List<QualifiedName> tables = List.of(new QualifiedName("public", "a"), new QualifiedName("s", "b"),
                new QualifiedName("public", "c"));
        Map<QualifiedName, Long> rows = RowCounts.parse("1000, s.b=7").resolve(tables, RowCounts.Stats.NONE, 0);
        assertEquals(Map.of(tables.get(0), 500L, tables.get(1), 7L, tables.get(2), 500L), rows);
        RowCounts.Stats stats = new RowCounts.Stats(Map.of(tables.get(0), 900L, tables.get(1), 100L,
                tables.get(2), 0L), Map.of());
        assertEquals(Map.of(tables.get(0), 90L, tables.get(1), 10L, tables.get(2), 0L),
                RowCounts.parse("100").resolve(tables, stats, 0));
        assertEquals(Map.of(tables.get(0), 900L, tables.get(1), 100L, tables.get(2), 0L),
                RowCounts.parse(null).resolve(tables, stats, 5));
        assertEquals(Map.of(tables.get(0), 0L, tables.get(1), 0L, tables.get(2), 0L),
                RowCounts.parse("0").resolve(tables, RowCounts.Stats.NONE, 5));
        assertEquals(Map.of(tables.get(0), 12L, tables.get(1), 1000L, tables.get(2), 12L),
                RowCounts.parse("s.b=1_000,25").resolve(tables, RowCounts.Stats.NONE, 5));
        assertThrows(upshift.UpshiftException.class, () -> RowCounts.parse("a=lots"));

        PgServer server = Providers.shared(provider, 13);
        server.createDatabase("gen_stats");
        try (Connection c = connect(server, "gen_stats"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE big (id int PRIMARY KEY, t text); CREATE TABLE small (id int PRIMARY KEY);"
                    + " INSERT INTO big SELECT g, repeat('x', 40) FROM generate_series(1, 3000) g;"
                    + " INSERT INTO small SELECT generate_series(1, 30); ANALYZE");
            RowCounts.Stats read = RowCounts.readStats(c);
            assertEquals(3000L, read.rows().get(new QualifiedName("public", "big")));
            assertEquals(41, read.width(new QualifiedName("public", "big"), "t"));
        }
    }

    static DataGenerator.Result load(PgServer server, String database, long seed, long total) throws Exception {
        server.createDatabase(database);
        try (Connection c = connect(server, database); Statement st = c.createStatement()) {
            st.execute(Files.readString(FIXTURE));
            SchemaModel model = SchemaModel.read(c);
            Map<QualifiedName, Long> rows = RowCounts.parse(null).resolve(model.tables().keySet(),
                    RowCounts.Stats.NONE, total * model.tables().size());
            Output quiet = new Output(System.out, System.err, false, false);
            return new DataGenerator(c, model, seed, RowCounts.Stats.NONE, quiet).fill(rows);
        }
    }

    /** What each table got, without the timings. */
    static List<String> outcomes(DataGenerator.Result result) {
        return result.tables().stream().map(t -> t.table() + " " + t.requested() + " " + t.inserted() + " "
                + t.skipped() + " " + t.problems()).toList();
    }

    static String checksum(PgServer server, String database, String table) throws SQLException {
        try (Connection c = connect(server, database); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM "
                     + table + " t")) {
            rs.next();
            return rs.getString(1);
        }
    }

    static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static Connection connect(PgServer server, String database) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(database), server.superuser(), server.password());
    }
}
