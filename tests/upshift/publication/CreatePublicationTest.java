package upshift.publication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.testing.Psql;
import upshift.testing.Run;

class CreatePublicationTest {

    private static final String PUBLISHED = "SELECT count(*) FROM pg_publication_tables WHERE pubname LIKE 'pub\\_%'";

    @ParameterizedTest(name = "publishes the owner's tables minus exclusions, then only what appeared 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void createsThenAddsWhatAppeared(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "pub_create", 5);

        Run run = f.run("CreatePublication", "--json");
        assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
        JsonNode plan = new ObjectMapper().readTree(run.stdout());
        assertFalse(plan.get("existed").asBoolean());
        assertEquals("create", plan.get("action").asText());
        assertEquals(5, plan.get("toAdd").size(), run.stdout());
        assertEquals(5, f.originLong(PUBLISHED));
        assertEquals(1, f.originLong(PUBLISHED + " AND schemaname = 'Billing' AND tablename = 'Invoice'"));
        assertEquals(0, f.originLong(PUBLISHED + " AND tablename IN ('django_migrations', 'spatial_ref_sys')"));

        Run again = f.run("CreatePublication");
        assertEquals(ExitCode.OK, again.exitCode(), again.stderr());
        assertTrue(again.stderr().contains("already publishes all 5"), again.stderr());

        f.onOrigin("CREATE TABLE \"New Things\" (id bigint PRIMARY KEY)");
        Run added = f.run("CreatePublication");
        assertEquals(ExitCode.OK, added.exitCode(), added.stderr());
        assertTrue(added.stderr().contains("add 1 table(s) that appeared since: [public.New Things]"), added.stderr());
        assertEquals(6, f.originLong(PUBLISHED));
    }

    @ParameterizedTest(name = "refuses a table without replica identity and changes nothing 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void refusesTablesWithoutReplicaIdentity(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "pub_nopk", 5);
        f.onOrigin("CREATE TABLE audit_trail (at timestamptz, what text)");

        Run run = f.run("CreatePublication");
        assertEquals(ExitCode.CHECK_FAILED, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("public.audit_trail"), run.stderr());
        assertTrue(run.stderr().contains("hint: ALTER TABLE \"public\".\"audit_trail\" ADD PRIMARY KEY"), run.stderr());
        assertEquals(0, f.originLong("SELECT count(*) FROM pg_publication"));

        Run excluded = f.run("CreatePublication", "--exclude", "audit_trail", "--exclude", "django_migrations");
        assertEquals(ExitCode.OK, excluded.exitCode(), excluded.stderr());
        assertEquals(5, f.originLong(PUBLISHED));
    }

    @ParameterizedTest(name = "partitioned tables are published through their root 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void partitionedTablesUseTheRoot(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "pub_partitions", 5);
        f.onOrigin("CREATE TABLE events (id bigint, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);"
                + " CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')");

        Run run = f.run("CreatePublication", "--schema", "public");
        assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
        assertEquals(1, f.originLong("SELECT count(*) FROM pg_publication WHERE pubviaroot"));
        assertEquals(1, f.originLong(PUBLISHED + " AND tablename = 'events'"), "the root, not the partition");
        assertEquals(0, f.originLong(PUBLISHED + " AND schemaname = 'Billing'"), "--schema public only");
    }

    @ParameterizedTest(name = "--dry-run script runs unchanged in psql 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void dryRunRunsInPsql(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "pub_dry", 5);
        Run dry = f.run("CreatePublication", "--dry-run");
        assertEquals(ExitCode.OK, dry.exitCode(), dry.stderr());
        assertEquals(0, f.originLong("SELECT count(*) FROM pg_publication"));
        Run psql = Psql.run(f.originServer(), f.database(), dry.stdout(), Map.of());
        assertEquals(0, psql.exitCode(), psql.stdout());
        assertEquals(5, f.originLong(PUBLISHED));
    }

    @ParameterizedTest(name = "an owner without tables is a clear failure [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void ownerWithoutTables(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "pub_owner", 1);
        Run run = f.run("CreatePublication", "--owner", "nobody_owns_this");
        assertEquals(ExitCode.FAILED, run.exitCode(), run.stderr());
        assertTrue(run.stderr().startsWith("error: no tables to publish"), run.stderr());
    }
}
