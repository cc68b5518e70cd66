package upshift.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.connect.Cluster;
import upshift.connect.ConnectSettings;
import upshift.connect.Endpoint;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.sql.QualifiedName;
import upshift.testing.Run;
import upshift.verify.TableResult.Status;

/**
 * The library API switchover calls, against a real 13 origin and 16 destination: values that replicated
 * correctly hash the same across every type change the new model makes, and a real difference still shows.
 */
class VerificationTypesTest {

    private static final QualifiedName TYPES = new QualifiedName("public", "Type Changes");

    private static final String ORIGIN_TABLE = """
            CREATE TABLE "Type Changes" (
                id     integer PRIMARY KEY,
                small  smallint,
                label  text,
                price  numeric(10,2),
                ratio  real,
                doc    json,
                at     timestamp,
                day    date,
                code   varchar(5),
                tags   integer[],
                legacy text
            )""";

    private static final String DESTINATION_TABLE = """
            CREATE TABLE "Type Changes" (
                id     bigint PRIMARY KEY,
                small  bigint,
                label  varchar(40),
                price  numeric(12,4),
                ratio  double precision,
                doc    jsonb,
                at     timestamptz,
                day    timestamp,
                code   character(5),
                tags   bigint[],
                added  boolean NOT NULL DEFAULT true
            )""";

    private static final String ROWS = """
            INSERT INTO "Type Changes" VALUES
              (1, 7, 'plain', 12.50, 1.1, '{"b": 1, "a": [1, 2]}', '2024-05-01 10:00:00.123456', '2024-05-01',
               'ab', '{1,2,3}', 'old'),
              (2, NULL, '', 0.00, -0.5, 'null', '1999-12-31 23:59:59', '2000-02-29', '', '{}', NULL),
              (3, -32768, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'x'),
              (4, 1, 'comma, "quote" (paren)', 99999999.99, 3.4028235e38, '{"k": "v, w"}',
               '2024-01-01 00:00:00', '1970-01-01', 'abcde', '{-1,NULL}', 'y')""";

    @ParameterizedTest(name = "int/bigint, text/varchar, numeric, real/double, json/jsonb hash the same 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void typeChangesHashTheSame(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "verify_types", 5);
        f.onOrigin(ORIGIN_TABLE);
        f.onOrigin(ROWS);
        f.onDestination(DESTINATION_TABLE);
        try (Connection o = f.origin(); Connection d = f.destination()) {
            // the apply worker's session: text in, the destination's input functions, UTC
            try (Statement st = d.createStatement()) {
                st.execute("SET TimeZone = 'UTC'");
            }
            try (Statement st = o.createStatement()) {
                st.execute("SET TimeZone = 'UTC'");
            }
            VerifyCommandTest.copy(o, d, TYPES.sql());
        }

        try (Cluster origin = cluster("origin", f.originUrl()); Cluster destination = cluster("destination",
                f.destinationUrl())) {
            VerifyReport report = Verification.run(origin, destination, List.of(TYPES), true);
            TableResult t = report.tables().get(0);
            assertTrue(report.equal(), "the same rows after the type changes: " + t);
            assertEquals(Status.EQUAL, t.status());
            assertEquals(4L, t.originRows());
            assertEquals(Boolean.TRUE, t.checksumMatch());
            assertEquals(List.of("legacy"), t.originOnlyColumns());
            assertEquals(List.of("added"), t.destinationOnlyColumns());
            Map<String, String> how = t.compared().stream()
                    .collect(Collectors.toMap(ComparedColumn::name, ComparedColumn::comparedAs));
            assertEquals(Map.of("id", "exact number", "small", "exact number", "label", "text", "price",
                    "exact number", "ratio", "exact number", "doc", "json value (jsonb form; duplicate keys differ)",
                    "at", "timestamp in UTC", "day", "timestamp in UTC", "code", "text, char(n) without padding",
                    "tags", "text"), how);
            assertTrue(origin.connection().getAutoCommit(), "the session is handed back in autocommit mode");

            // the int vs bigint key on its own: the same digest on 13 and 16
            String ids1000 = "; INSERT INTO only_ids SELECT generate_series(1, 1000)";
            f.onOrigin("CREATE TABLE only_ids (id integer PRIMARY KEY)" + ids1000);
            f.onDestination("CREATE TABLE only_ids (id bigint PRIMARY KEY)" + ids1000);
            QualifiedName ids = new QualifiedName("public", "only_ids");
            TableResult idsResult = Verification.run(origin, destination, List.of(ids), true).tables().get(0);
            assertEquals(Status.EQUAL, idsResult.status(), idsResult.toString());
            assertEquals(idsResult.originChecksum(), idsResult.destinationChecksum());
            f.onDestination("UPDATE only_ids SET id = 1001 WHERE id = 1000");
            idsResult = Verification.run(origin, destination, List.of(ids), true).tables().get(0);
            assertEquals(Status.CHECKSUM_DIFFERS, idsResult.status(), "a key that changed");

            // a real difference in a normalized column still shows: 12.5 vs 12.5001
            f.onDestination("UPDATE \"Type Changes\" SET price = price + 0.0001 WHERE id = 1");
            VerifyReport changed = Verification.run(origin, destination, List.of(TYPES, ids), true);
            assertFalse(changed.equal());
            assertEquals(2, changed.differences().size());
            assertEquals(Status.CHECKSUM_DIFFERS, changed.tables().get(0).status());

            // and without a checksum, only counts: equal
            VerifyReport counts = Verification.run(origin, destination, List.of(TYPES), false);
            assertTrue(counts.equal(), counts.toString());
            assertEquals(null, counts.tables().get(0).checksumMatch());
        }
    }

    @ParameterizedTest(name = "a table that cannot be read is reported, the others still verified 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void aFailingTableIsNotVerifiedButTheOthersAre(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "verify_failing", 10);
        VerifyCommandTest.copyShop(f);
        // json is compared with jsonb in jsonb's form: a json string holding \u0000 has none, the origin query fails
        f.onOrigin("CREATE TABLE wide (id integer PRIMARY KEY, v json);"
                + " INSERT INTO wide VALUES (1, '{\"k\": \"\\u0000\"}')");
        f.onDestination("CREATE TABLE wide (id bigint PRIMARY KEY, v jsonb); INSERT INTO wide VALUES (1, '{}')");
        QualifiedName user = new QualifiedName("public", "auth_user");
        QualifiedName wide = new QualifiedName("public", "wide");
        QualifiedName order = new QualifiedName("public", "shop_order");
        try (Cluster origin = cluster("origin", f.originUrl());
             Cluster destination = cluster("destination", f.destinationUrl())) {
            VerifyReport report = Verification.run(origin, destination, List.of(user, wide, order), true);

            assertFalse(report.equal());
            assertEquals(List.of(), report.differences(), "nothing is known to differ");
            assertEquals(1, report.errors().size());
            TableResult failed = report.errors().get(0);
            assertEquals(wide, failed.table());
            assertEquals(Status.ERROR, failed.status());
            assertTrue(failed.error().startsWith("origin: ") && failed.error().contains("unsupported Unicode escape"),
                    failed.error());
            assertEquals(Status.EQUAL, report.tables().get(0).status(), "before the failing table");
            assertEquals(Status.EQUAL, report.tables().get(2).status(), "after it: the transaction went on");
            assertTrue(origin.connection().getAutoCommit(), "the session is handed back in autocommit mode");
            assertTrue(report.summary().contains("1 of 3 table(s) could not be verified"), report.summary());

            Run run = f.run("Verify", "--checksum", "--table", "wide,auth_user", "--tables-from", "selection",
                    "--exclude", "django_migrations");
            assertEquals(ExitCode.FAILED, run.exitCode(), run.stdout() + run.stderr());
            assertTrue(run.stdout().contains("public.wide: not verified: origin: ERROR:"), run.stdout());
            assertTrue(run.stderr().startsWith("verifying 2 table(s)"), run.stderr());
            assertTrue(run.stderr().contains("error: 1 of 2 table(s) could not be verified"), run.stderr());
        }
    }

    private static Cluster cluster(String role, String url) {
        return new Cluster(role, Endpoint.resolve(url), ConnectSettings.defaults("upshift test"));
    }
}
