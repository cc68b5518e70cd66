package upshift.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;

/**
 * KeyRanges on a real 13 server (no TID range scan, where the callers use it): keys of any type and any number of
 * columns are cut so that every row is in exactly one range, also after rows are written around and between the
 * bounds; a table read whole is cut at its exact quantiles (so the sample is sorted as the conditions compare,
 * collations included); a table without a usable key, or a key that cannot be read, is not cut, and the caller's
 * session is left as it was.
 */
class KeyRangesTest {

    private static final int ROWS = 20_000;

    @ParameterizedTest(name = "any key is cut so that every row is in exactly one range, 13 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void everyRowIsInExactlyOneRange(PgProvider provider) throws Exception {
        try (Connection c = database(provider, "key_ranges_cut")) {
            execute(c, "CREATE TABLE t_text (k text PRIMARY KEY, v integer);"
                    + " INSERT INTO t_text SELECT CASE i % 3 WHEN 0 THEN 'key ' || md5(i::text)"
                    + " WHEN 1 THEN 'O''Brien ' || i ELSE 'Ärger \\ ' || i END, i FROM generate_series(1, " + ROWS
                    + ") i;"
                    + " CREATE TABLE t_uuid (id uuid PRIMARY KEY, v integer);"
                    + " INSERT INTO t_uuid SELECT md5(i::text)::uuid, i FROM generate_series(1, 4000) i;"
                    + " CREATE TABLE t_pair (\"Grp\" text, \"n\"\"o\" integer, v text, PRIMARY KEY (\"Grp\","
                    + " \"n\"\"o\"));"
                    + " INSERT INTO t_pair SELECT 'g' || (i % 7), i, 'v' FROM generate_series(1, 4000) i;"
                    + " CREATE TABLE t_when (day date, at timestamptz, PRIMARY KEY (day, at));"
                    + " INSERT INTO t_when SELECT date '2024-01-01' + i % 40, timestamptz '2024-01-01 00:00:00+00'"
                    + " + i * interval '17 minutes 0.25 seconds' FROM generate_series(1, 4000) i;"
                    + " CREATE TABLE t_unique (code text NOT NULL, v integer);"
                    + " CREATE UNIQUE INDEX t_unique_code ON t_unique (code DESC);"
                    + " INSERT INTO t_unique SELECT 'c' || i, i FROM generate_series(1, 4000) i;"
                    + " CREATE TABLE t_skewed (id bigint PRIMARY KEY);"
                    + " INSERT INTO t_skewed SELECT i FROM generate_series(1, 3999) i UNION ALL SELECT 1000000000000;"
                    + " CREATE TABLE t_keyless (a text UNIQUE, b integer NOT NULL, c text NOT NULL);"
                    + " CREATE UNIQUE INDEX t_keyless_b ON t_keyless (b) WHERE b > 0;"
                    + " CREATE UNIQUE INDEX t_keyless_c ON t_keyless (lower(c));"
                    + " INSERT INTO t_keyless SELECT 'a' || i, i, 'c' || i FROM generate_series(1, 4000) i;"
                    + " CREATE TABLE t_float (x double precision PRIMARY KEY, d interval NOT NULL);"
                    + " INSERT INTO t_float SELECT i / 3.0 + 1e-9 * i, i * interval '-1 day 3 hours 0.5 seconds'"
                    + " FROM generate_series(1, 4000) i;"
                    + " ANALYZE");
            // a session of its own time zone, whose floats would not read back exactly as it renders them
            execute(c, "SET TimeZone = 'Asia/Kolkata'; SET extra_float_digits = 0; SET IntervalStyle = 'sql_standard'");
            Map<String, List<String>> cut = new HashMap<>();
            for (String t : List.of("t_text", "t_uuid", "t_pair", "t_when", "t_unique", "t_float")) {
                List<String> ranges = KeyRanges.conditions(c, table(t), 4, sql -> {
                });
                cut.put(t, ranges);
                assertEquals(4, ranges.size(), t + ": " + ranges);
                assertExactlyOnce(c, t, ranges);
                // read whole, the key is cut at its exact quantiles: the conditions compare as the sample sorted
                long rows = count(c, t, "true");
                for (String range : ranges) {
                    long n = count(c, t, range);
                    assertTrue(Math.abs(n - rows / 4.0) <= 1, t + ": " + n + " of " + rows + " rows in " + range);
                }
            }
            // rows written after the bounds were read: before the first, after the last, between
            execute(c, "INSERT INTO t_text VALUES ('', 0), ('~~~~', 0), ('key 8', 0), ('ÿ', 0);"
                    + " INSERT INTO t_pair VALUES ('', -1, 'x'), ('g3', -5, 'x'), ('zz', 1, 'x');"
                    + " INSERT INTO t_when VALUES ('1999-12-31', now()), ('2024-01-20', '-infinity'), ('infinity', now())");
            for (String t : List.of("t_text", "t_pair", "t_when")) {
                assertExactlyOnce(c, t, cut.get(t));
            }

            List<String> skewed = KeyRanges.conditions(c, table("t_skewed"), 4, sql -> {
            });
            assertTrue(skewed.size() > 1 && skewed.get(0).startsWith("\"id\" < "), "an integer key is cut evenly"
                    + " between min and max, without a sample: " + skewed);
            assertExactlyOnce(c, "t_skewed", skewed);

            List<String> statements = new ArrayList<>();
            assertEquals(List.of(), KeyRanges.conditions(c, table("t_keyless"), 4, statements::add),
                    "nullable, partial and expression indexes are no key");
            assertEquals(1, statements.size(), "only the key was looked for: " + statements);
            assertEquals("0", show(c, "extra_float_digits"), "the session's settings are its own again");
            assertEquals("Asia/Kolkata", show(c, "TimeZone"));
            assertTrue(c.getAutoCommit());
        }
    }

    @ParameterizedTest(name = "a large table's key is sampled by pages, 13 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void aLargeTableIsSampled(PgProvider provider) throws Exception {
        try (Connection c = database(provider, "key_ranges_sample")) {
            execute(c, "CREATE TABLE t_sampled (k text, n integer, PRIMARY KEY (k, n));"
                    + " INSERT INTO t_sampled SELECT md5(i::text), i FROM generate_series(1, " + ROWS + ") i");
            execute(c, "VACUUM ANALYZE t_sampled");
            List<String> statements = new ArrayList<>();
            List<String> ranges = KeyRanges.conditions(c, table("t_sampled"), 4, statements::add,
                    new KeyRanges.Sampling(1, 10, 2));
            assertTrue(statements.stream().anyMatch(s -> s.contains(" TABLESAMPLE SYSTEM (")), statements.toString());
            assertEquals(4, ranges.size(), ranges.toString());
            assertExactlyOnce(c, "t_sampled", ranges);
            for (String range : ranges) {
                assertTrue(count(c, "t_sampled", range) > 0, "a sample of pages still gives every range rows: "
                        + range);
            }
        }
    }

    @ParameterizedTest(name = "a column's collation, non-default, is the one the conditions and the sample use, 13 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void theColumnsCollationOrdersTheRanges(PgProvider provider) throws Exception {
        try (Connection c = database(provider, "key_ranges_collation")) {
            // the database's default is C (upper case first); the key's collation puts a before B
            execute(c, "CREATE TABLE t_icu (k text COLLATE \"en-x-icu\" PRIMARY KEY);"
                    + " INSERT INTO t_icu SELECT chr(ascii(l) + u) || i FROM generate_series(1, 2000) i,"
                    + " unnest(ARRAY['a', 'b', 'm', 'y']) l, unnest(ARRAY[0, -32]) u;"
                    + " CREATE TABLE t_index_collation (k text NOT NULL);"
                    + " CREATE UNIQUE INDEX t_index_collation_k ON t_index_collation (k COLLATE \"en-x-icu\");"
                    + " INSERT INTO t_index_collation SELECT k FROM t_icu; ANALYZE");
            // the claim the conditions rest on: a literal without COLLATE compares in the column's collation
            long implicit = count(c, "t_icu", "k < 'b'::text");
            assertEquals(count(c, "t_icu", "k < 'b'::text COLLATE \"en-x-icu\""), implicit);
            assertNotEquals(count(c, "t_icu", "k < 'b'::text COLLATE \"C\""), implicit);
            for (String t : List.of("t_icu", "t_index_collation")) {
                List<String> ranges = KeyRanges.conditions(c, table(t), 4, sql -> {
                });
                assertEquals(4, ranges.size(), ranges.toString());
                assertTrue(ranges.get(0).contains("COLLATE \"pg_catalog\".\"en-x-icu\""), ranges.get(0));
                assertExactlyOnce(c, t, ranges);
                for (String range : ranges) {
                    assertEquals(4000, count(c, t, range), t + ": exact quantiles in the key's order: " + range);
                }
            }
        }
    }

    @ParameterizedTest(name = "a failure gives no ranges and leaves the caller's transaction usable, 13 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void aFailureGivesNoRanges(PgProvider provider) throws Exception {
        try (Connection c = database(provider, "key_ranges_failure")) {
            execute(c, "CREATE TABLE t_secret (k text PRIMARY KEY);"
                    + " INSERT INTO t_secret SELECT 'k' || i FROM generate_series(1, 1000) i;"
                    + " DROP ROLE IF EXISTS key_ranges_nobody; CREATE ROLE key_ranges_nobody");
            c.setAutoCommit(false);
            try {
                execute(c, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; SET LOCAL extra_float_digits = 1;"
                        + " SET LOCAL ROLE key_ranges_nobody");
                List<String> statements = new ArrayList<>();
                assertEquals(List.of(), KeyRanges.conditions(c, table("t_secret"), 4, statements::add),
                        "no permission to read the key's values: no ranges");
                assertTrue(statements.stream().anyMatch(s -> s.contains("ntile")), "the sample was tried: "
                        + statements);
                assertEquals("1", show(c, "extra_float_digits"), "the transaction goes on, as it was");
                assertEquals("key_ranges_nobody", show(c, "role"));
                assertFalse(c.getAutoCommit());
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }

    @ParameterizedTest(name = "a lost session is thrown, not taken for a table without ranges, 13 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void aLostSessionIsThrown(PgProvider provider) throws Exception {
        try (Connection c = database(provider, "key_ranges_lost");
             Connection killer = DriverManager.getConnection(Providers.shared(provider, 13).jdbcUrl("key_ranges_lost"),
                     Providers.shared(provider, 13).superuser(), Providers.shared(provider, 13).password())) {
            execute(c, "CREATE TABLE t_lost (k text PRIMARY KEY); INSERT INTO t_lost SELECT 'k' || i"
                    + " FROM generate_series(1, 100) i");
            long pid;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getLong(1);
            }
            assertThrows(SQLException.class, () -> KeyRanges.conditions(c, table("t_lost"), 4, sql -> {
                if (sql.contains("ntile")) {
                    try {
                        execute(killer, "SELECT pg_terminate_backend(" + pid + ")");
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }));
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** Every row in exactly one of the ranges, and the ranges' counts add up to the table's. */
    private static void assertExactlyOnce(Connection c, String t, List<String> ranges) throws SQLException {
        List<String> in = ranges.stream().map(r -> "(" + r + ")::integer").toList();
        assertEquals(0, count(c, t, "(" + String.join(" + ", in) + ") <> 1"), t + ": rows in none or several of "
                + ranges);
        long sum = 0;
        for (String range : ranges) {
            sum += count(c, t, range);
        }
        assertEquals(count(c, t, "true"), sum, t + ": the ranges' counts add up");
    }

    private static long count(Connection c, String t, String where) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM ONLY "
                + Sql.qualified("public", t) + " WHERE " + where)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String show(Connection c, String setting) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static QualifiedName table(String name) {
        return new QualifiedName("public", name);
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static Connection database(PgProvider provider, String db) throws SQLException {
        PgServer server = Providers.shared(provider, 13);
        server.createDatabase(db);
        return DriverManager.getConnection(server.jdbcUrl(db), server.superuser(), server.password());
    }
}
