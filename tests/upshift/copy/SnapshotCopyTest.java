package upshift.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.harness.Providers;
import upshift.testing.Run;
import upshift.testing.Wait;

/**
 * The snapshot copy through the operator's steps (create-subscription, enable-subscription, monitor --until ready)
 * on real servers: every row and every index and constraint arrives, writes made during the copy are streamed
 * afterwards, and a copy killed part-way is restarted cleanly.
 */
class SnapshotCopyTest {

    private static final List<String> TABLES = List.of("auth_user", "shop_product", "shop_order", "shop_orderline",
            "\"Billing\".\"Invoice\"", "bulk", "events", "tagged");

    /** 13 -> 16 (primary-key chunks: 13 has no TID range scan) and 14 -> 16 (ctid chunks). */
    static Stream<Arguments> pairs() {
        List<Arguments> list = new ArrayList<>();
        for (PgProvider p : Providers.selected()) {
            list.add(Arguments.of(p, 13, 16));
            list.add(Arguments.of(p, 14, 16));
        }
        return list.stream();
    }

    private static ShopFixture fixture(PgProvider provider, int from, int to, String db, int bulkRows)
            throws SQLException {
        ShopFixture f = ShopFixture.create(provider, from, to, db, 60);
        f.onOrigin("CREATE TABLE bulk (id bigserial PRIMARY KEY, tag text NOT NULL, v integer NOT NULL,"
                + " payload text, at timestamptz NOT NULL DEFAULT now());"
                + " INSERT INTO bulk (tag, v, payload) SELECT 'load', g, repeat(md5(g::text), 3)"
                + " FROM generate_series(1, " + bulkRows + ") g");
        // destination: the same table with a secondary index, a unique constraint and a foreign key to defer
        f.onDestination("CREATE TABLE bulk (id bigint PRIMARY KEY, tag varchar(20) NOT NULL, v bigint NOT NULL,"
                + " payload text, at timestamptz NOT NULL, CONSTRAINT bulk_tag_v_uniq UNIQUE (tag, v));"
                + " CREATE INDEX bulk_payload_idx ON bulk (payload);"
                + " CREATE INDEX bulk_lower_tag_idx ON bulk (lower(tag)) WHERE v > 10");
        // a text primary key: on 13 the chunks are ranges of it, at the quantiles of its values
        String tagged = "CREATE TABLE tagged (code text PRIMARY KEY, payload text NOT NULL)";
        f.onOrigin(tagged + "; INSERT INTO tagged SELECT 'it''s ' || md5(g::text), repeat(md5(g::text), 2)"
                + " FROM generate_series(1, " + Math.min(bulkRows / 2, 10_000) + ") g; ANALYZE tagged");
        f.onDestination(tagged);
        // a range-partitioned table with a default partition, rows in every partition; destination partitions it
        // differently (2025 in halves), so the rows must go through destination's root, as the changes published via
        // the root do; a partitioned index, an index of one partition, a unique constraint and a foreign key on the
        // partitioned table to defer
        f.onOrigin("CREATE TABLE events (id bigint NOT NULL, at date NOT NULL, user_id integer REFERENCES auth_user"
                + " (id), kind text NOT NULL, payload text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);"
                + " CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
                + " CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');"
                + " CREATE TABLE events_other PARTITION OF events DEFAULT;"
                + " INSERT INTO events SELECT g, date '2023-07-01' + (g % 1000), (SELECT min(id) FROM auth_user),"
                + " 'load', repeat(md5(g::text), 2) FROM generate_series(1, " + bulkRows / 2 + ") g");
        f.onDestination("CREATE TABLE events (id bigint NOT NULL, at date NOT NULL, user_id bigint REFERENCES auth_user"
                + " (id), kind text NOT NULL, payload text, PRIMARY KEY (id, at),"
                + " CONSTRAINT events_kind_id_uniq UNIQUE (kind, id, at)) PARTITION BY RANGE (at);"
                + " CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
                + " CREATE TABLE events_2025h1 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2025-07-01');"
                + " CREATE TABLE events_2025h2 PARTITION OF events FOR VALUES FROM ('2025-07-01') TO ('2026-01-01');"
                + " CREATE TABLE events_other PARTITION OF events DEFAULT;"
                + " CREATE INDEX events_kind_idx ON events (kind);"
                + " CREATE INDEX events_2025h1_payload_idx ON events_2025h1 (payload)");
        assertEquals(ExitCode.OK, f.run("CreatePublication").exitCode());
        return f;
    }

    /** Rows per partition, as "name=count" in name order. */
    private static String partitionCounts(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT string_agg(relname || '='"
                + " || (xpath('/row/c/text()', query_to_xml('SELECT count(*) AS c FROM ' || oid::regclass, false,"
                + " true, '')))[1]::text, ' ' ORDER BY relname) FROM pg_class WHERE relispartition"
                + " AND relkind = 'r' AND relname LIKE 'events%'")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void assertEveryPartitionHasRows(Connection c, int partitions) throws SQLException {
        String counts = partitionCounts(c);
        assertEquals(partitions, counts.split(" ").length, counts);
        assertFalse(counts.matches(".*=0( .*|$)"), "a partition is empty: " + counts);
    }

    private static String schemaObjects(ShopFixture f) throws SQLException {
        return query(f, "SELECT string_agg(x, E'\\n' ORDER BY x) FROM (SELECT indexdef AS x FROM pg_indexes"
                + " WHERE schemaname IN ('public', 'Billing') UNION ALL SELECT conrelid::regclass || ' '"
                + " || conname || ' ' || pg_get_constraintdef(oid) || ' ' || convalidated FROM pg_constraint"
                + " WHERE connamespace IN ('public'::regnamespace, '\"Billing\"'::regnamespace)) o");
    }

    private static String query(ShopFixture f, String sql) throws SQLException {
        try (Connection c = f.destination(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** count and an order-independent checksum over the columns origin has, the same text on both sides. */
    private static String checksum(Connection c, Connection origin, String table) throws SQLException {
        List<String> cols = new ArrayList<>();
        try (PreparedStatement st = origin.prepareStatement("SELECT quote_ident(attname) FROM pg_attribute"
                + " WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
            st.setString(1, table);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    cols.add(rs.getString(1));
                }
            }
        }
        String row = "concat_ws('|', " + String.join(", ", cols.stream().map(x -> x + "::text").toList()) + ")";
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) || ':'"
                + " || coalesce(md5(string_agg(" + row + ", ',' ORDER BY " + row + ")), '') FROM " + table)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void assertSameRows(ShopFixture f) throws SQLException {
        try (Connection o = f.origin(); Connection d = f.destination()) {
            for (String t : TABLES) {
                assertEquals(checksum(o, o, t), checksum(d, o, t), t);
            }
        }
    }

    private static boolean sameRows(ShopFixture f) throws SQLException {
        try (Connection o = f.origin(); Connection d = f.destination()) {
            for (String t : TABLES) {
                if (!checksum(o, o, t).equals(checksum(d, o, t))) {
                    return false;
                }
            }
        }
        return true;
    }

    @ParameterizedTest(name = "every row, index and constraint, and the writes made during the copy {1} -> {2} [{0}]")
    @MethodSource("pairs")
    void copiesEverythingAndLosesNoWrite(PgProvider provider, int from, int to) throws Exception {
        ShopFixture f = fixture(provider, from, to, "snapcopy_" + from + "_" + to, 20000);
        String before = schemaObjects(f);
        try (Connection o = f.origin()) {
            assertEveryPartitionHasRows(o, 3);
        }
        Run created = f.run("CreateSubscription", "--origin-conninfo", f.originConninfo());
        assertEquals(ExitCode.OK, created.exitCode(), created.stderr());
        assertTrue(created.stderr().contains("copy_data = false, create_slot = false"), created.stderr());
        assertEquals(0, f.originLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                + f.names().slot() + "'"), "enable-subscription creates the slot, with its snapshot");
        assertEquals(ExitCode.OK, f.run("AddMissingColumns").exitCode());
        Run notYet = f.run("Monitor", "--until", "ready", "--timeout", "1s");
        assertEquals(ExitCode.CHECK_FAILED, notYet.exitCode(), "every table is 'r' already, but nothing is copied"
                + " yet:\n" + notYet.stdout() + notYet.stderr());

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong acknowledged = new AtomicLong();
        java.util.concurrent.atomic.AtomicReference<SQLException> writerFailed =
                new java.util.concurrent.atomic.AtomicReference<>();
        Thread writer = new Thread(() -> {
            try (Connection o = f.origin(); PreparedStatement ins = o.prepareStatement("INSERT INTO bulk (tag, v,"
                    + " payload) VALUES ('w', ?, 'written during the copy')"); PreparedStatement upd =
                            o.prepareStatement("UPDATE bulk SET payload = 'updated', v = v + 1000000 WHERE id = ?");
                    PreparedStatement event = o.prepareStatement("INSERT INTO events VALUES (1000000 + ?,"
                            + " date '2023-07-01' + (?::integer * 37 % 1000), NULL, 'w', 'written during the copy')");
                    PreparedStatement move = o.prepareStatement("UPDATE events SET at = at + 400, payload = 'moved'"
                            + " WHERE id = ?")) {
                long i = 0;
                while (!stop.get()) {
                    ins.setLong(1, ++i);
                    ins.executeUpdate();
                    event.setLong(1, i);
                    event.setLong(2, i);
                    event.executeUpdate();
                    acknowledged.incrementAndGet();
                    upd.setLong(1, ThreadLocalRandom.current().nextLong(1, 20000));
                    upd.executeUpdate();
                    // an update that moves the row to another partition (or the default one)
                    move.setLong(1, ThreadLocalRandom.current().nextLong(1, 10000));
                    move.executeUpdate();
                }
            } catch (SQLException e) {
                writerFailed.set(e);
            }
        });
        writer.start();
        Run enabled;
        try {
            Wait.until(Duration.ofSeconds(30), "the writer has written", () -> acknowledged.get() > 20
                    || writerFailed.get() != null);
            assertNull(writerFailed.get(), () -> "the writer failed: " + writerFailed.get());
            enabled = f.run("EnableSubscription", "-v", "--workers", "3", "--chunk-size", "256kB");
            Wait.until(Duration.ofSeconds(30), "more writes after the copy", () -> acknowledged.get() > 200);
        } finally {
            stop.set(true);
            writer.join();
        }
        assertNull(writerFailed.get(), () -> "the writer failed: " + writerFailed.get());
        assertEquals(ExitCode.OK, enabled.exitCode(), enabled.stderr());
        assertTrue(enabled.stderr().contains("Snapshot copy: copied"), enabled.stderr());
        assertTrue(f.destinationLong("SELECT count(*) FROM upshift.copied_chunk WHERE subscription = '"
                + f.names().subscription() + "' AND table_name LIKE '%bulk%'") > 3, "bulk was split into chunks");
        assertTrue(f.destinationLong("SELECT count(*) FROM upshift.copied_chunk WHERE subscription = '"
                + f.names().subscription() + "' AND table_name LIKE '%tagged%'") > 3, "tagged was split into chunks");
        assertTrue(enabled.stderr().matches("(?s).*-- \\[origin\\] COPY \\(SELECT [^\n]* FROM ONLY \\S*tagged\"? WHERE "
                + (from == 13 ? "\"code\" >= '" : "ctid >= '") + ".*"), "tagged is cut by its key on 13, by ctid"
                        + " from 14:\n" + enabled.stderr());
        assertTrue(f.destinationLong("SELECT count(*) FROM upshift.copied_chunk WHERE subscription = '"
                + f.names().subscription() + "' AND table_name LIKE '%events%'") >= 3, "events was read from each"
                        + " of its 3 partitions by itself");
        for (String leaf : List.of("events_2024", "events_2025", "events_other")) {
            assertTrue(enabled.stderr().matches("(?s).*-- \\[origin\\] COPY \\(SELECT [^\n]* FROM ONLY \\S*" + leaf
                    + "\\b.*"), "origin's partition " + leaf + " is read by itself:\n" + enabled.stderr());
        }
        assertTrue(enabled.stderr().matches("(?s).*-- \\[destination\\] ALTER TABLE \\S*bulk\"? DROP CONSTRAINT"
                + " \"?bulk_pkey.*-- \\[destination\\] COPY .*-- \\[destination\\] CREATE UNIQUE INDEX IF NOT EXISTS"
                + " \"?bulk_pkey.*ADD CONSTRAINT \"?bulk_pkey\"? PRIMARY KEY USING INDEX.*"), "the primary key is"
                        + " dropped for the copy, then built as its index and added onto it:\n" + enabled.stderr());
        assertTrue(enabled.stderr().matches("(?s).*-- \\[destination\\] COPY \\S*events\"? \\(.*"),
                "written through destination's root:\n" + enabled.stderr());

        Run ready = f.run("Monitor", "--until", "ready", "--timeout", "60s");
        assertEquals(ExitCode.OK, ready.exitCode(), ready.stdout() + ready.stderr());
        assertEquals(0, f.destinationLong("SELECT count(*) FROM upshift.deferred_object"));
        assertEquals(before, schemaObjects(f), "every index and constraint is back, foreign keys validated");
        assertTrue(f.destinationLong("SELECT count(*) FROM pg_constraint WHERE contype = 'f'") >= 3);
        assertEquals(0, f.destinationLong("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND NOT"
                + " convalidated"));

        long written = acknowledged.get();
        Wait.until(Duration.ofSeconds(120), "every acknowledged write reaches destination",
                () -> f.destinationLong("SELECT count(*) FROM bulk WHERE tag = 'w'") == written && sameRows(f));
        assertSameRows(f);
        assertEquals(written, f.originLong("SELECT count(*) FROM bulk WHERE tag = 'w'"));
        assertEquals(written, f.destinationLong("SELECT count(*) FROM events WHERE kind = 'w'"));
        assertTrue(f.destinationLong("SELECT count(*) FROM events WHERE payload = 'moved'") > 0, "rows moved");
        try (Connection d = f.destination()) {
            // routed by destination's own bounds, default partition included
            assertEveryPartitionHasRows(d, 4);
        }

        Run again = f.run("EnableSubscription");
        assertEquals(ExitCode.OK, again.exitCode(), again.stderr());
        assertTrue(again.stderr().contains("already enabled"), again.stderr());
    }

    @ParameterizedTest(name = "a copy killed part-way is restarted from a new snapshot [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void killedCopyRestartsCleanly(PgProvider provider) throws Exception {
        ShopFixture f = fixture(provider, 13, 16, "snapcopy_kill", 200000);
        String before = schemaObjects(f);
        assertEquals(ExitCode.OK, f.run("CreateSubscription", "--origin-conninfo", f.originConninfo()).exitCode());
        assertEquals(ExitCode.OK, f.run("AddMissingColumns").exitCode());

        Process p = startScript(f, "EnableSubscription", "--workers", "1", "--chunk-size", "128kB");
        try {
            Wait.until(Duration.ofSeconds(120), "some chunks are copied", () -> f.destinationLong(
                    "SELECT count(*) FROM upshift.copied_chunk WHERE table_name LIKE '%bulk%'") >= 2);
        } finally {
            p.destroyForcibly().waitFor();
        }
        assertEquals("copying", query(f, "SELECT phase FROM upshift.initial_copy WHERE subscription = '"
                + f.names().subscription() + "'"), "killed during the copy");
        long partial = f.destinationLong("SELECT count(*) FROM bulk");
        assertTrue(partial > 0 && partial < 200000, "half-copied: " + partial);
        Run notReady = f.run("Monitor", "--until", "ready", "--timeout", "1s");
        assertEquals(ExitCode.CHECK_FAILED, notReady.exitCode(), "a half-copied table is never ready");

        Run rerun = f.run("EnableSubscription", "--workers", "2", "--chunk-size", "1MB");
        assertEquals(ExitCode.OK, rerun.exitCode(), rerun.stderr());
        assertTrue(rerun.stderr().contains("snapshot of an earlier copy is lost"), rerun.stderr());
        assertTrue(rerun.stderr().contains("copied again"), rerun.stderr());
        Run ready = f.run("Monitor", "--until", "ready", "--timeout", "60s");
        assertEquals(ExitCode.OK, ready.exitCode(), ready.stdout() + ready.stderr());
        assertSameRows(f);
        assertEquals(before, schemaObjects(f));
        assertFalse(rerun.stdout().contains(f.originServer().password()));
    }

    @ParameterizedTest(name = "a partitioned table is copied as the publication publishes it [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void partitionedTableTargetsFollowThePublication(PgProvider provider) throws Exception {
        ShopFixture f = fixture(provider, 13, 16, "snapcopy_targets", 10);
        try (Connection o = f.origin()) {
            List<upshift.sql.QualifiedName> members = List.of(new upshift.sql.QualifiedName("public", "events"),
                    new upshift.sql.QualifiedName("public", "bulk"));
            // via the root (create-publication's way): the root is the destination table
            assertEquals(members, CopyPlan.targets(o, members, true));
            // without it: each leaf partition is a table of its own, the default one too
            assertEquals(List.of("public.events_2024", "public.events_2025", "public.events_other", "public.bulk"),
                    CopyPlan.targets(o, members, false).stream().map(q -> q.schema() + "." + q.name()).toList());
            // the root's rows are read from its leaves, each by itself
            assertEquals(List.of("events_2024", "events_2025", "events_other"), CopyPlan.leaves(o, members.get(0))
                    .stream().map(l -> l.relation().name()).toList());
        }
    }

    /** The script in its own JVM (the test class path), so that it can be killed like an operator's process. */
    private static Process startScript(ShopFixture f, String script, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), script));
        command.addAll(List.of(args));
        command.addAll(List.of("--name", f.database()));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(f.env());
        Path log = Files.createTempFile("upshift-kill", ".log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(new File("/dev/null"));
        return pb.start();
    }
}
