package upshift.pgtools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import upshift.ExitCode;
import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.connect.ConnectSettings;
import upshift.connect.Endpoint;
import upshift.connect.Environment;
import upshift.sql.QualifiedName;

class ClientConnectionTest {

    private static Cluster cluster(String url, Map<String, String> env) {
        Environment environment = new Environment(env, Path.of("/nonexistent"), "osuser");
        return new Cluster("reference", Endpoint.resolve(url, environment), ConnectSettings.defaults("test"));
    }

    @Test
    void thePasswordGoesThroughTheEnvironmentNeverTheCommandLine() {
        ClientConnection c = ClientConnection.of(
                cluster("postgresql://app:s3cr%27et@db.example.com:6432/shop?sslmode=require", Map.of()),
                "upshift dump-schema");
        assertEquals("host=db.example.com port=6432 dbname=shop user=app sslmode=require", c.conninfo());
        assertEquals("s3cr'et", c.environment().get("PGPASSWORD"));
        assertEquals("10", c.environment().get("PGCONNECT_TIMEOUT"));
        assertEquals("upshift dump-schema", c.environment().get("PGAPPNAME"));
        assertFalse(c.toString().contains("s3cr"), c.toString());
        List<String> command = SchemaDump.schemaCommand(new PgTool("pg_dump", Path.of("/usr/bin/pg_dump"),
                PgVersion.parse("15.18")), c, Path.of("d/schema.sql"));
        assertTrue(command.stream().noneMatch(w -> w.contains("s3cr")), command.toString());
        assertTrue(command.contains("--dbname=host=db.example.com port=6432 dbname=shop user=app sslmode=require"));
    }

    @Test
    void theChildConnectsWhereUpshiftResolvedNotWhereItsEnvironmentPoints() {
        ClientConnection c = ClientConnection.of(cluster("host=h user=u dbname=d connect_timeout=3", Map.of()), "x");
        Map<String, String> child = new HashMap<>(Map.of("PGHOST", "elsewhere", "PGHOSTADDR", "10.9.9.9",
                "PGPASSWORD", "stale", "PGSERVICE", "svc", "PGSSLROOTCERT", "/ca.pem", "PATH", "/bin"));
        c.applyTo(child);
        assertNull(child.get("PGHOST"));
        assertNull(child.get("PGHOSTADDR"));
        assertNull(child.get("PGPASSWORD"));
        assertNull(child.get("PGSERVICE"));
        assertEquals("/ca.pem", child.get("PGSSLROOTCERT"));
        assertEquals("/bin", child.get("PATH"));
        assertEquals("3", child.get("PGCONNECT_TIMEOUT"));
        assertFalse(c.hasPassword());
    }

    @Test
    void djangoMigrationsTableOption() {
        assertEquals(SchemaDump.DEFAULT_DJANGO_MIGRATIONS, SchemaDump.parseDjangoMigrationsTable(null));
        assertNull(SchemaDump.parseDjangoMigrationsTable("none"));
        assertEquals(new QualifiedName("public", "django_migrations"),
                SchemaDump.parseDjangoMigrationsTable("django_migrations"));
        assertEquals(new QualifiedName("App", "Migrations"),
                SchemaDump.parseDjangoMigrationsTable("\"App\".\"Migrations\""));
        assertEquals("--table=\"App\".\"Migrations\"", SchemaDump.djangoCommand(
                new PgTool("pg_dump", Path.of("pg_dump"), PgVersion.parse("15.18")),
                new ClientConnection("host=h", Map.of()), new QualifiedName("App", "Migrations"), Path.of("f"))
                .get(2));
        UpshiftException e = assertThrows(UpshiftException.class,
                () -> SchemaDump.parseDjangoMigrationsTable("a.b c"));
        assertEquals(ExitCode.USAGE, e.exitCode());
    }

    @Test
    void shellWords() {
        assertEquals("psql -X '--dbname=host=h dbname=d' -f 'my dir/it'\\''s.sql'",
                ShellWords.join(List.of("psql", "-X", "--dbname=host=h dbname=d", "-f", "my dir/it's.sql")));
    }
}
