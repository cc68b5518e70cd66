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
