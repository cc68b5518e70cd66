package upshift.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.connect.Cluster;
import upshift.connect.ConnectSettings;
import upshift.connect.Endpoint;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.schema.AcceptedLossy;
import upshift.sql.QualifiedName;
import upshift.testing.Run;
import upshift.verify.TableResult.Status;

/**
 * verify over several sessions per side, 13 -> 16: large tables cut into ranges (primary-key ranges on 13, of an
 * integer key and of a text key, ctid ranges on 16), every session of a side on the snapshot its first session exported. The ranges give each
 * table the count and digest one session gives, a difference in any range is reported for its table, and the
 * sessions of a side read one point in time. The tables here are small, so the test cuts them at 1 page.
 */
class VerifyRangesTest {

    private static final QualifiedName RANGED = new QualifiedName("public", "ranged");
    private static final QualifiedName KEYLESS = new QualifiedName("public", "keyless");
    private static final QualifiedName SMALL = new QualifiedName("public", "small");
    private static final QualifiedName TEXTED = new QualifiedName("public", "Texted");
    private static final List<QualifiedName> TABLES = List.of(RANGED, KEYLESS, SMALL);
    private static final int ROWS = 20_000;

    /** A listener that keeps every statement, "role: sql". */
    private static class Statements implements Verification.Listener {
        final List<String> seen = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void statement(String role, String sql) {
            seen.add(role + ": " + sql);
        }

        boolean any(String role, String... parts) {
            synchronized (seen) {
                return seen.stream().anyMatch(s -> s.startsWith(role + ": ") && List.of(parts).stream()
                        .allMatch(s::contains));
            }
        }
    }

    @ParameterizedTest(name = "ranges over 3 sessions per side give the result of one session [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void rangesGiveTheResultOfOneSession(PgProvider provider) throws Exception {
        ShopFixture f = fixture(provider, "verify_ranges_same");
        try (Cluster origin = cluster("origin", f.originUrl());
             Cluster destination = cluster("destination", f.destinationUrl())) {
            for (boolean checksum : List.of(true, false)) {
                VerifyReport one = Verification.run(origin, destination, TABLES, checksum);
                Statements statements = new Statements();
                VerifyReport three = Verification.run(origin, destination, TABLES, checksum, AcceptedLossy.NONE,
                        statements, 3, 1);
                assertTrue(one.equal(), one.summary());
                assertTrue(three.equal(), three.summary());
                for (int i = 0; i < TABLES.size(); i++) {
                    TableResult a = one.tables().get(i);
                    TableResult b = three.tables().get(i);
                    assertEquals(a.table(), b.table());
                    assertEquals(a.originRows(), b.originRows(), a.table() + " rows on origin");
                    assertEquals(a.destinationRows(), b.destinationRows(), a.table() + " rows on destination");
                    assertEquals(a.originChecksum(), b.originChecksum(), a.table() + " digest on origin");
                    assertEquals(a.destinationChecksum(), b.destinationChecksum(), a.table() + " digest on destination");
                }
                assertEquals(ROWS, three.tables().get(0).originRows());
                // 13: ranges of the integer primary key; the table without one is read whole. 16: ctid ranges.
                assertTrue(statements.any("origin", "FROM ONLY \"public\".\"ranged\" WHERE \"id\" >= "),
                        "origin cuts by primary key: " + statements.seen);
                assertFalse(statements.any("origin", "\"keyless\" WHERE"), "no key, no TID range scan on 13");
                assertTrue(statements.any("destination", "FROM ONLY \"public\".\"ranged\" WHERE ctid >= '("),
                        "destination cuts by ctid: " + statements.seen);
                assertTrue(statements.any("destination", "FROM ONLY \"public\".\"keyless\" WHERE ctid < '("));
                for (String role : List.of("origin", "destination")) {
                    assertTrue(statements.any(role, "pg_export_snapshot()"), role + " exports its snapshot");
                    assertTrue(statements.any(role, "SET TRANSACTION SNAPSHOT '"), role + "'s other sessions import it");
                }
                assertTrue(origin.connection().getAutoCommit(), "the session is handed back in autocommit mode");
            }
        }
    }

    @ParameterizedTest(name = "a text primary key is cut on 13: 4 sessions give the result of one [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void aTextKeyIsCutOn13(PgProvider provider) throws Exception {
        ShopFixture f = fixture(provider, "verify_ranges_text");
        List<QualifiedName> tables = List.of(TEXTED);
        try (Cluster origin = cluster("origin", f.originUrl());
             Cluster destination = cluster("destination", f.destinationUrl())) {
            VerifyReport one = Verification.run(origin, destination, tables, true);
            Statements statements = new Statements();
            VerifyReport four = Verification.run(origin, destination, tables, true, AcceptedLossy.NONE, statements,
                    4, 1);
            assertTrue(one.equal(), one.summary());
            assertTrue(four.equal(), four.summary());
            TableResult a = one.tables().get(0);
            TableResult b = four.tables().get(0);
            assertEquals(ROWS, b.originRows());
            assertEquals(a.originChecksum(), b.originChecksum(), "digest on origin");
            assertEquals(a.destinationChecksum(), b.destinationChecksum(), "digest on destination");
            // 13: four ranges of the text key (the last one open); 16: ctid ranges, as before
            assertTrue(statements.any("origin", "FROM ONLY \"public\".\"Texted\" WHERE \"Code\" >= '",
                    "COLLATE \"pg_catalog\".\"default\""), "origin cuts by the text key: " + statements.seen);
            assertEquals(4, statements.seen.stream().filter(s -> s.startsWith("origin: ")
                    && s.contains("FROM ONLY \"public\".\"Texted\" WHERE \"Code\"")).count(), statements.seen.toString());
            assertTrue(statements.any("destination", "FROM ONLY \"public\".\"Texted\" WHERE ctid >= '("),
                    "destination cuts by ctid: " + statements.seen);

            // a changed row in the last range, and one in the first: found
            for (String code : List.of("code ~" + ROWS, "code !1")) {
                f.onDestination("UPDATE \"Texted\" SET v = v || '!' WHERE \"Code\" = '" + code + "'");
                VerifyReport changed = Verification.run(origin, destination, tables, true, AcceptedLossy.NONE,
                        Verification.Listener.NONE, 4, 1);
                assertEquals(Status.CHECKSUM_DIFFERS, changed.tables().get(0).status(), code + ": " + changed.summary());
                f.onDestination("UPDATE \"Texted\" SET v = left(v, -1) WHERE \"Code\" = '" + code + "'");
            }
        }
    }

    @ParameterizedTest(name = "a difference in any range is reported for its table [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void aDifferenceInAnyRangeNamesItsTable(PgProvider provider) throws Exception {
        ShopFixture f = fixture(provider, "verify_ranges_differ");
        try (Cluster origin = cluster("origin", f.originUrl());
             Cluster destination = cluster("destination", f.destinationUrl())) {
            // the first, a middle and the last range of each cut
            for (int id : List.of(1, ROWS / 2, ROWS)) {
                f.onDestination("UPDATE ranged SET v = v || '!' WHERE id = " + id);
                assertOnly(origin, destination, RANGED, Status.CHECKSUM_DIFFERS, "a changed value at id " + id);
                f.onDestination("UPDATE ranged SET v = left(v, -1) WHERE id = " + id);
            }
            assertTrue(run(origin, destination).equal(), "restored");

            // two rows of different ranges swap their values: the same multiset of values, other rows
            f.onDestination("UPDATE ranged r SET v = s.v FROM ranged s WHERE (r.id, s.id) IN ((1, " + ROWS + "), ("
                    + ROWS + ", 1))");
            assertOnly(origin, destination, RANGED, Status.CHECKSUM_DIFFERS, "values swapped between ranges");
            f.onDestination("UPDATE ranged SET v = 'value ' || id || repeat('x', (id % 50)::integer) WHERE id IN (1, " + ROWS + ")");
            assertTrue(run(origin, destination).equal(), "restored");

            // the last rows of the heap (the open-ended last ctid range)
            f.onDestination("UPDATE keyless SET n = n + 1 WHERE v = 'keyless 5000'");
            assertOnly(origin, destination, KEYLESS, Status.CHECKSUM_DIFFERS, "a changed row without a key");
            f.onDestination("UPDATE keyless SET n = n - 1 WHERE v = 'keyless 5000'");

            f.onDestination("DELETE FROM ranged WHERE id = " + (ROWS / 3));
            assertOnly(origin, destination, RANGED, Status.ROW_COUNT_DIFFERS, "a missing row");
        }
    }

    @ParameterizedTest(name = "the sessions of a side read one snapshot [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void theSessionsOfASideReadOneSnapshot(PgProvider provider) throws Exception {
        ShopFixture f = fixture(provider, "verify_ranges_snapshot");
        try (Cluster origin = cluster("origin", f.originUrl());
             Cluster destination = cluster("destination", f.destinationUrl());
             Connection writer = f.destination()) {
            // Every row of the destination changes after its first session exported the snapshot and before any
            // other imports it; and two sessions each hold a range before either reads it. A session on a
            // snapshot of its own would see the change: the verdict would be "rows differ".
            AtomicBoolean changed = new AtomicBoolean();
            CountDownLatch twoSessions = new CountDownLatch(2);
            Set<Thread> counted = Collections.synchronizedSet(new HashSet<>());
            Statements statements = new Statements() {
                @Override
                public void statement(String role, String sql) {
                    super.statement(role, sql);
                    if (!role.equals("destination")) {
                        return;
                    }
                    try {
                        if (sql.contains("SET TRANSACTION SNAPSHOT")) {
                            synchronized (changed) { // every other session waits until the change is committed
                                if (changed.compareAndSet(false, true)) {
                                    try (Statement st = writer.createStatement()) {
                                        st.execute("UPDATE ranged SET n = n + 1");
                                    }
                                }
                            }
                        }
                        if (sql.contains("\"ranged\" WHERE ctid") && counted.add(Thread.currentThread())) {
                            twoSessions.countDown();
                            assertTrue(twoSessions.await(30, TimeUnit.SECONDS), "a second session took a range");
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            };
            VerifyReport report = Verification.run(origin, destination, TABLES, true, AcceptedLossy.NONE, statements,
                    3, 1);
            assertTrue(changed.get(), "the destination changed while verify ran: " + statements.seen);
            assertEquals(0, twoSessions.getCount(), "two sessions read ranges of the table at once");
            assertTrue(report.equal(), "every destination session read the rows as they were when the first"
                    + " exported its snapshot: " + report.summary() + " " + report.tables().get(0));
            assertEquals(Status.CHECKSUM_DIFFERS, run(origin, destination).tables().get(0).status(),
                    "the change is there for the next run");
        }
    }

    @ParameterizedTest(name = "verify --jobs: checked before anything runs, and used [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void jobsOption(PgProvider provider) throws Exception {
        ShopFixture f = fixture(provider, "verify_ranges_cli");
        Run zero = f.run("Verify", "--checksum", "--jobs", "0");
        assertEquals(ExitCode.USAGE, zero.exitCode(), zero.stdout() + zero.stderr());
        assertTrue(zero.stderr().contains("--jobs must be at least 1"), zero.stderr());
        Run two = f.run("Verify", "--checksum", "--jobs", "2", "--table", "ranged,keyless,small", "--tables-from",
                "selection", "--exclude", "django_migrations", "-v");
        assertEquals(ExitCode.OK, two.exitCode(), two.stdout() + two.stderr());
        assertTrue((two.stdout() + two.stderr()).contains("all 3 table(s) equal"), two.stdout() + two.stderr());
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static VerifyReport run(Cluster origin, Cluster destination) {
        return Verification.run(origin, destination, TABLES, true, AcceptedLossy.NONE, Verification.Listener.NONE,
                3, 1);
    }

    private static void assertOnly(Cluster origin, Cluster destination, QualifiedName table, Status status,
            String what) {
        VerifyReport report = run(origin, destination);
        for (TableResult r : report.tables()) {
            assertEquals(r.table().equals(table) ? status : Status.EQUAL, r.status(), what + ": " + r);
        }
        assertEquals(List.of(table.toString()), report.differingTables(), what);
    }

    /** Origin 13 and destination 16 with the same rows; ranged's key is integer on origin, bigint on destination. */
    private static ShopFixture fixture(PgProvider provider, String database) throws Exception {
        ShopFixture f = ShopFixture.createWithEmptyDestination(provider, database, 1);
        for (String type : List.of("integer", "bigint")) {
            String sql = "CREATE TABLE ranged (id " + type + " PRIMARY KEY, v text, n integer);"
                    + " INSERT INTO ranged SELECT i, 'value ' || i || repeat('x', (i % 50)::integer), i % 97"
                    + " FROM generate_series(1, " + ROWS + ") i;"
                    + " CREATE TABLE keyless (v text, n integer);"
                    + " INSERT INTO keyless SELECT 'keyless ' || i, i FROM generate_series(1, 5000) i;"
                    + " CREATE TABLE small (id integer PRIMARY KEY, v text);"
                    + " INSERT INTO small SELECT i, 'small ' || i FROM generate_series(1, 10) i;"
                    // a text key, on 13 cut at its quantiles: codes from '!' to '~' (the first and last ranges)
                    + " CREATE TABLE \"Texted\" (\"Code\" " + (type.equals("integer") ? "text" : "varchar(40)")
                    + " PRIMARY KEY, v text);"
                    + " INSERT INTO \"Texted\" SELECT 'code ' || CASE WHEN i = 1 THEN '!' WHEN i = " + ROWS
                    + " THEN '~' ELSE '' END || i, 'it''s ' || md5(i::text) FROM generate_series(1, " + ROWS + ") i";
            if (type.equals("integer")) {
                f.onOrigin(sql);
            } else {
                f.onDestination(sql);
            }
        }
        for (String table : List.of("ranged", "keyless", "small", "\"Texted\"")) {
            f.onOrigin("VACUUM ANALYZE " + table);
            f.onDestination("VACUUM ANALYZE " + table);
        }
        return f;
    }

    private static Cluster cluster(String role, String url) {
        return new Cluster(role, Endpoint.resolve(url), ConnectSettings.defaults("upshift test"));
    }
}
