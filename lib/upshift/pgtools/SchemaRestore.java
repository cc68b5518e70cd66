package upshift.pgtools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.report.Progress;
import upshift.server.ServerFacts;
import upshift.sql.QualifiedName;

/**
 * restore-schema: applies a schema folder (schema.sql, then django_migrations.sql) to the destination with psql,
 * both files in ONE transaction ({@code --single-transaction} with two {@code -f}), stopping at the first error,
 * so a failure leaves nothing behind. Before that it looks at which of the dump's tables the destination already
 * has: all of them means already restored, some of them means a partial restore an operator must look at.
 */
public final class SchemaRestore {

    private static final String PRESENT_SQL = """
            SELECT n.nspname, c.relname
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p', 'f')
               AND (n.nspname, c.relname) IN (SELECT s, t FROM unnest(?::text[], ?::text[]) AS x(s, t))
            """;

    /** What to restore. */
    public record Request(Cluster destination, Path dir, boolean dryRun, String applicationName) {
    }

    /**
     * What happened: status {@code restored}, {@code already-restored} or {@code dry-run}; the psql command (never
     * with the password), the files, the dump's tables, and notes (lines removed for an older psql or server).
     */
    public record Result(String status, String dir, String destination, String serverVersion, String psql,
            List<String> commands, List<String> files, int tableCount, List<QualifiedName> tables,
            long djangoMigrationsRows, List<String> notes) {
    }

    private SchemaRestore() {
    }

    public static Result run(Request request, PgToolFinder finder, Progress out) throws IOException {
        Path dir = request.dir();
        SchemaManifest manifest = SchemaManifest.read(dir);
        List<Path> files = new ArrayList<>();
        for (String name : manifest.files()) {
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file)) {
                throw new UpshiftException(file + " is missing (" + SchemaManifest.FILE_NAME + " lists it)",
                        "make the folder again with dump-schema --force");
            }
            files.add(file);
        }
        Cluster destination = request.destination();
        ServerFacts facts = destination.facts();
        String target = destination.endpoint().toString();
        List<String> fileNames = files.stream().map(Path::toString).toList();

        Set<QualifiedName> present = present(destination, manifest.tables());
        if (!manifest.tables().isEmpty() && present.size() == manifest.tables().size()) {
            List<String> notes = new ArrayList<>();
            long rows = djangoMigrationsRows(destination, manifest);
            if (manifest.djangoMigrationsTable() != null && rows >= 0 && rows < manifest.djangoMigrationsRows()) {
                notes.add(manifest.djangoMigrationsTable() + " has " + rows + " rows on the destination, the dump "
                        + manifest.djangoMigrationsRows() + ": check " + manifest.djangoMigrationsFile()
                        + " was applied");
            }
            return new Result("already-restored", dir.toString(), target, facts.version(), null, List.of(),
                    fileNames, manifest.tableCount(), manifest.tables(), rows, notes);
        }
        if (!present.isEmpty()) {
            List<QualifiedName> missing = manifest.tables().stream().filter(t -> !present.contains(t)).toList();
            throw new UpshiftException("the destination already has " + present.size() + " of the dump's "
                    + manifest.tables().size() + " tables (" + list(present.stream().sorted().toList())
                    + ") but not " + list(missing) + ": a partial restore; nothing was changed",
                    "restore-schema restores into a database without these tables: drop them (or create the"
                            + " database again) and run restore-schema again");
        }

        PgTool psql = finder.newest("psql");
        ClientConnection connection = ClientConnection.of(destination, request.applicationName());
        List<String> notes = new ArrayList<>();
        Map<Path, Path> applied = new LinkedHashMap<>(); // the file psql runs -> the operator's file
        Path work = null;
        try {
            for (Path file : files) {
                String text = Files.readString(file);
                DumpCompatibility.Filtered filtered = DumpCompatibility.filter(file.getFileName().toString(), text,
                        psql.version(), facts.capabilities());
                notes.addAll(filtered.notes());
                if (filtered.changed() && !request.dryRun()) {
                    if (work == null) {
                        work = Files.createTempDirectory("upshift-restore-");
                    }
                    Path copy = work.resolve(file.getFileName());
                    Files.writeString(copy, filtered.text());
                    applied.put(copy, file);
                } else {
                    applied.put(file, file);
                }
            }
            List<String> command = command(psql, connection, new ArrayList<>(applied.keySet()));
            List<String> shown = List.of(ShellWords.join(command(psql, connection, files)));
            notes.forEach(out::note);
            if (request.dryRun()) {
                return new Result("dry-run", dir.toString(), target, facts.version(), psql.describe(), shown,
                        fileNames, manifest.tableCount(), manifest.tables(), manifest.djangoMigrationsRows(), notes);
            }
            out.statement("destination", shown.get(0));
            Processes.Result result = Processes.run(command, connection::applyTo, 0);
            if (result.exitCode() != 0) {
                throw failure(result, applied, out);
            }
            result.stderr().lines().filter(l -> l.contains("WARNING:")).forEach(out::warn);
        } finally {
            Folders.deleteTree(work);
        }

        Set<QualifiedName> after = present(destination, manifest.tables());
        if (after.size() != manifest.tables().size()) {
            List<QualifiedName> missing = manifest.tables().stream().filter(t -> !after.contains(t)).toList();
            throw new UpshiftException("psql finished, but the destination lacks " + list(missing),
                    "compare " + dir.resolve(manifest.schemaFile()) + " with the destination by hand");
        }
        return new Result("restored", dir.toString(), target, facts.version(), psql.describe(),
                List.of(ShellWords.join(command(psql, connection, files))), fileNames, manifest.tableCount(),
                manifest.tables(), djangoMigrationsRows(destination, manifest), notes);
    }

    /** psql without psqlrc, stopping at the first error, all files in one transaction, never prompting. */
    static List<String> command(PgTool psql, ClientConnection connection, List<Path> files) {
        List<String> command = new ArrayList<>(List.of(psql.path().toString(), "-X", "-v", "ON_ERROR_STOP=1",
                "--single-transaction", "--no-password", "--dbname=" + connection.conninfo()));
        for (Path file : files) {
            command.add("-f");
            command.add(file.toString());
        }
        return command;
    }

    /** One line naming the file, line and statement that failed and the server's message; the rest as notes. */
    static UpshiftException failure(Processes.Result result, Map<Path, Path> applied, Progress out) throws IOException {
        PsqlError error = PsqlError.parse(result.stderr());
        String rollback = "nothing was restored: psql ran the files in one transaction and rolled it back";
        if (error == null) {
            result.stderr().lines().filter(l -> !l.isBlank()).forEach(out::note);
            String problem = PsqlError.firstProblem(result.stderr());
            return new UpshiftException("psql failed (exit " + result.exitCode() + "): " + problem,
                    SchemaDump.hintFor(problem).replace("pg_dump", "psql").replace("reference", "destination")
                            + "; " + rollback);
        }
        Path ran = Path.of(error.file());
        Path original = ran;
        for (Map.Entry<Path, Path> e : applied.entrySet()) {
            if (e.getKey().toString().equals(error.file())) {
                ran = e.getKey();
                original = e.getValue();
            }
        }
        String where = original + ":" + error.line();
        String statement = "";
        if (Files.isRegularFile(ran)) {
            SqlScript.Statement s = SqlScript.parse(Files.readString(ran)).statementAt(error.line());
            if (s != null) {
                statement = " in the statement from line " + s.firstLine() + " \"" + abbreviate(s.head()) + "\"";
            }
        }
        error.details().forEach(d -> out.note("  " + d));
        return new UpshiftException("restore failed at " + where + statement + ": " + error.severity() + ": "
                + error.message(),
                rollback + "; fix that statement (better: in the reference database, then dump-schema --force)"
                        + " and run restore-schema again");
    }

    /** The dump's tables that the destination has (as tables, partitioned or foreign tables). */
    static Set<QualifiedName> present(Cluster cluster, List<QualifiedName> tables) {
        Set<QualifiedName> found = new HashSet<>();
        if (tables.isEmpty()) {
            return found;
        }
        Connection c = cluster.connection();
        try (PreparedStatement st = c.prepareStatement(PRESENT_SQL)) {
            st.setArray(1, c.createArrayOf("text", tables.stream().map(QualifiedName::schema).toArray()));
            st.setArray(2, c.createArrayOf("text", tables.stream().map(QualifiedName::name).toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    found.add(new QualifiedName(rs.getString(1), rs.getString(2)));
                }
            }
        } catch (SQLException e) {
            throw new UpshiftException("cannot read the destination's tables: " + e.getMessage(),
                    "the role needs to read pg_catalog", e);
        }
        return found;
    }

    /** Rows in the destination's django_migrations table; -1 when there is none (or no such table in the dump). */
    private static long djangoMigrationsRows(Cluster cluster, SchemaManifest manifest) {
        QualifiedName table = manifest.djangoMigrationsTable();
        if (table == null || present(cluster, List.of(table)).isEmpty()) {
            return -1;
        }
        try (var st = cluster.connection().createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table.sql())) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return -1;
        }
    }

    private static String list(List<QualifiedName> names) {
        int shown = 5;
        String head = names.stream().limit(shown).map(QualifiedName::toString).collect(Collectors.joining(", "));
        return names.size() > shown ? head + ", ... (" + names.size() + " in all)" : head;
    }

    private static String abbreviate(String s) {
        return s.length() > 100 ? s.substring(0, 97) + "..." : s;
    }
}
