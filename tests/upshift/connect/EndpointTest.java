package upshift.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import upshift.ExitCode;
import upshift.UpshiftException;

class EndpointTest {

    /** The made-up passwords these tests resolve must not mask words in later tests' output (one JVM). */
    @org.junit.jupiter.api.AfterEach
    void forgetPasswords() {
        Secrets.forgetAll();
    }


    @TempDir
    Path home;

    private Environment env(String... keyValues) {
        Map<String, String> vars = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            vars.put(keyValues[i], keyValues[i + 1]);
        }
        return new Environment(vars, home, "osuser");
    }

    private static final ConnectSettings SETTINGS = ConnectSettings.defaults("upshift test");

    @Test
    void libpqUriWithEverything() {
        Endpoint e = Endpoint.resolve("postgresql://app%40corp:p%40ss%3Aw0rd@db.example.com:6543/my%20db"
                + "?sslmode=require&application_name=x", env());
        assertEquals("db.example.com", e.host());
        assertEquals(6543, e.port());
        assertEquals("my db", e.dbname());
        assertEquals("app@corp", e.user());
        assertTrue(e.hasPassword());
        assertEquals("require", e.get("sslmode"));
        assertEquals("jdbc:postgresql://db.example.com:6543/my%20db", e.jdbcUrl());
        Properties p = e.jdbcProperties(SETTINGS);
        assertEquals("p@ss:w0rd", p.getProperty("password"));
        assertEquals("require", p.getProperty("sslmode"));
        assertEquals("x", p.getProperty("ApplicationName"));
    }

    @Test
    void postgresSchemeAndIpv6AndDefaults() {
        Endpoint e = Endpoint.resolve("postgres://[::1]", env());
        assertEquals("::1", e.host());
        assertEquals(5432, e.port());
        assertEquals("osuser", e.user());
        assertEquals("osuser", e.dbname());
        assertEquals("jdbc:postgresql://[::1]:5432/osuser", e.jdbcUrl());
        assertFalse(e.hasPassword());
    }

    @Test
    void multipleHostsKeepTheirPorts() {
        Endpoint e = Endpoint.resolve("postgresql://a:5433,b:5434/app", env());
        assertEquals("jdbc:postgresql://a:5433,b:5434/app", e.jdbcUrl());
        Endpoint one = Endpoint.resolve("host=a,b port=5999 dbname=app", env());
        assertEquals("jdbc:postgresql://a:5999,b:5999/app", one.jdbcUrl());
    }

    @Test
    void keywordValueWithQuotingAndEscapes() {
        Endpoint e = Endpoint.resolve("host=h port = 5440 dbname='my app' user=o\\'neil password=x", env());
        assertEquals("h", e.host());
        assertEquals(5440, e.port());
        assertEquals("my app", e.dbname());
        assertEquals("o'neil", e.user());
        Endpoint escaped = Endpoint.resolve("host=h password='a b\\'c\\\\d'", env());
        assertEquals("a b'c\\d", escaped.jdbcProperties(SETTINGS).getProperty("password"));
    }

    @Test
    void jdbcUrlParametersMapToLibpq() {
        Endpoint e = Endpoint.resolve("jdbc:postgresql://h:5555/app?user=u&password=secret1&sslmode=verify-full"
                + "&ApplicationName=a&prepareThreshold=0", env());
        assertEquals("u", e.user());
        assertEquals("verify-full", e.get("sslmode"));
        Properties p = e.jdbcProperties(SETTINGS);
        assertEquals("0", p.getProperty("prepareThreshold"));
        assertEquals("a", p.getProperty("ApplicationName"));
        // JDBC-only parameters never reach a server's libpq
        assertFalse(e.conninfo().contains("prepareThreshold"));
        assertTrue(e.conninfo().contains("application_name=a"));
    }

    @Test
    void environmentFillsWhatTheUrlLeavesOut() {
        Endpoint e = Endpoint.resolve("postgresql:///app", env("PGHOST", "envhost", "PGPORT", "6000",
                "PGUSER", "envuser", "PGPASSWORD", "envpass", "PGSSLMODE", "require"));
        assertEquals("envhost", e.host());
        assertEquals(6000, e.port());
        assertEquals("envuser", e.user());
        assertEquals("app", e.dbname());
        assertEquals("envpass", e.jdbcProperties(SETTINGS).getProperty("password"));
        assertEquals("require", e.get("sslmode"));
        // the URL wins over the environment
        assertEquals("urlhost", Endpoint.resolve("postgresql://urlhost/app", env("PGHOST", "envhost")).host());
    }

    @Test
    void passwordFileIsReadLikeLibpq() throws Exception {
        Path pgpass = home.resolve(".pgpass");
        Files.writeString(pgpass, "# comment\nother:*:*:*:nope\ndb\\:x:5432:app:alice:first\n"
                + "db.example.com:*:*:alice:pa\\:ss\n*:*:*:*:fallback\n");
        Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-------"));
        Endpoint e = Endpoint.resolve("postgresql://alice@db.example.com/app", env());
        assertEquals("pa:ss", e.jdbcProperties(SETTINGS).getProperty("password"));
        assertEquals("fallback",
                Endpoint.resolve("postgresql://bob@elsewhere/app", env()).jdbcProperties(SETTINGS).getProperty("password"));
        assertTrue(e.notes().isEmpty());
    }

    @Test
    void looseLyPermittedPasswordFileIsIgnoredWithAWarning() throws Exception {
        Path pgpass = home.resolve("custom.pgpass");
        Files.writeString(pgpass, "*:*:*:*:secret\n");
        Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-r--r--"));
        Endpoint e = Endpoint.resolve("postgresql://u@h/app", env("PGPASSFILE", pgpass.toString()));
        assertFalse(e.hasPassword());
        assertEquals(1, e.notes().size());
        assertTrue(e.notes().get(0).contains("chmod 0600"), e.notes().get(0));
    }

    @Test
    void conninfoForCreateSubscriptionQuotesAndMasks() {
        Endpoint e = Endpoint.resolve("postgresql://rep:it's%20secret@10.0.0.5:5432/app?sslmode=require", env());
        String conninfo = e.conninfo();
        assertEquals("host=10.0.0.5 port=5432 dbname=app user=rep password='it\\'s secret' sslmode=require",
                conninfo);
        assertEquals(conninfo, Endpoint.resolve(conninfo, env()).conninfo(), "conninfo round-trips");
        assertFalse(e.maskedConninfo().contains("secret"), e.maskedConninfo());
        assertEquals("postgresql://rep:********@10.0.0.5:5432/app?sslmode=require", e.toString());
    }

    @Test
    void malformedInputFailsWithoutEchoingThePassword() {
        for (String bad : new String[] {"", "http://u:hunter22@h/db", "postgresql://u:hunter22@h:notaport/db",
                "host=h password='hunter22", "host=h bogus=hunter22", "just-a-word", "host=h port=0",
                "postgresql://u:hunter22@[::1/db", "host=/var/run/postgresql password=hunter22"}) {
            UpshiftException e = assertThrows(UpshiftException.class, () -> Endpoint.resolve(bad, env()), bad);
            assertEquals(ExitCode.USAGE, e.exitCode(), bad);
            assertFalse(e.getMessage().contains("hunter22"), e.getMessage());
            assertFalse(String.valueOf(e.hint()).contains("hunter22"), e.hint());
        }
    }

    private Path serviceFile(Path file, String... lines) throws Exception {
        Files.createDirectories(file.getParent());
        Files.write(file, java.util.List.of(lines));
        return file;
    }

    /** libpq's precedence: the string's own keywords, then the service's entries, then PG* variables. */
    @Test
    void aServiceFillsWhatTheStringLeavesOutAndBeatsTheEnvironment() throws Exception {
        serviceFile(home.resolve(".pg_service.conf"), "# comment", "[other]", "host=wrong", "",
                "[prod]", "  host = db.example.com", "port=6543", "dbname=shop", "user=svc", "password=fromservice",
                "[later]", "host=alsowrong");
        Endpoint e = Endpoint.resolve("service=prod user=explicit", env("PGHOST", "envhost", "PGUSER", "envuser",
                "PGSSLMODE", "require"));
        assertEquals("db.example.com", e.host());
        assertEquals(6543, e.port());
        assertEquals("shop", e.dbname());
        assertEquals("explicit", e.user(), "the string's own keyword wins over the service");
        assertEquals("require", e.get("sslmode"), "what neither gives comes from the environment");
        assertTrue(e.hasPassword());
        assertNull(e.get("service"), "a server that connects to it (CREATE SUBSCRIPTION) has no such file");
        assertFalse(e.conninfo().contains("service="), e.maskedConninfo());
        assertTrue(e.conninfo().contains("host=db.example.com port=6543 dbname=shop"), e.maskedConninfo());
        assertFalse(e.maskedConninfo().contains("fromservice"), e.maskedConninfo());

        // the URI form and PGSERVICE name it too
        assertEquals("db.example.com", Endpoint.resolve("postgresql:///?service=prod", env()).host());
        Endpoint fromEnv = Endpoint.resolve("postgresql://", env("PGSERVICE", "prod"));
        assertEquals("db.example.com", fromEnv.host());
        assertEquals("svc", fromEnv.user());
        assertEquals("envhost", Endpoint.resolve("postgresql://", env("PGHOST", "envhost")).host(),
                "no service named: the environment as before");
    }

    @Test
    void theUserFileWinsOverTheSystemFileAndPgservicefileMovesIt() throws Exception {
        Path sys = home.resolve("sysconf");
        serviceFile(sys.resolve("pg_service.conf"), "[prod]", "host=system-host", "[sysonly]", "host=sys-only");
        Path mine = serviceFile(home.resolve("elsewhere/services.conf"), "[prod]", "host=user-host");
        assertEquals("system-host", Endpoint.resolve("service=prod", env("PGSYSCONFDIR", sys.toString())).host());
        assertEquals("user-host", Endpoint.resolve("service=prod", env("PGSYSCONFDIR", sys.toString(),
                "PGSERVICEFILE", mine.toString())).host());
        assertEquals("sys-only", Endpoint.resolve("service=sysonly", env("PGSYSCONFDIR", sys.toString(),
                "PGSERVICEFILE", mine.toString())).host(), "a service the user file lacks comes from the system");
        assertEquals("user-host", Endpoint.resolve("service=prod servicefile=" + mine, env(
                "PGSYSCONFDIR", sys.toString())).host(), "servicefile= (PostgreSQL 18) names the user file");
    }

    @Test
    void anUnknownServiceOrAMalformedFileIsAUsageError() throws Exception {
        UpshiftException missing = assertThrows(UpshiftException.class,
                () -> Endpoint.resolve("service=nosuch", env("PGSYSCONFDIR", home.resolve("none").toString())));
        assertEquals(ExitCode.USAGE, missing.exitCode());
        assertEquals("definition of service \"nosuch\" not found", missing.getMessage());
        assertTrue(missing.hint().contains(".pg_service.conf"), missing.hint());

        serviceFile(home.resolve(".pg_service.conf"), "[bad]", "host db", "[nested]", "service=other",
                "[unknown]", "colour=blue");
        for (String name : new String[] {"bad", "nested", "unknown"}) {
            UpshiftException e = assertThrows(UpshiftException.class,
                    () -> Endpoint.resolve("service=" + name, env()), name);
            assertEquals(ExitCode.USAGE, e.exitCode(), name);
            assertTrue(e.getMessage().contains(".pg_service.conf, line "), e.getMessage());
        }
    }

    /** libpq reads ~/.pgpass and ~/.pg_service.conf under $HOME; Java's user.home ignores HOME. */
    @Test
    void theHomeDirectoryIsHomeNotUserHome() {
        assertEquals(home, Environment.of(Map.of("HOME", home.toString())).home());
        assertEquals(Path.of(System.getProperty("user.home")), Environment.of(Map.of()).home());
    }

    @Test
    void theHostThatAnsweredIsTheOneNamed() {
        Endpoint e = Endpoint.resolve("postgresql://u:pw@dead.example:5433,live.example:6000,[::1]/db", env());
        assertTrue(e.multiHost());
        assertEquals("dead.example", e.host(), "before connecting: the first");
        Endpoint live = e.answeredBy("live.example", 6000);
        assertEquals("live.example", live.host());
        assertEquals(6000, live.port());
        assertEquals("postgresql://u:********@live.example:6000/db", live.toString());
        assertEquals(e.conninfo(), live.conninfo(), "a server connecting to it still gets the whole list");
        assertEquals("::1", e.answeredBy("::1", 5432).host());
        assertEquals("dead.example", e.answeredBy("live.example", 1).host(), "not in the list: unchanged");
        UpshiftException none = Connector.explain("origin", e, new java.sql.SQLException("refused", "08001",
                new java.net.ConnectException("Connection refused")));
        assertEquals("cannot connect to origin postgresql://u:********@dead.example:5433/db (and every other host of"
                + " its list): connection refused", none.getMessage());
    }

    @Test
    void connectTimeoutFollowsLibpq() {
        assertEquals("0", Endpoint.resolve("postgresql://h/db?connect_timeout=0", env()).jdbcProperties(SETTINGS)
                .getProperty("connectTimeout"), "0 waits indefinitely");
        assertEquals("2", Endpoint.resolve("host=h connect_timeout=1", env()).jdbcProperties(SETTINGS)
                .getProperty("connectTimeout"), "libpq counts 1 as 2");
        UpshiftException e = assertThrows(UpshiftException.class,
                () -> Endpoint.resolve("host=h connect_timeout=soon", env()));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertEquals(ExitCode.USAGE, assertThrows(UpshiftException.class,
                () -> Endpoint.resolve("host=h", env("PGPORT", "none"))).exitCode());
    }

    @Test
    void connectTimeoutFromTheUrlWins() {
        Properties p = Endpoint.resolve("postgresql://h/db?connect_timeout=3", env()).jdbcProperties(SETTINGS);
        assertEquals("3", p.getProperty("connectTimeout"));
        assertTrue(p.getProperty("options").contains("statement_timeout="), p.getProperty("options"));
        assertNull(Endpoint.resolve("postgresql://h/db", env()).get("password"));
    }
}
