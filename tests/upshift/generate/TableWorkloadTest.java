package upshift.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.testing.Wait;

/**
 * The workload's accounting can fail: on a server that kept every write it counts 0 lost; then a row it inserted is
 * deleted behind its back, a row it updated is set back, a row it deleted is put back, and {@link TableWorkload#check}
 * counts each of them lost, on the table where it happened.
 */
class TableWorkloadTest {

    static Stream<PgProvider> providers() {
        return Providers.selected().stream();
    }

    @ParameterizedTest(name = "every acknowledged write is accounted for, and a lost one is found [{0}]")
    @MethodSource("providers")
    void findsEveryLostWrite(PgProvider provider) throws Exception {
        PgServer server = Providers.shared(provider, 13);
        DataGenerator.Result loaded = DataGeneratorTest.load(server, "workload_a", 11, 200);
        assertTrue(loaded.inserted() > 0);
        TableWorkload workload = new TableWorkload(new upshift.sample.Workload.Target(server.jdbcUrl("workload_a"),
                server.superuser(), server.password()), 400, 11);
        try {
            Wait.until(java.time.Duration.ofMinutes(2), "the workload to insert, update and delete",
                    () -> totals(workload, server).values().stream().allMatch(n -> n > 5));
            Wait.until(java.time.Duration.ofMinutes(2), "two live workload customers", () -> {
                try (Connection c = DataGeneratorTest.connect(server, "workload_a")) {
                    TableWorkload.TableAccount a = account(workload.check(c), "public.rt_customer");
                    return a.inserted() - a.deleted() >= 2;
                }
            });
        } finally {
            workload.close();
        }
        try (Connection c = DataGeneratorTest.connect(server, "workload_a")) {
            List<TableWorkload.TableAccount> clean = workload.check(c);
            assertEquals(0, clean.stream().mapToLong(TableWorkload.TableAccount::lost).sum(), clean.toString());
            assertTrue(clean.stream().mapToLong(TableWorkload.TableAccount::checked).sum() > 0, clean.toString());

            // rt_customer: keys are bigserial, the version column is email (text, unique)
            TableWorkload.TableAccount customers = account(clean, "public.rt_customer");
            assertTrue(customers.inserted() > 0, customers.toString());
            long loadedCustomers = loaded.tables().stream().filter(t -> t.table().toString().equals("public.rt_customer"))
                    .findFirst().orElseThrow().inserted();
            try (Statement st = c.createStatement()) {
                // the newest of the workload's live customers disappears, the one before it loses its last update
                assertEquals(1, st.executeUpdate("DELETE FROM rt_customer WHERE id = (SELECT max(id) FROM"
                        + " rt_customer) AND id > " + loadedCustomers), "a workload row to delete");
                assertEquals(1, st.executeUpdate("UPDATE rt_customer SET email = email || '-changed' WHERE id ="
                        + " (SELECT max(id) FROM rt_customer) AND id > " + loadedCustomers), "a workload row");
            }
            List<TableWorkload.TableAccount> after = workload.check(c);
            assertEquals(2, account(after, "public.rt_customer").lost(), after.toString());
            assertEquals(2, after.stream().mapToLong(TableWorkload.TableAccount::lost).sum(), after.toString());
            List<String> examples = account(after, "public.rt_customer").lostExamples();
            assertTrue(examples.stream().anyMatch(e -> e.startsWith("missing (")), examples.toString());
            assertTrue(examples.stream().anyMatch(e -> e.startsWith("stale (")), examples.toString());
        }
    }

    /**
     * The workload remembers keys and versions as the writing server's text. When the new model changes a key
     * column's type (integer to numeric prints 5 as 5.00) and the final server prints timestamps in another time
     * zone, the check still finds every row: it compares as the final server's types, not as text. A changed
     * version is still found.
     */
    @ParameterizedTest(name = "a composite key whose type changed, read in another time zone, still matches [{0}]")
    @MethodSource("providers")
    void comparesAsTheFinalServersTypes(PgProvider provider) throws Exception {
        PgServer server = Providers.shared(provider, 16);
        String db = "workload_typed";
        server.createDatabase(db);
        try (Connection c = DataGeneratorTest.connect(server, db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE tw_event (region int NOT NULL, code varchar(20) NOT NULL,"
                    + " seen timestamptz NOT NULL, PRIMARY KEY (region, code))");
        }
        TableWorkload workload = new TableWorkload(new upshift.sample.Workload.Target(server.jdbcUrl(db),
                server.superuser(), server.password()), 400, 5);
        try {
            Wait.until(java.time.Duration.ofMinutes(2), "the workload to insert and update tw_event", () -> {
                try (Connection c = DataGeneratorTest.connect(server, db)) {
                    TableWorkload.TableAccount a = account(workload.check(c), "public.tw_event");
                    return a.inserted() - a.deleted() >= 3 && a.updated() >= 1;
                }
            });
        } finally {
            workload.close();
        }
        try (Connection c = DataGeneratorTest.connect(server, db); Statement st = c.createStatement()) {
            assertEquals(0, account(workload.check(c), "public.tw_event").lost());
            st.execute("ALTER TABLE tw_event ALTER COLUMN region TYPE numeric(12,2), ALTER COLUMN code TYPE text");
            st.execute("ALTER DATABASE " + db + " SET TimeZone = 'Asia/Kathmandu'");
        }
        try (Connection c = DataGeneratorTest.connect(server, db); Statement st = c.createStatement()) {
            try (var rs = st.executeQuery("SELECT region::text FROM tw_event LIMIT 1")) {
                assertTrue(rs.next() && rs.getString(1).endsWith(".00"), "the key's text changed with its type");
            }
            TableWorkload.TableAccount typed = account(workload.check(c), "public.tw_event");
            assertEquals(0, typed.lost(), typed.toString());
            assertTrue(typed.checked() >= 3, typed.toString());
            assertEquals(1, st.executeUpdate("UPDATE tw_event SET seen = seen + interval '1 second' WHERE (region,"
                    + " code) = (SELECT region, code FROM tw_event ORDER BY region, code LIMIT 1)"));
            TableWorkload.TableAccount changed = account(workload.check(c), "public.tw_event");
            assertEquals(1, changed.lost(), changed.toString());
            assertTrue(changed.lostExamples().get(0).startsWith("stale ("), changed.toString());
        }
    }

    private static TableWorkload.TableAccount account(List<TableWorkload.TableAccount> accounts, String table) {
        return accounts.stream().filter(a -> a.table().toString().equals(table)).findFirst().orElseThrow();
    }

    /** Acknowledged inserts, updates and deletes so far, from a check on the server. */
    private static Map<String, Long> totals(TableWorkload workload, PgServer server) throws Exception {
        try (Connection c = DataGeneratorTest.connect(server, "workload_a")) {
            List<TableWorkload.TableAccount> a = workload.check(c);
            return Map.of("inserted", a.stream().mapToLong(TableWorkload.TableAccount::inserted).sum(),
                    "updated", a.stream().mapToLong(TableWorkload.TableAccount::updated).sum(),
                    "deleted", a.stream().mapToLong(TableWorkload.TableAccount::deleted).sum());
        }
    }
}
