package upshift.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.cli.UpshiftCommand;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.sql.Sql;
import upshift.testing.Run;

/**
 * Connections as psql makes them, against real servers: service files, ~/.pgpass under $HOME, the host of a
 * multi-host URL that answered, and an --origin-conninfo that leaves the password out.
 */
class PsqlConnectionsTest {

    @TempDir
    Path dir;

    @AfterEach
    void forgetPasswords() {
        Secrets.forgetAll();
    }

    /** status in this JVM with exactly this environment, as Environment.system() builds it from the process's. */
    private static UpshiftCommand.Captured status(Map<String, String> env, String... args) {
        return UpshiftCommand.capture(UpshiftCommand.newScript("Status"), Environment.of(env), args);
    }

    @ParameterizedTest(name = "service=, PGSERVICE, PGSERVICEFILE and PGSYSCONFDIR reach the server [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void serviceFilesNameTheServer(PgProvider provider) throws Exception {
        PgServer server = Providers.shared(provider, 16);
        server.createDatabase("svc_app");
        Path userFile = dir.resolve("services.conf");
        Files.write(userFile, List.of("# the operator's services", "[upshift_dest]", "host=" + server.host(),
                "port=" + server.port(), "dbname=svc_app", "user=" + server.superuser(),
                "password=" + server.password()));
        Path sysconf = Files.createDirectories(dir.resolve("etc"));
        Files.write(sysconf.resolve("pg_service.conf"), List.of("[upshift_sys]", "host=" + server.host(),
                "port=" + server.port(), "dbname=svc_app", "user=" + server.superuser(),
                "password=" + server.password()));
        String where = server.host() + ":" + server.port() + "/svc_app";

        Map<String, String> env = Map.of("HOME", dir.toString(), "PGSERVICEFILE", userFile.toString());
        UpshiftCommand.Captured named = status(env, "--destination", "service=upshift_dest");
        assertEquals(ExitCode.OK, named.exitCode(), named.stderr());
        assertTrue(named.stdout().contains(where), named.stdout());
        assertFalse(named.stdout().contains(server.password()), "password printed");

        UpshiftCommand.Captured uri = status(env, "--destination", "postgresql:///?service=upshift_dest");
        assertEquals(ExitCode.OK, uri.exitCode(), uri.stderr());

        Map<String, String> fromEnv = new HashMap<>(env);
        fromEnv.put("PGSERVICE", "upshift_dest");
        fromEnv.put("PGURL_DESTINATION", "postgresql://");
        UpshiftCommand.Captured pgservice = status(fromEnv);
        assertEquals(ExitCode.OK, pgservice.exitCode(), pgservice.stderr());
        assertTrue(pgservice.stdout().contains(where), pgservice.stdout());

        // ~/.pg_service.conf under $HOME, and the system-wide file under PGSYSCONFDIR
        Files.copy(userFile, dir.resolve(".pg_service.conf"));
        UpshiftCommand.Captured home = status(Map.of("HOME", dir.toString()), "--destination", "service=upshift_dest");
        assertEquals(ExitCode.OK, home.exitCode(), home.stderr());
        UpshiftCommand.Captured system = status(Map.of("HOME", dir.toString(), "PGSYSCONFDIR", sysconf.toString()),
                "--destination", "service=upshift_sys");
        assertEquals(ExitCode.OK, system.exitCode(), system.stderr());
        assertTrue(system.stdout().contains(where), system.stdout());

        // what the string spells out wins over the service: this database does not exist
        UpshiftCommand.Captured explicit = status(env, "--destination", "service=upshift_dest dbname=svc_none");
        assertEquals(ExitCode.FAILED, explicit.exitCode(), explicit.stderr());
        assertTrue(explicit.stderr().contains("database \"svc_none\" does not exist"), explicit.stderr());

        UpshiftCommand.Captured unknown = status(env, "--destination", "service=nosuch");
        assertEquals(ExitCode.USAGE, unknown.exitCode(), unknown.stderr());
        assertTrue(unknown.stderr().contains("error: definition of service \"nosuch\" not found"), unknown.stderr());
    }

    @ParameterizedTest(name = "~/.pgpass is read under $HOME, and PGPASSFILE still wins [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void thePasswordFileIsUnderHome(PgProvider provider) throws Exception {
        PgServer server = Providers.shared(provider, 16);
        server.createDatabase("pgpass_app");
        Path home = Files.createDirectories(dir.resolve("home"));
        Path pgpass = home.resolve(".pgpass");
        Files.writeString(pgpass, server.host() + ":" + server.port() + ":pgpass_app:" + server.superuser() + ":"
                + server.password().replace("\\", "\\\\").replace(":", "\\:") + "\n");
        Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-------"));
        String url = "postgresql://" + server.superuser() + "@" + server.host() + ":" + server.port() + "/pgpass_app";

        UpshiftCommand.Captured run = status(Map.of("HOME", home.toString()), "--destination", url);
        assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
        assertTrue(run.stdout().contains(server.superuser() + ":********@"), run.stdout());

        Path wrong = dir.resolve("wrong.pgpass");
        Files.writeString(wrong, "*:*:*:*:not-the-password\n");
        Files.setPosixFilePermissions(wrong, PosixFilePermissions.fromString("rw-------"));
        UpshiftCommand.Captured passfile = status(Map.of("HOME", home.toString(), "PGPASSFILE", wrong.toString()),
                "--destination", url);
        assertEquals(ExitCode.FAILED, passfile.exitCode(), passfile.stderr());
        assertTrue(passfile.stderr().contains("password authentication failed"), passfile.stderr());
    }

    @ParameterizedTest(name = "a multi-host URL: the banner names the host that answered [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void theBannerNamesTheHostThatAnswered(PgProvider provider) throws Exception {
        PgServer server = Providers.shared(provider, 16);
        server.createDatabase("multi_app");
        // port 1 on loopback refuses at once: libpq and pgjdbc go on to the next host
        String url = "postgresql://" + server.superuser() + ":" + server.password() + "@127.0.0.1:1,"
                + server.host() + ":" + server.port() + "/multi_app";
        UpshiftCommand.Captured run = status(Map.of(), "--destination", url);
        assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
        assertTrue(run.stdout().contains("@" + server.host() + ":" + server.port() + "/multi_app"), run.stdout());
        assertFalse(run.stdout().contains("127.0.0.1:1/"), run.stdout());

        UpshiftCommand.Captured json = status(Map.of(), "--json", "--destination", url);
        assertEquals(ExitCode.OK, json.exitCode(), json.stderr());
        assertTrue(json.stdout().contains(server.host() + ":" + server.port() + "/multi_app"), json.stdout());
    }

    @ParameterizedTest(name = "--origin-conninfo without a password: the same user keeps --origin's [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void anExplicitConninfoKeepsThePasswordOfTheSameUser(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, "conninfo_pw", 5);
        assertEquals(ExitCode.OK, f.run("CreatePublication").exitCode());
        String withoutPassword = f.originConninfo().replaceAll(" password=('(\\\\.|[^'])*'|\\S+)", "");
        assertFalse(withoutPassword.contains("password"), withoutPassword);

        // another user: refused before anything is created, saying why
        String otherUser = withoutPassword.replaceAll("user=\\S+", "user=replicator");
        Run refused = f.run("CreateSubscription", "--origin-conninfo", otherUser);
        assertEquals(ExitCode.USAGE, refused.exitCode(), refused.stderr());
        assertTrue(refused.stderr().contains("error: --origin-conninfo has no password and names user"
                + " \"replicator\""), refused.stderr());
        assertTrue(refused.stderr().contains("--origin-conninfo replaces the conninfo derived from --origin, which"
                + " carried the password"), refused.stderr());
        assertEquals(0, f.destinationLong("SELECT count(*) FROM pg_subscription WHERE subname = "
                + Sql.literal(f.names().subscription())));

        // the same user (scram-sha-256 everywhere: without the password the server could not connect)
        Run created = f.run("CreateSubscription", "--origin-conninfo", withoutPassword);
        try {
            assertEquals(ExitCode.OK, created.exitCode(), created.stdout() + created.stderr());
            assertTrue(created.stderr().contains("--origin-conninfo names user \"" + f.originServer().superuser()
                    + "\" and no password: the password of --origin (same user) is used for it"), created.stderr());
            assertFalse((created.stdout() + created.stderr()).contains(f.originServer().password()),
                    "password printed");
            assertEquals(1, f.destinationLong("SELECT count(*) FROM pg_subscription WHERE subname = "
                    + Sql.literal(f.names().subscription())));
        } finally {
            f.onDestination("DROP SUBSCRIPTION IF EXISTS " + Sql.ident(f.names().subscription()));
        }
    }
}
