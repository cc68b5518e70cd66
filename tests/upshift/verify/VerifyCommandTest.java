package upshift.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.sample.SampleApp;
import upshift.sql.Sql;
import upshift.testing.Run;

/** The verify script against the shop on a real 13 origin and 16 destination (new model), in-process. */
class VerifyCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "equal tables: exit 0, int/bigint and text/varchar hash the same 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void equalTablesPass(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "verify_equal", 50);
        copyShop(f);

        Run run = f.run("Verify", "--checksum", "--json");
        assertEquals(ExitCode.OK, run.exitCode(), run.stderr() + run.stdout());
        JsonNode report = JSON.readTree(run.stdout());
        assertTrue(report.get("equal").asBoolean(), run.stdout());
        assertTrue(report.get("checksum").asBoolean());
        assertEquals("selection", report.get("source").asText(), "no publication yet: the selection");
        assertEquals(0, report.get("differing").size());
        JsonNode tables = report.get("tables");
        assertEquals(5, tables.size(), run.stdout());
        for (JsonNode t : tables) {
            assertEquals("equal", t.get("status").asText(), t.toString());
            assertEquals(t.get("originRows").asLong(), t.get("destinationRows").asLong(), t.toString());
            assertTrue(t.get("checksumMatch").asBoolean(), t.toString());
            assertEquals(t.get("originChecksum").asText(), t.get("destinationChecksum").asText());
        }
        JsonNode user = table(report, "public", "auth_user");
        assertEquals(50, user.get("originRows").asLong());
        assertEquals("[\"legacy_flags\"]", user.get("originOnlyColumns").toString());
        JsonNode id = column(user, "id");
        assertEquals("integer", id.get("originType").asText());
        assertEquals("bigint", id.get("destinationType").asText());
        assertEquals("text", column(user, "username").get("originType").asText());
        assertEquals("character varying(150)", column(user, "username").get("destinationType").asText());
        JsonNode product = table(report, "public", "shop_product");
        assertEquals("exact number", column(product, "price").get("comparedAs").asText());
        assertEquals("[\"legacy_code\",\"is_legacy\"]", product.get("originOnlyColumns").toString());
        assertEquals("bigint", column(table(report, "Billing", "Invoice"), "Id").get("destinationType").asText());

        Run human = f.run("Verify", "--checksum");
        assertEquals(ExitCode.OK, human.exitCode(), human.stderr());
        assertTrue(human.stdout().contains("all 5 table(s) equal (row counts and checksums"), human.stdout());
        assertTrue(human.stdout().contains("Billing.Invoice"), human.stdout());
        assertTrue(human.stdout().contains("id (integer -> bigint, as exact number)"), human.stdout());
        assertTrue(human.stdout().contains("not compared: legacy_flags (origin only)"), human.stdout());

        Run counts = f.run("Verify");
        assertEquals(ExitCode.OK, counts.exitCode(), counts.stderr());
        assertTrue(counts.stdout().contains("not checked"), counts.stdout());
        assertTrue(counts.stdout().contains("all 5 table(s) equal (row counts,"), counts.stdout());
    }

    @ParameterizedTest(name = "a changed value: --checksum exit 3 naming the table, counts still equal 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void aChangedValueNeedsTheChecksum(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "verify_changed", 50);
        copyShop(f);
        f.onDestination("UPDATE shop_product SET name = name || ' (changed)' WHERE id = 3");

        Run counts = f.run("Verify");
        assertEquals(ExitCode.OK, counts.exitCode(), "counts alone cannot see it: " + counts.stdout());

        Run run = f.run("Verify", "--checksum", "--json");
        assertEquals(ExitCode.CHECK_FAILED, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("error: 1 of 5 table(s) differ"), run.stderr());
        assertTrue(run.stderr().contains("public.shop_product"), run.stderr());
        JsonNode report = JSON.readTree(run.stdout());
        assertFalse(report.get("equal").asBoolean());
        assertEquals("[{\"schema\":\"public\",\"name\":\"shop_product\"}]", report.get("differing").toString());
        JsonNode product = table(report, "public", "shop_product");
        assertEquals("checksum-differs", product.get("status").asText());
        assertEquals(product.get("originRows").asLong(), product.get("destinationRows").asLong());
        assertFalse(product.get("checksumMatch").asBoolean());

        Run human = f.run("Verify", "--checksum");
        assertEquals(ExitCode.CHECK_FAILED, human.exitCode());
        assertTrue(human.stdout().contains("public.shop_product: same row count"), human.stdout());
        assertTrue(human.stdout().contains("DIFFERS"), human.stdout());
    }

    @ParameterizedTest(name = "a deleted row: exit 3 with the counts differing 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void aDeletedRowChangesTheCount(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "verify_deleted", 50);
        copyShop(f);
        f.onDestination("DELETE FROM shop_orderline WHERE id = 7");

        Run run = f.run("Verify");
        assertEquals(ExitCode.CHECK_FAILED, run.exitCode(), run.stdout() + run.stderr());
        assertTrue(run.stdout().contains("public.shop_orderline: row counts differ: origin 250, destination 249 (-1)"),
                run.stdout());
        assertTrue(run.stdout().contains("1 of 5 table(s) differ (row counts"), run.stdout());

        Run json = f.run("Verify", "--json", "--checksum");
        assertEquals(ExitCode.CHECK_FAILED, json.exitCode());
        JsonNode line = table(JSON.readTree(json.stdout()), "public", "shop_orderline");
        assertEquals("row-count-differs", line.get("status").asText());
        assertEquals(250, line.get("originRows").asLong());
        assertEquals(249, line.get("destinationRows").asLong());
    }

    @ParameterizedTest(name = "NULL vs empty string in a mixed-case table, --table restricts 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void nullIsNotAnEmptyString(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "verify_null", 20);
        copyShop(f);
        assertEquals(1, f.originLong(
                "SELECT count(*) FROM \"Billing\".\"Invoice\" WHERE \"Id\" = 1 AND \"Memo\" IS NULL"));
        f.onDestination("UPDATE \"Billing\".\"Invoice\" SET \"Memo\" = '' WHERE \"Id\" = 1");

        Run run = f.run("Verify", "--checksum", "--table", "Billing.%", "--json");
        assertEquals(ExitCode.CHECK_FAILED, run.exitCode(), run.stdout() + run.stderr());
        JsonNode report = JSON.readTree(run.stdout());
        assertEquals(1, report.get("tables").size(), "--table Billing.% picks one table");
        assertEquals("[{\"schema\":\"Billing\",\"name\":\"Invoice\"}]", report.get("differing").toString());
        assertEquals("checksum-differs", table(report, "Billing", "Invoice").get("status").asText());

        f.onDestination("UPDATE \"Billing\".\"Invoice\" SET \"Memo\" = NULL WHERE \"Id\" = 1");
        Run back = f.run("Verify", "--checksum", "--table", "Invoice");
        assertEquals(ExitCode.OK, back.exitCode(), back.stdout() + back.stderr());
        assertTrue(back.stdout().contains("all 1 table(s) equal"), back.stdout());

        Run none = f.run("Verify", "--table", "nothing_like_this");
        assertEquals(ExitCode.USAGE, none.exitCode(), none.stderr());
        assertTrue(none.stderr().contains("matches none of the 5 table(s)"), none.stderr());
    }

    @ParameterizedTest(name = "the publication decides the tables; a table missing on destination 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void publicationDecidesTheTables(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "verify_pub", 10);
        copyShop(f);
        f.onOrigin("CREATE TABLE scratch (id int PRIMARY KEY); INSERT INTO scratch VALUES (1), (2)");
        f.onOrigin("CREATE PUBLICATION " + Sql.ident(f.names().publication())
                + " FOR TABLE auth_user, \"Billing\".\"Invoice\"");

        Run run = f.run("Verify", "--checksum", "--json");
        assertEquals(ExitCode.OK, run.exitCode(), run.stdout() + run.stderr());
        JsonNode report = JSON.readTree(run.stdout());
        assertEquals("publication " + f.names().publication(), report.get("source").asText());
        assertEquals(2, report.get("tables").size(), run.stdout());

        Run selection = f.run("Verify", "--tables-from", "selection");
        assertEquals(ExitCode.CHECK_FAILED, selection.exitCode(), selection.stdout() + selection.stderr());
        assertTrue(selection.stdout().contains("public.scratch: the destination has no such table (origin has 2 rows)"),
                selection.stdout());
        assertTrue(selection.stderr().contains("public.scratch"), selection.stderr());

        Run owner = f.run("Verify", "--exclude", "scratch,django_migrations,spatial_ref_sys");
        assertEquals(ExitCode.OK, owner.exitCode(), owner.stdout() + owner.stderr());
        assertTrue(owner.stdout().contains("tables of the table selection"),
                "selection options given: " + owner.stdout());
        assertTrue(owner.stdout().contains("all 5 table(s) equal"), owner.stdout());

        // a --name of which nothing exists is refused (exit 2), naming the migration that does: never verified as
        // "the owner's tables" in its place
        for (String from : new String[] {"publication", "auto"}) {
            Run missing = f.run("Verify", "--tables-from", from, "--name", "nosuch");
            assertEquals(ExitCode.USAGE, missing.exitCode(), missing.stdout() + missing.stderr());
            assertTrue(missing.stderr().contains("error: no migration named \"nosuch\" on origin or destination:"
                    + " verify needs one"), missing.stderr());
            assertTrue(missing.stderr().contains("hint: the migrations here: verify_pub (pass --name verify_pub)"),
                    missing.stderr());
            assertEquals("", missing.stdout());
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    /**
     * Copies the shop's rows from origin to destination the way logical replication does: each value's text on
     * origin read by the destination's input function; only the columns both sides have.
     */
    static void copyShop(ShopFixture f) throws SQLException {
        try (Connection o = f.origin(); Connection d = f.destination()) {
            for (String qualified : SampleApp.TABLES) {
                String[] parts = qualified.split("\\.");
                copy(o, d, Sql.qualified(parts[0], parts[1]));
            }
        }
    }

    static void copy(Connection origin, Connection destination, String table) throws SQLException {
        List<String> columns = columnNames(destination, table);
        columns.retainAll(columnNames(origin, table));
        String list = String.join(", ", columns);
        String insert = "INSERT INTO " + table + " (" + list + ") VALUES ("
                + columns.stream().map(c -> "?").collect(Collectors.joining(", ")) + ")";
        try (Statement st = origin.createStatement();
             ResultSet rs = st.executeQuery("SELECT " + list + " FROM " + table);
             PreparedStatement ins = destination.prepareStatement(insert)) {
            while (rs.next()) {
                for (int i = 1; i <= columns.size(); i++) {
                    ins.setObject(i, rs.getString(i), Types.OTHER);
                }
                ins.addBatch();
            }
            ins.executeBatch();
        }
    }

    private static List<String> columnNames(Connection c, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT * FROM " + table + " LIMIT 0")) {
            ResultSetMetaData md = rs.getMetaData();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                columns.add(Sql.ident(md.getColumnName(i)));
            }
        }
        return columns;
    }

    static JsonNode table(JsonNode report, String schema, String name) {
        for (JsonNode t : report.get("tables")) {
            if (t.at("/table/schema").asText().equals(schema) && t.at("/table/name").asText().equals(name)) {
                return t;
            }
        }
        throw new AssertionError("no table " + schema + "." + name + " in " + report);
    }

    static JsonNode column(JsonNode table, String name) {
        for (JsonNode c : table.get("compared")) {
            if (c.get("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no compared column " + name + " in " + table);
    }
}
