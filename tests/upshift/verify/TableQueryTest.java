package upshift.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.schema.Column;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;
import upshift.verify.TableQuery.RowHash;

/**
 * The checksum's aggregation ({@link TableQuery#checksumSql}): each row's text hashed once with a 64-bit hash, in
 * either spelling ({@link RowHash}): the same hash on every major version 13 to 18; the portable spelling the same
 * in a LATIN1 database as in a UTF8 one; the UTF8 spelling hashing the very same bytes; and any change of the
 * multiset of rows shows, in both.
 */
class TableQueryTest {

    private static final String DATABASE = "table_query_hash";
    private static final String LATIN1_DATABASE = "table_query_hash_latin1";

    /** Texts LATIN1 can hold too: accents, sharp s, quotes and delimiters, blanks, an empty string. */
    private static final List<String> LATIN1_TEXTS = List.of("plain", "héllo wörld", "Straße", "ÅÆØ åæø ÿ",
            "comma, \"quote\" (paren)", "  two blanks", "", "a\\b", "ç'est", "ñ");

    /** Texts only UTF-8 holds. */
    private static final List<String> UTF8_TEXTS = List.of("東京", "Łódź", "😀 emoji", "€ 12,50", "Ελληνικά");

    /** The rows as verify renders them: a record of the columns' text. */
    private static final String ROW_TEXT = "ROW(id::text, txt)::text";

    @Test
    void eachRowIsHashedOnceWithOneHash() {
        String bytes = TableQuery.checksumSql(RowHash.UTF8_BYTES, "ROW(\"a\"::text)::text", "ONLY \"s\".\"t\"");
        assertEquals("SELECT count(*) AS row_count, coalesce(sum(hash_array_extended(ARRAY[convert_to("
                + "ROW(\"a\"::text)::text, 'UTF8')], 1)), 0)::text AS row_hash_sum FROM ONLY \"s\".\"t\"", bytes);
        String text = TableQuery.checksumSql(RowHash.UTF8_TEXT, "ROW(\"a\"::text)::text", "ONLY \"s\".\"t\"");
        assertEquals("SELECT count(*) AS row_count, coalesce(sum(hashtextextended((ROW(\"a\"::text)::text)"
                + " COLLATE \"C\", 1)), 0)::text AS row_hash_sum FROM ONLY \"s\".\"t\"", text);
        for (String sql : List.of(bytes, text)) {
            assertEquals(1, occurrences(sql, "ROW(\"a\"::text)::text"), "the row text is built once per row: " + sql);
            assertFalse(sql.contains("bit_xor"), "bit_xor does not exist before 14 and cancels duplicate rows");
            assertFalse(sql.contains("OFFSET"), "OFFSET 0 would rule out a parallel plan");
        }
        assertFalse(text.contains("convert_to") || text.contains("ARRAY"), "no conversion, no array: " + text);

        assertEquals(RowHash.UTF8_TEXT, RowHash.forEncodings("UTF8", "UTF8"));
        assertEquals(RowHash.UTF8_BYTES, RowHash.forEncodings("LATIN1", "UTF8"));
        assertEquals(RowHash.UTF8_BYTES, RowHash.forEncodings("UTF8", "SQL_ASCII"));
        assertEquals(RowHash.UTF8_BYTES, RowHash.forEncodings(null, "UTF8"), "unknown: the portable spelling");

        List<ComparedColumn> columns = List.of(
                ComparedColumn.of(column("Id", "integer", "int4"), column("Id", "bigint", "int8")),
                ComparedColumn.of(column("Memo", "text", "text"), column("Memo", "text", "text")));
        QualifiedName invoice = new QualifiedName("Billing", "Invoice");
        for (RowHash hash : RowHash.values()) {
            for (ComparedColumn.Side side : ComparedColumn.Side.values()) {
                String row = "ROW(" + columns.get(0).recordExpression(side) + ", "
                        + columns.get(1).recordExpression(side) + ")::text";
                assertEquals("ROW(\"Id\", \"Memo\")::text", row, "integers and text go in as they are");
                assertEquals(TableQuery.checksumSql(hash, row, "ONLY \"Billing\".\"Invoice\""),
                        new TableQuery(invoice, false, columns, side, hash, null).sql(), side.toString());
                assertEquals(TableQuery.checksumSql(hash, row, "\"Billing\".\"Invoice\""),
                        new TableQuery(invoice, true, columns, side, hash, null).sql(),
                        "a partitioned table is read through its root");
                assertEquals(TableQuery.checksumSql(hash, row, "ONLY \"Billing\".\"Invoice\" WHERE \"Id\" >= 5"),
                        new TableQuery(invoice, false, columns, side, hash, null).inRange("\"Id\" >= 5").sql());
            }
        }
    }

    @ParameterizedTest(name = "the row hash is the same on 13 to 18, and in LATIN1 as in UTF8 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void sameOnEveryVersionAndEncoding(PgProvider provider) throws Exception {
        Map<String, String> first = new LinkedHashMap<>();
        for (int major = 13; major <= 18; major++) {
            PgServer server = Providers.shared(provider, major);
            server.createDatabase(DATABASE);
            try (Connection c = connect(server, DATABASE)) {
                for (RowHash hash : RowHash.values()) {
                    for (List<String> texts : List.of(LATIN1_TEXTS, UTF8_TEXTS)) {
                        String key = hash + " " + (texts == LATIN1_TEXTS ? "accented" : "non-Latin");
                        String sums = checksum(c, hash, texts);
                        first.putIfAbsent(key, sums);
                        assertEquals(first.get(key), sums, key + " texts hash the same on 13 and " + major);
                    }
                }
            }
        }
        String latin1 = first.get(RowHash.UTF8_BYTES + " accented");
        assertTrue(latin1.startsWith(LATIN1_TEXTS.size() + ":"), latin1);
        assertNotEquals(latin1, first.get(RowHash.UTF8_BYTES + " non-Latin"));
        // the two spellings hash the same bytes: hash_array_extended of one element is 31 + its element's hash
        for (String texts : List.of("accented", "non-Latin")) {
            String[] b = first.get(RowHash.UTF8_BYTES + " " + texts).split(":");
            String[] t = first.get(RowHash.UTF8_TEXT + " " + texts).split(":");
            assertEquals(b[0], t[0]);
            assertEquals(new BigInteger(b[1]), new BigInteger(t[1]).add(BigInteger.valueOf(31L * Long.parseLong(b[0]))),
                    texts + ": hashtextextended(text COLLATE \"C\") hashes the UTF-8 bytes hash_array_extended does");
        }

        // the same texts stored in LATIN1 (other bytes on disk) hash as their UTF-8 form does
        PgServer server = Providers.shared(provider, 13);
        try (Connection c = connect(server, "postgres"); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + Sql.ident(LATIN1_DATABASE));
            st.execute("CREATE DATABASE " + Sql.ident(LATIN1_DATABASE)
                    + " TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C'");
        }
        try (Connection c = connect(server, LATIN1_DATABASE)) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT current_setting('server_encoding'), octet_length('é'::text)")) {
                rs.next();
                assertEquals("LATIN1", rs.getString(1));
                assertEquals(1, rs.getInt(2), "é is one byte in LATIN1, two in UTF-8");
            }
            assertEquals(latin1, checksum(c, RowHash.UTF8_BYTES, LATIN1_TEXTS),
                    "a LATIN1 database hashes the UTF-8 bytes");
            assertNotEquals(first.get(RowHash.UTF8_TEXT + " accented"), checksum(c, RowHash.UTF8_TEXT, LATIN1_TEXTS),
                    "hashtextextended hashes LATIN1 bytes in a LATIN1 database: why it is used only when both sides"
                            + " are UTF8");
        }
    }

    @ParameterizedTest(name = "a column in the record renders as its ::text does, for every plain-output type [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void plainOutputTypesRenderAsTheirText(PgProvider provider) throws Exception {
        Map<String, List<String>> values = new LinkedHashMap<>();
        values.put("int2", List.of("-32768", "0", "7"));
        values.put("int4", List.of("-2147483648", "2147483647"));
        values.put("int8", List.of("-9223372036854775808", "9223372036854775807"));
        values.put("text", List.of("a,b \"c\" (d)", "", " ", "é 東京", "a\\b", "NULL"));
        values.put("varchar", List.of("a,b \"c\"", "", "x y"));
        values.put("numeric", List.of("12.50", "-0.000", "NaN", "1e-20", "123456789012345678901234567890.5"));
        values.put("float4", List.of("1.1", "-0", "NaN", "Infinity", "3.4028235e38"));
        values.put("float8", List.of("0.1", "-0", "1e300", "-Infinity", "2.2250738585072014e-308"));
        values.put("date", List.of("2024-02-29", "infinity", "0001-01-01 BC"));
        values.put("timestamp", List.of("2024-05-01 10:00:00.123456", "-infinity"));
        values.put("timestamptz", List.of("2024-05-01 10:00:00+02", "1999-12-31 23:59:59.5-08"));
        values.put("uuid", List.of("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
        values.put("bytea", List.of("\\x00ff", ""));
        assertEquals(ComparedColumn.PLAIN_OUTPUT, values.keySet(), "a sample for every plain-output type");
        for (int major : List.of(13, 16, 18)) {
            PgServer server = Providers.shared(provider, major);
            server.createDatabase(DATABASE);
            try (Connection c = connect(server, DATABASE); Statement st = c.createStatement()) {
                st.execute("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 3;"
                        + " SET bytea_output = 'hex'");
                for (Map.Entry<String, List<String>> e : values.entrySet()) {
                    String type = e.getKey();
                    try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_catalog.pg_cast WHERE castsource = "
                            + Sql.literal(type) + "::regtype AND casttarget = 'text'::regtype AND castmethod <> 'b'")) {
                        rs.next();
                        assertEquals(0, rs.getInt(1), type + " has no cast function to text on " + major
                                + ": its ::text is its output function");
                    }
                    StringBuilder rows = new StringBuilder("(NULL::" + type + ")");
                    for (String v : e.getValue()) {
                        rows.append(", (").append(Sql.literal(v)).append("::").append(type).append(")");
                    }
                    try (ResultSet rs = st.executeQuery("SELECT count(*), count(*) FILTER (WHERE ROW(v, v)::text"
                            + " IS DISTINCT FROM ROW(v::text, v::text)::text) FROM (VALUES " + rows + ") AS x(v)")) {
                        rs.next();
                        assertEquals(e.getValue().size() + 1, rs.getInt(1));
                        assertEquals(0, rs.getInt(2), type + " on " + major + ": ROW(v) renders as ROW(v::text)");
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "any change of the rows changes the sum, row order does not [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void anyChangeShows(PgProvider provider) throws Exception {
        PgServer server = Providers.shared(provider, 13);
        server.createDatabase(DATABASE);
        try (Connection c = connect(server, DATABASE)) {
            for (RowHash hash : RowHash.values()) {
                List<String> texts = new ArrayList<>(LATIN1_TEXTS);
                String base = checksum(c, hash, texts);
                assertEquals(base, checksum(c, hash, texts), hash + ": deterministic");

                List<Object[]> backwards = new ArrayList<>(rows(texts));
                Collections.reverse(backwards);
                assertEquals(base, checksumRows(c, hash, backwards), hash + ": the same rows in the opposite order");
                List<String> reversed = new ArrayList<>(texts);
                Collections.reverse(reversed);
                assertNotEquals(base, checksum(c, hash, reversed), hash + ": the same texts under other ids");

                List<String> changed = new ArrayList<>(texts);
                changed.set(1, "héllo wörlD");
                assertNotEquals(base, checksum(c, hash, changed), hash + ": one changed character");

                List<String> swapped = new ArrayList<>(texts);
                Collections.swap(swapped, 2, 3);
                assertNotEquals(base, checksum(c, hash, swapped), hash + ": two rows' values swapped");

                List<String> emptyForNull = new ArrayList<>(texts);
                emptyForNull.set(6, null);
                assertNotEquals(base, checksum(c, hash, emptyForNull), hash + ": NULL is not the empty string");

                // duplicates count: {x, x, y} and {x, y, y} have the same count and the same distinct rows
                List<Object[]> xxy = List.of(new Object[] {1, "x"}, new Object[] {1, "x"}, new Object[] {2, "y"});
                List<Object[]> xyy = List.of(new Object[] {1, "x"}, new Object[] {2, "y"}, new Object[] {2, "y"});
                String a = checksumRows(c, hash, xxy);
                assertEquals("3:", a.substring(0, 2));
                assertNotEquals(a, checksumRows(c, hash, xyy), hash + ": a duplicated row counts as often as it is there");
                List<Object[]> xx = List.of(new Object[] {1, "x"}, new Object[] {1, "x"});
                List<Object[]> yy = List.of(new Object[] {2, "y"}, new Object[] {2, "y"});
                assertNotEquals(checksumRows(c, hash, xx), checksumRows(c, hash, yy),
                        hash + ": {x, x} and {y, y}: pairs of duplicates do not cancel out");
                assertEquals("0:0", checksumRows(c, hash, List.of()), hash + ": an empty table");
            }
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static List<Object[]> rows(List<String> texts) {
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            rows.add(new Object[] {i + 1, texts.get(i)});
        }
        return rows;
    }

    private static String checksum(Connection c, RowHash hash, List<String> texts) throws SQLException {
        return checksumRows(c, hash, rows(texts));
    }

    /** Loads the rows into a fresh table {@code hashed (id int, txt text)} and returns "count:sum". */
    private static String checksumRows(Connection c, RowHash hash, List<Object[]> rows) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS hashed");
            st.execute("CREATE TABLE hashed (id integer, txt text)");
        }
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO hashed VALUES (?, ?)")) {
            for (Object[] row : rows) {
                insert.setInt(1, (Integer) row[0]);
                insert.setString(2, (String) row[1]);
                insert.executeUpdate();
            }
        }
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(TableQuery.checksumSql(hash, ROW_TEXT, "ONLY hashed"))) {
            rs.next();
            return rs.getLong(1) + ":" + rs.getString(2);
        }
    }

    private static Connection connect(PgServer server, String database) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(database), server.superuser(), server.password());
    }

    private static Column column(String name, String type, String baseType) {
        return new Column(name, type, baseType, -1, false, null, false, false, null);
    }

    private static int occurrences(String haystack, String needle) {
        int count = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
            count++;
        }
        return count;
    }
}
