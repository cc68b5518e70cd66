package upshift.rehearse;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.connect.ConnectSettings;
import upshift.connect.Endpoint;
import upshift.connect.Secrets;
import upshift.pgtools.PgTool;
import upshift.pgtools.PgToolFinder;
import upshift.pgtools.SchemaDump;
import upshift.pgtools.SchemaRestore;
import upshift.pgtools.SchemaManifest;
import upshift.report.Progress;

/**
 * The new model as the application's own migrations make it (rehearse --new-model-command): a reference
 * database on the destination's server (on origin's when no pg_dump here can dump the destination's version),
 * created from the old schema; the command run there through {@code /bin/sh -c} with DATABASE_URL and the PG*
 * variables; then its schema dumped with pg_dump --schema-only, as dump-schema does.
 */
public final class NewModel {

    /** The reference database's name on the rehearsal server. */
    public static final String DATABASE = "upshift_new_model";

    /** How many of the command's last lines a failure shows. */
    static final int LAST_LINES = 20;

    /** Variables that would send the command elsewhere: replaced by the reference database's. */
    static final List<String> REPLACED = List.of("DATABASE_URL", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE",
            "PGUSER", "PGPASSWORD", "PGPASSFILE", "PGSERVICE", "PGSERVICEFILE", "PGOPTIONS");

    private NewModel() {
    }

    /**
     * Runs {@code command} in {@code dir} against a reference database made from {@code oldSchema} (a schema
     * file, or a dump-schema folder whose django_migrations rows tell the application's migrations what already
     * ran), dumps the result into {@code work} and returns the schema file.
     */
    public static Path make(RehearsalServers servers, Path oldSchema, String command, Path dir, Path work,
            Progress out) throws Exception {
        PgToolFinder finder = PgToolFinder.system(null);
        boolean onDestination = canDump(finder, servers.destinationMajor());
        if (!onDestination) {
            out.note("no pg_dump here dumps PostgreSQL " + servers.destinationMajor()
                    + ": the reference database is on origin's server (" + servers.originMajor() + ")");
        }
        RehearsalServers.Reference reference = servers.createReferenceDatabase(DATABASE, onDestination);
        Cluster cluster = new Cluster("reference", Endpoint.resolve(reference.url()),
                ConnectSettings.defaults("upshift rehearse"));
        try (cluster) {
            if (Files.isDirectory(oldSchema)) {
                SchemaRestore.run(new SchemaRestore.Request(cluster, oldSchema, false, "upshift rehearse"), finder,
                        out);
            } else {
                servers.loadReferenceSchema(reference, oldSchema);
            }
            run(command, dir, reference, out);
            Path dump = work.resolve("new-model");
            SchemaDump.run(new SchemaDump.Request(cluster, dump, null, false, false, "upshift rehearse"), finder,
                    out);
            return dump.resolve(SchemaDump.SCHEMA_FILE);
        } finally {
            servers.dropReferenceDatabase(reference);
        }
    }

    /** The schema file of --schema: the file itself, or a dump-schema folder's schema.sql. */
    public static Path schemaFile(Path schema) {
        if (schema != null && Files.isDirectory(schema)) {
            try {
                return schema.resolve(SchemaManifest.read(schema).schemaFile());
            } catch (RuntimeException e) {
                return schema.resolve(SchemaDump.SCHEMA_FILE);
            }
        }
        return schema;
    }

    private static boolean canDump(PgToolFinder finder, int major) {
        List<PgTool> all = finder.candidates("pg_dump");
        return !all.isEmpty() && all.get(0).version().major() >= major;
    }

    /** The command through /bin/sh -c, its output on the progress stream (prefixed, passwords masked). */
    static void run(String command, Path dir, RehearsalServers.Reference reference, Progress out)
            throws IOException, InterruptedException {
        Secrets.register(reference.password());
        out.note("running the new model's migration command in " + dir + ": " + command);
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command).directory(dir.toFile())
                .redirectErrorStream(true).redirectInput(new File("/dev/null"));
        environment(pb.environment(), reference);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UpshiftException("cannot run --new-model-command in " + dir + ": " + e.getMessage(),
                    "check --new-model-dir", e);
        }
        Deque<String> last = new ArrayDeque<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                String shown = Secrets.redact(line);
                out.note("  [new-model] " + shown);
                last.addLast(shown);
                if (last.size() > LAST_LINES) {
                    last.removeFirst();
                }
            }
        }
        int code = p.waitFor();
        if (code != 0) {
            throw new UpshiftException("--new-model-command exited " + code + "; its last lines:\n  "
                    + String.join("\n  ", last),
                    "run it by hand against a copy of the old schema (DATABASE_URL, PGHOST... are set as above)");
        }
    }

    /** The child's environment: the reference database as DATABASE_URL and PG*, nothing else pointing elsewhere. */
    static void environment(Map<String, String> env, RehearsalServers.Reference reference) {
        REPLACED.forEach(env::remove);
        env.put("DATABASE_URL", reference.url());
        env.put("PGHOST", reference.host());
        env.put("PGPORT", Integer.toString(reference.port()));
        env.put("PGUSER", reference.user());
        env.put("PGPASSWORD", reference.password());
        env.put("PGDATABASE", reference.database());
    }
}
