package upshift.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.connect.Cluster;
import upshift.connect.ConnectSettings;
import upshift.connect.Endpoint;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;

/**
 * The temporary test_decoding slot switchover's verification reads: which relations changed (quoted names,
 * TRUNCATE lists, partitions), what decoding cannot see (a rewrite, an unlogged table), and every way the slot can
 * be unavailable or lost, reported and never read as "nothing changed". Real 13 and 16 servers.
 */
class ChangedTablesTest {

    private static final QualifiedName ODD = new QualifiedName("Sch.ema", "Odd, \"x\": y.z");

    @Test
    void parsesTestDecodingRelationLists() {
        assertEquals(List.of(new QualifiedName("public", "plain")), ChangedTables.parse("public.plain"));
        assertEquals(List.of(new QualifiedName("public", "plain")),
                ChangedTables.parse("table public.plain: INSERT: id[integer]:1"));
        assertEquals(List.of(ODD), ChangedTables.parse("\"Sch.ema\".\"Odd, \"\"x\"\": y.z\""));
        assertEquals(List.of(new QualifiedName("public", "a"), ODD, new QualifiedName("Billing", "Invoice")),
                ChangedTables.parse("table public.a, \"Sch.ema\".\"Odd, \"\"x\"\": y.z\", \"Billing\".\"Invoice\":"
                        + " TRUNCATE: (no-flags)"));
        assertNull(ChangedTables.parse("table nodot: INSERT:"));
        assertNull(ChangedTables.parse("table \"unterminated.x: INSERT:"));
        assertNull(ChangedTables.parse("table public.a; DROP"));
        assertNull(ChangedTables.parse("message: transactional: 1 prefix: upshift"));
        assertNull(ChangedTables.parse(null));
    }

    @ParameterizedTest(name = "decodes the relations changed after start, partitions with their parent, 13 and 16"
            + " [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void decodesChangedRelations(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "ct_decode", 1);
        String odd = ODD.sql();
        for (boolean onOrigin : List.of(true, false)) {
            String setup = "CREATE SCHEMA " + Sql.ident(ODD.schema()) + ";"
                    + " CREATE TABLE " + odd + " (id int PRIMARY KEY);"
                    + " CREATE TABLE plain (id int PRIMARY KEY, v text);"
                    + " CREATE TABLE quiet (id int PRIMARY KEY);"
                    + " CREATE TABLE parted (id int, k int) PARTITION BY RANGE (k);"
                    + " CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10);"
                    + " INSERT INTO plain VALUES (1, 'before'); INSERT INTO quiet VALUES (1)";
            if (onOrigin) {
                f.onOrigin(setup);
            } else {
                f.onDestination(setup);
            }
            try (Cluster c = cluster(onOrigin ? "origin" : "destination", onOrigin ? f.originUrl()
                    : f.destinationUrl())) {
                List<QualifiedName> tables = List.of(ODD, t("plain"), t("quiet"), t("parted"));
                try (ChangedTables slot = ChangedTables.start(c, "ct_decode_slot", Duration.ofSeconds(30))) {
                    Map<QualifiedName, ChangedTables.Layout> before = slot.layouts(tables);
                    assertEquals(4, before.size(), before.toString());
                    slot.collect();
                    assertEquals(Set.of(), slot.changed(), "nothing changed since the slot was created");

                    exec(c, "UPDATE plain SET v = 'after'");
                    exec(c, "INSERT INTO " + odd + " VALUES (1)");
                    exec(c, "INSERT INTO parted VALUES (1, 1)");
                    slot.collect();
                    exec(c, "TRUNCATE " + odd);
                    exec(c, "SELECT pg_logical_emit_message(true, 'upshift', 'not a table')");
                    slot.collect();
                    assertEquals(Set.of(t("plain"), ODD, t("parted_1")), slot.changed());
                    assertEquals(Set.of(t("plain"), ODD, t("parted_1"), t("parted")), slot.changedWithAncestors());
                    assertTrue(slot.unreadable().isEmpty(), slot.unreadable().toString());
                    assertFalse(slot.changed().contains(t("quiet")));

                    // a rewrite changes values without a decoded row change: the layout shows it
                    exec(c, "ALTER TABLE quiet ALTER id TYPE bigint");
                    Map<QualifiedName, ChangedTables.Layout> after = slot.layouts(tables);
                    assertNotEquals(before.get(t("quiet")), after.get(t("quiet")), "a rewrite changes the layout");
                    assertEquals(before.get(t("plain")), after.get(t("plain")), "row changes leave it alone");
                    slot.collect();
                    assertFalse(slot.changed().contains(t("quiet")), "the rewrite itself is not decoded");
                    exec(c, "ALTER TABLE plain SET UNLOGGED");
                    assertFalse(slot.layouts(tables).get(t("plain")).logged(), "an unlogged table is flagged");

                    assertEquals(1, count(c, "SELECT count(*) FROM pg_replication_slots WHERE slot_name ="
                            + " 'ct_decode_slot' AND temporary"));
                }
                assertEquals(0, count(c, "SELECT count(*) FROM pg_replication_slots WHERE slot_name ="
                        + " 'ct_decode_slot'"), "closed: the slot is gone");
            }
        }
    }

    @ParameterizedTest(name = "a lost slot, a role without REPLICATION and a wait for a running transaction are"
            + " reported, never read as no change [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void unavailableIsReported(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "ct_lost", 1);
        try (Cluster c = cluster("destination", f.destinationUrl())) {
            // its session ends (terminated, idle timeout, network): the temporary slot goes with it
            ChangedTables slot = ChangedTables.start(c, "ct_lost_slot", Duration.ofSeconds(30));
            exec(c, "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
                    + " WHERE slot_name = 'ct_lost_slot'");
            ChangedTables.Unavailable lost = assertThrows(ChangedTables.Unavailable.class, slot::collect);
            assertTrue(lost.getMessage().contains("ct_lost_slot"), lost.getMessage());
            slot.close();

            // creating a logical slot waits for every transaction holding a transaction id: bounded
            try (Connection open = c.openAnother(); Statement st = open.createStatement()) {
                open.setAutoCommit(false);
                st.execute("CREATE TABLE ct_blocker (id int)");
                ChangedTables.Unavailable waited = assertThrows(ChangedTables.Unavailable.class,
                        () -> ChangedTables.start(c, "ct_wait_slot", Duration.ofSeconds(2)));
                assertTrue(waited.getMessage().contains("waited 2 s for the transactions running there"),
                        waited.getMessage());
                assertTrue(waited.getMessage().contains("pid "), "it names the transactions: " + waited.getMessage());
                open.rollback();
            }
            assertEquals(0, count(c, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'ct_wait_slot'"));

            exec(c, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ct_norepl') THEN"
                    + " CREATE ROLE ct_norepl; END IF; END $$");
            exec(c, "ALTER ROLE ct_norepl WITH LOGIN NOREPLICATION NOSUPERUSER PASSWORD 'ct-norepl-secret'");
            String url = "postgresql://ct_norepl:ct-norepl-secret@" + f.destinationServer().host() + ":"
                    + f.destinationServer().port() + "/" + f.database();
            try (Cluster plain = cluster("destination", url)) {
                ChangedTables.Unavailable denied = assertThrows(ChangedTables.Unavailable.class,
                        () -> ChangedTables.start(plain, "ct_denied_slot", Duration.ofSeconds(5)));
                assertTrue(denied.getMessage().contains("may not create replication slots on destination"),
                        denied.getMessage());
                assertFalse(denied.getMessage().contains("ct-norepl-secret"));
            }
        }
    }

    private static QualifiedName t(String name) {
        return new QualifiedName("public", name);
    }

    private static void exec(Cluster c, String sql) throws Exception {
        try (Statement st = c.connection().createStatement()) {
            st.execute(sql);
        }
    }

    private static long count(Cluster c, String sql) throws Exception {
        try (Statement st = c.connection().createStatement(); var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Cluster cluster(String role, String url) {
        return new Cluster(role, Endpoint.resolve(url), ConnectSettings.defaults("upshift test"));
    }
}
