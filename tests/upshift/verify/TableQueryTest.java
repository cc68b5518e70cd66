package upshift.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/**
 * The checksum's aggregation ({@link TableQuery#checksumSql}): each row's text built once and hashed under two
 * seeds, the same hash on every major version 13 to 18 and in a LATIN1 database as in a UTF8 one, and any
 * change of the multiset of rows shows.
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
    void eachRowIsBuiltOnceAndHashedUnderTwoSeeds() {
        String sql = TableQuery.checksumSql("ROW(\"a\"::text)::text", "ONLY \"s\".\"t\"");
        assertEquals(1, occurrences(sql, "ROW(\"a\"::text)::text"), "the row text is built once per row: " + sql);
        assertTrue(sql.contains("FROM (SELECT unnest(ARRAY[convert_to(ROW(\"a\"::text)::text, 'UTF8')]) AS row_bytes"
                + " FROM ONLY \"s\".\"t\") AS row_texts"), sql);
        assertTrue(sql.contains("coalesce(sum(hash_array_extended(ARRAY[row_bytes], 1)), 0)::text AS sum1"), sql);
        assertTrue(sql.contains("coalesce(sum(hash_array_extended(ARRAY[row_bytes], 2)), 0)::text AS sum2"), sql);
        assertFalse(sql.contains("bit_xor"), "bit_xor does not exist before 14 and cancels duplicate rows");
        assertFalse(sql.contains("OFFSET"), "OFFSET 0 would rule out a parallel plan");

        List<ComparedColumn> columns = List.of(
                ComparedColumn.of(column("Id", "integer", "int4"), column("Id", "bigint", "int8")),
                ComparedColumn.of(column("Memo", "text", "text"), column("Memo", "text", "text")));
        QualifiedName invoice = new QualifiedName("Billing", "Invoice");
        for (ComparedColumn.Side side : ComparedColumn.Side.values()) {
            String row = "ROW(" + columns.get(0).expression(side) + ", " + columns.get(1).expression(side)
                    + ")::text";
            assertEquals(TableQuery.checksumSql(row, "ONLY \"Billing\".\"Invoice\""),
                    new TableQuery(invoice, false, columns, side).sql(), side.toString());
            assertEquals(TableQuery.checksumSql(row, "\"Billing\".\"Invoice\""),
                    new TableQuery(invoice, true, columns, side).sql(), "a partitioned table is read through its root");
        }
    }

    @ParameterizedTest(name = "the row hash is the same on 13 to 18, and in LATIN1 as in UTF8 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void sameOnEveryVersionAndEncoding(PgProvider provider) throws Exception {
        Map<Integer, String> latin1 = new LinkedHashMap<>();
        Map<Integer, String> utf8 = new LinkedHashMap<>();
        for (int major = 13; major <= 18; major++) {
            PgServer server = Providers.shared(provider, major);
            server.createDatabase(DATABASE);
            try (Connection c = connect(server, DATABASE)) {
                latin1.put(major, checksum(c, LATIN1_TEXTS));
                utf8.put(major, checksum(c, UTF8_TEXTS));
            }
        }
        for (int major = 14; major <= 18; major++) {
            assertEquals(latin1.get(13), latin1.get(major), "accented texts hash the same on 13 and " + major);
            assertEquals(utf8.get(13), utf8.get(major), "non-Latin texts hash the same on 13 and " + major);
        }
        assertTrue(latin1.get(13).startsWith(LATIN1_TEXTS.size() + ":"), latin1.get(13));
        assertNotEquals(latin1.get(13), utf8.get(13));

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
            assertEquals(latin1.get(13), checksum(c, LATIN1_TEXTS), "a LATIN1 database hashes the UTF-8 bytes");
        }
    }

    @ParameterizedTest(name = "any change of the rows changes the sums, row order does not [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void anyChangeShows(PgProvider provider) throws Exception {
        PgServer server = Providers.shared(provider, 13);
        server.createDatabase(DATABASE);
        try (Connection c = connect(server, DATABASE)) {
            List<String> texts = new ArrayList<>(LATIN1_TEXTS);
            String base = checksum(c, texts);
            assertEquals(base, checksum(c, texts), "deterministic");

            List<Object[]> backwards = new ArrayList<>(rows(texts));
            Collections.reverse(backwards);
            assertEquals(base, checksumRows(c, backwards), "the same rows stored in the opposite order");
            List<String> reversed = new ArrayList<>(texts);
            Collections.reverse(reversed);
            assertNotEquals(base, checksum(c, reversed), "the same texts under other ids are other rows");

            List<String> changed = new ArrayList<>(texts);
            changed.set(1, "héllo wörlD");
            assertNotEquals(base, checksum(c, changed), "one changed character");

            List<String> emptyForNull = new ArrayList<>(texts);
            emptyForNull.set(6, null);
            assertNotEquals(base, checksum(c, emptyForNull), "NULL is not the empty string");

            // duplicates count: {x, x, y} and {x, y, y} have the same count and the same distinct rows
            List<Object[]> xxy = List.of(new Object[] {1, "x"}, new Object[] {1, "x"}, new Object[] {2, "y"});
            List<Object[]> xyy = List.of(new Object[] {1, "x"}, new Object[] {2, "y"}, new Object[] {2, "y"});
            String a = checksumRows(c, xxy);
            String b = checksumRows(c, xyy);
            assertEquals("3:", a.substring(0, 2));
            assertNotEquals(a, b, "a duplicated row counts as often as it appears");
            List<Object[]> xxyy = List.of(new Object[] {1, "x"}, new Object[] {1, "x"}, new Object[] {2, "y"},
                    new Object[] {2, "y"});
            List<Object[]> zzww = List.of(new Object[] {3, "z"}, new Object[] {3, "z"}, new Object[] {4, "w"},
                    new Object[] {4, "w"});
            assertNotEquals(checksumRows(c, xxyy), checksumRows(c, zzww), "pairs of duplicates do not cancel out");
            assertEquals("0:0:0", checksumRows(c, List.of()), "an empty table");
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

    private static String checksum(Connection c, List<String> texts) throws SQLException {
        return checksumRows(c, rows(texts));
    }

    /** Loads the rows into a fresh table {@code hashed (id int, txt text)} and returns "count:sum1:sum2". */
    private static String checksumRows(Connection c, List<Object[]> rows) throws SQLException {
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
             ResultSet rs = st.executeQuery(TableQuery.checksumSql(ROW_TEXT, "ONLY hashed"))) {
            rs.next();
            return rs.getLong(1) + ":" + rs.getString(2) + ":" + rs.getString(3);
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
