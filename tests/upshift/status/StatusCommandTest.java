package upshift.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.testing.Run;

/** The status script against a real 13 origin and 16 destination, in-process. */
class StatusCommandTest {

    @ParameterizedTest(name = "status 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void showsBothServersTheirCapabilitiesAndTheMigrationsObjects(PgProvider provider) throws Exception {
        PgServer origin = Providers.shared(provider, 13);
        PgServer destination = Providers.shared(provider, 16);
        origin.createDatabase("status_app");
        destination.createDatabase("status_app");
        try (Connection c = DriverManager.getConnection(origin.jdbcUrl("status_app"), origin.superuser(),
                origin.password()); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE items (id int PRIMARY KEY)");
            st.execute("CREATE PUBLICATION status_pub FOR TABLE items");
            st.execute("CREATE UNLOGGED TABLE cache (id int); CREATE TABLE django_migrations (id int)");
        }
        String originUrl = origin.uri("status_app");
        String destinationUrl = destination.uri("status_app");

        Run human = Run.script("Status", "--origin", originUrl, "--destination", destinationUrl,
                "--name", "status");
        assertEquals(ExitCode.OK, human.exitCode(), human.stderr());
        assertTrue(human.stdout().contains("PostgreSQL 13."), human.stdout());
        assertTrue(human.stdout().contains("PostgreSQL 16."), human.stdout());
        assertTrue(human.stdout().contains("status_pub"), human.stdout());
        assertTrue(human.stdout().contains("Not replicated, outside the publication: 2 table(s) of this database\n"
                + "  1 unlogged (cannot be published): public.cache\n"
                + "  1 excluded by pattern (django_migrations, spatial_ref_sys): public.django_migrations"),
                human.stdout());
        assertFalse(human.stdout().contains(origin.password()), "password printed");

        Run json = Run.script("Status", "--json", "--origin", originUrl,
                "--destination", destinationUrl, "--name", "status");
        assertEquals(ExitCode.OK, json.exitCode(), json.stderr());
        JsonNode report = new ObjectMapper().readTree(json.stdout());
        assertEquals(13, report.at("/origin/major").asInt());
        assertEquals(16, report.at("/destination/major").asInt());
        assertEquals("community", report.at("/origin/flavour").asText());
        assertEquals("logical", report.at("/origin/settings/wal_level").asText());
        assertTrue(report.at("/origin/logicalReplicationEnabled").asBoolean());
        assertFalse(names(report.at("/origin/capabilities")).contains("subscription-run-as-owner"));
        assertTrue(names(report.at("/destination/capabilities")).contains("subscription-run-as-owner"));
        JsonNode objects = report.at("/origin/objects");
        assertEquals(1, objects.size(), objects.toString());
        assertEquals("publication", objects.get(0).get("kind").asText());
        assertEquals("status_pub", objects.get(0).get("name").asText());
        assertEquals("1 tables", objects.get(0).get("detail").asText());
        assertEquals(0, report.at("/destination/objects").size());
        assertEquals("publication created: next create-subscription", report.get("phase").asText());
        assertEquals(0, report.at("/destination/addedColumns").size());
        assertEquals(0, report.at("/origin/frozenRoles").size());
        assertEquals(2, report.at("/origin/notReplicated").size(), json.stdout());
        assertEquals("[{\"schema\":\"public\",\"name\":\"cache\"}]",
                report.at("/origin/notReplicated/0/tables").toString());
        assertEquals(0, report.at("/destination/notReplicated").size());
        assertFalse(json.stdout().contains(origin.password()), "password printed");
    }

    @ParameterizedTest(name = "status reports one side alone [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void eitherSideMayBeAbsent(PgProvider provider) throws Exception {
        PgServer destination = Providers.shared(provider, 16);
        Run run = Run.script("Status", "--json", "--destination", destination.uri("postgres"));
        assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
        JsonNode report = new ObjectMapper().readTree(run.stdout());
        assertTrue(report.get("origin").isNull());
        assertTrue(report.get("phase").isNull(), "no phase from one side");
        assertEquals(16, report.at("/destination/major").asInt());

        // -v logs every query status runs, as the steps that change something log theirs
        Run verbose = Run.script("Status", "-v", "--destination", destination.uri("postgres"));
        assertEquals(ExitCode.OK, verbose.exitCode(), verbose.stderr());
        long logged = verbose.stderr().lines().filter(l -> l.startsWith("-- [destination] ")).count();
        assertTrue(logged >= 3, verbose.stderr());
        assertTrue(verbose.stderr().contains("pg_subscription") && verbose.stderr().contains("pg_settings"),
                verbose.stderr());
        Run quiet = Run.script("Status", "--destination", destination.uri("postgres"));
        assertFalse(quiet.stderr().contains("-- [destination] "), "without -v no SQL: " + quiet.stderr());
    }

    @ParameterizedTest(name = "a non-superuser sees a 13 server's subscriptions (no pg_subscription.oid) [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void nonSuperuserOnThirteen(PgProvider provider) throws Exception {
        PgServer origin = Providers.shared(provider, 13);
        origin.createDatabase("status_plain");
        try (Connection c = DriverManager.getConnection(origin.jdbcUrl("status_plain"), origin.superuser(),
                origin.password()); Statement st = c.createStatement()) {
            st.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'status_reader') THEN"
                    + " CREATE ROLE status_reader LOGIN PASSWORD 'reader-pw'; END IF; END $$");
            st.execute("CREATE SUBSCRIPTION status_plain_rollback_sub CONNECTION 'host=127.0.0.1 port=1'"
                    + " PUBLICATION p WITH (connect = false)");
        }
        String url = "postgresql://status_reader:reader-pw@" + origin.host() + ":" + origin.port() + "/status_plain";
        Run run = Run.script("Status", "--json", "--origin", url, "--name", "status_plain");
        assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
        JsonNode objects = new ObjectMapper().readTree(run.stdout()).at("/origin/objects");
        assertEquals(1, objects.size(), run.stdout());
        assertEquals("status_plain_rollback_sub", objects.get(0).get("name").asText());
        assertEquals("disabled", objects.get(0).get("state").asText());
    }

    @ParameterizedTest(name = "bad input fails in one line without the password [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void badInputFailsInOneLineWithoutThePassword(PgProvider provider) {
        PgServer origin = Providers.shared(provider, 13);
        String secret = origin.password();
        String wrongPassword = "postgresql://" + origin.superuser() + ":not-" + secret + "@" + origin.host() + ":"
                + origin.port() + "/postgres";
        String closedPort = "postgresql://" + origin.superuser() + ":" + secret + "@127.0.0.1:1/postgres";
        String malformed = "postgresql://" + origin.superuser() + ":" + secret + "@" + origin.host() + ":port/db";
        for (String url : List.of(wrongPassword, closedPort, malformed)) {
            Run run = Run.script("Status", "--origin", url);
            // a malformed URL is a usage error (exit 2); a server that refuses is a failure (exit 1)
            assertEquals(url.equals(malformed) ? ExitCode.USAGE : ExitCode.FAILED, run.exitCode(), run.stderr());
            assertTrue(run.stderr().startsWith("error: "), run.stderr());
            assertEquals(2, run.stderr().strip().lines().count(), "error and hint only:\n" + run.stderr());
            assertFalse(run.stderr().contains(secret), run.stderr());
            assertFalse(run.stderr().contains("\tat "), "stack trace printed:\n" + run.stderr());
            assertEquals("", run.stdout());
        }
        Run wrong = Run.script("Status", "--origin", wrongPassword);
        assertTrue(wrong.stderr().contains("password authentication failed"), wrong.stderr());
    }

    @org.junit.jupiter.api.Test
    void aMistypedOptionDoesNotEchoTheUrlsPassword() {
        Run run = Run.script("Status", "--orgin", "postgresql://app:hunter2-secret@db.example.com/app");
        assertEquals(ExitCode.USAGE, run.exitCode(), run.stderr());
        assertTrue(run.stderr().startsWith("error: "), run.stderr());
        assertFalse(run.stderr().contains("hunter2-secret"), run.stderr());
    }

    private static List<String> names(JsonNode array) {
        List<String> names = new ArrayList<>();
        array.forEach(n -> names.add(n.asText()));
        return names;
    }
}
