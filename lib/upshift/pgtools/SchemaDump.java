package upshift.pgtools;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.report.Progress;
import upshift.server.ServerFacts;
import upshift.sql.QualifiedName;

/**
 * dump-schema: the new-model (reference) database's schema and its django_migrations rows, dumped with pg_dump
 * into a folder with a manifest. The dump goes to a temporary folder beside the target first; the target is
 * only written when it is empty, holds the same dump already (then nothing is written), or --force says so.
 */
public final class SchemaDump {

    public static final String SCHEMA_FILE = "schema.sql";
    public static final String DJANGO_MIGRATIONS_FILE = "django_migrations.sql";

    /** The django_migrations table dumped unless told otherwise. */
    public static final QualifiedName DEFAULT_DJANGO_MIGRATIONS = new QualifiedName("public", "django_migrations");

    /** The restrict and unrestrict meta-commands carry a random key: two dumps of the same schema differ only there. */
    private static final Pattern RANDOM_LINES = Pattern.compile("^\\\\(un)?restrict(\\s.*)?$");

    /** What to dump. {@code djangoMigrations} null: no django_migrations file. */
    public record Request(Cluster reference, Path dir, QualifiedName djangoMigrations, boolean force,
            boolean dryRun, String applicationName) {
    }

    /**
     * What happened: status {@code written} (into an empty or new folder), {@code replaced} (--force),
     * {@code unchanged} (the folder already held this dump) or {@code dry-run}.
     */
    public record Result(String status, String dir, String reference, String serverVersion, String pgDump,
            List<String> commands, List<String> files, SchemaManifest manifest) {
    }

    private SchemaDump() {
    }

    /**
     * The --django-migrations-table value: {@code none} (no such file), {@code table} (schema public),
     * {@code schema.table}; parts in double quotes keep their case, others are folded to lower case as in SQL.
     */
    public static QualifiedName parseDjangoMigrationsTable(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_DJANGO_MIGRATIONS;
        }
        String v = value.strip();
        if (v.equalsIgnoreCase("none")) {
            return null;
        }
        SqlScript.NameAt parsed = SqlScript.nameAt(v, 0);
        if (parsed == null || parsed.end() != v.length()) {
            throw UpshiftException.usage("not a table name: " + value,
                    "pass SCHEMA.TABLE (e.g. public.django_migrations) or none");
        }
        return parsed.name();
    }

    public static Result run(Request request, PgToolFinder finder, Progress out) throws IOException {
        Cluster reference = request.reference();
        ServerFacts facts = reference.facts();
        PgVersion server = PgVersion.ofServer(facts.versionNum(), facts.version());
        PgTool pgDump = finder.pgDumpFor(server);
        if (request.djangoMigrations() != null) {
            requireTable(reference, request.djangoMigrations());
        }
        ClientConnection connection = ClientConnection.of(reference, request.applicationName());
        Path dir = request.dir();
        List<String> shownCommands = new ArrayList<>();
        shownCommands.add(ShellWords.join(schemaCommand(pgDump, connection, dir.resolve(SCHEMA_FILE))));
        if (request.djangoMigrations() != null) {
            shownCommands.add(ShellWords.join(djangoCommand(pgDump, connection, request.djangoMigrations(),
                    dir.resolve(DJANGO_MIGRATIONS_FILE))));
        }
        String describedReference = reference.endpoint().toString();
        if (request.dryRun()) {
            return new Result("dry-run", dir.toString(), describedReference, facts.version(), pgDump.describe(),
                    shownCommands, List.of(), null);
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UpshiftException(dir + " exists and is not a folder", "pass --dir with a folder name");
        }
        Path parent = dir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path work = Files.createTempDirectory(parent, ".upshift-schema-");
        try {
            Path schema = work.resolve(SCHEMA_FILE);
            dump(connection, schemaCommand(pgDump, connection, schema), shownCommands.get(0), out);
            Path django = null;
            if (request.djangoMigrations() != null) {
                django = work.resolve(DJANGO_MIGRATIONS_FILE);
                dump(connection, djangoCommand(pgDump, connection, request.djangoMigrations(), django),
                        shownCommands.get(1), out);
            }
            SchemaManifest manifest = manifest(reference, facts, pgDump, schema, request.djangoMigrations(), django);
            manifest.write(work.resolve(SchemaManifest.FILE_NAME));
            List<String> files = manifest.files().stream().map(f -> dir.resolve(f).toString())
                    .collect(Collectors.toCollection(ArrayList::new));
            files.add(dir.resolve(SchemaManifest.FILE_NAME).toString());

            List<String> differences = differences(dir, work, manifest);
            if (isEmptyOrMissing(dir)) {
                install(work, dir, manifest, false);
                return new Result("written", dir.toString(), describedReference, facts.version(),
                        pgDump.describe(), shownCommands, files, manifest);
            }
            if (differences.isEmpty()) {
                SchemaManifest existing = SchemaManifest.read(dir);
                return new Result("unchanged", dir.toString(), describedReference, facts.version(),
                        pgDump.describe(), shownCommands, files, existing);
            }
            if (!request.force()) {
                throw new UpshiftException(dir + " is not empty and differs from this dump ("
                        + String.join("; ", differences) + "); nothing was written",
                        "pass --force to replace its dump files, or choose another --dir");
            }
            install(work, dir, manifest, true);
            return new Result("replaced", dir.toString(), describedReference, facts.version(), pgDump.describe(),
                    shownCommands, files, manifest);
        } finally {
            Folders.deleteTree(work);
        }
    }

    /** pg_dump --schema-only of the whole database, no owners, grants, publications or subscriptions. */
    static List<String> schemaCommand(PgTool pgDump, ClientConnection connection, Path file) {
        return List.of(pgDump.path().toString(), "--schema-only", "--no-owner", "--no-acl", "--no-publications",
                "--no-subscriptions", "--no-password", "--file=" + file, "--dbname=" + connection.conninfo());
    }

    /** pg_dump --data-only of the django_migrations table (its rows, and its sequence's value). */
    static List<String> djangoCommand(PgTool pgDump, ClientConnection connection, QualifiedName table, Path file) {
        return List.of(pgDump.path().toString(), "--data-only", "--table=" + table.sql(), "--no-owner",
                "--no-privileges", "--no-password", "--file=" + file, "--dbname=" + connection.conninfo());
    }

    private static void dump(ClientConnection connection, List<String> command, String shown, Progress out)
            throws IOException {
        out.statement("reference", shown);
        Processes.Result result = Processes.run(command, connection::applyTo, 0);
        List<String> stderr = result.stderr().lines().filter(l -> !l.isBlank()).toList();
        if (result.exitCode() != 0) {
            stderr.forEach(out::note);
            String problem = PsqlError.firstProblem(result.stderr());
            throw new UpshiftException("pg_dump failed (exit " + result.exitCode() + "): " + problem,
                    hintFor(problem));
        }
        stderr.forEach(out::warn);
    }

    static String hintFor(String problem) {
        String p = problem.toLowerCase(Locale.ROOT);
        if (p.contains("password") || p.contains("authentication")) {
            return "give the password in the URL, PGPASSWORD or ~/.pgpass (upshift passes it to pg_dump through"
                    + " PGPASSWORD)";
        }
        if (p.contains("server version") || p.contains("version mismatch")) {
            return "use a pg_dump of the server's major version or newer (--pg-bin DIR)";
        }
        if (p.contains("could not connect") || p.contains("connection to server")) {
            return "check that this machine reaches the reference server (host, port, firewall, sslmode)";
        }
        return "run again with -v to see the pg_dump command (without the password) and try it by hand";
    }

    private static void requireTable(Cluster reference, QualifiedName table) {
        String sql = "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')";
        Connection c = reference.connection();
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, table.schema());
            st.setString(2, table.name());
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    throw new UpshiftException("table " + table + " not found in the reference database",
                            "pass --django-migrations-table SCHEMA.TABLE, or --django-migrations-table none"
                                    + " to dump the schema alone");
                }
            }
        } catch (SQLException e) {
            throw new UpshiftException("cannot look for " + table + " on the reference: " + e.getMessage(), null, e);
        }
    }

    private static SchemaManifest manifest(Cluster reference, ServerFacts facts, PgTool pgDump, Path schema,
            QualifiedName djangoTable, Path django) throws IOException {
        List<QualifiedName> tables = SqlScript.parse(Files.readString(schema)).createdTables().stream()
                .sorted().distinct().toList();
        long rows = django == null ? 0 : SqlScript.parse(Files.readString(django)).copyRows();
        var e = reference.endpoint();
        return new SchemaManifest(SchemaManifest.FORMAT, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                new SchemaManifest.Reference(e.host(), e.port(), e.dbname(), e.user(), facts.version(),
                        facts.versionNum()),
                new SchemaManifest.Tool(pgDump.version().toString(), pgDump.path().toString()),
                SCHEMA_FILE, djangoTable, django == null ? null : DJANGO_MIGRATIONS_FILE, rows, tables.size(),
                tables);
    }

    /** How the folder's dump differs from the new one; empty when it holds the same dump. */
    static List<String> differences(Path dir, Path work, SchemaManifest manifest) throws IOException {
        List<String> differences = new ArrayList<>();
        if (isEmptyOrMissing(dir)) {
            return differences;
        }
        if (!Files.exists(dir.resolve(SchemaManifest.FILE_NAME))) {
            differences.add("it has no " + SchemaManifest.FILE_NAME + ": not a folder made by dump-schema");
            return differences;
        }
        for (String name : List.of(SCHEMA_FILE, DJANGO_MIGRATIONS_FILE)) {
            Path old = dir.resolve(name);
            Path fresh = work.resolve(name);
            boolean wanted = manifest.files().contains(name);
            if (!wanted) {
                if (Files.exists(old)) {
                    differences.add(name + " is there but not wanted now");
                }
                continue;
            }
            if (!Files.exists(old)) {
                differences.add(name + " is missing");
            } else if (!normalized(old).equals(normalized(fresh))) {
                differences.add(name + " differs");
            }
        }
        return differences;
    }

    /** The dump without the lines that change on every run (\restrict keys). */
    static String normalized(Path file) throws IOException {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.filter(l -> !RANDOM_LINES.matcher(l).matches()).collect(Collectors.joining("\n"));
        }
    }

    private static void install(Path work, Path dir, SchemaManifest manifest, boolean replacing) throws IOException {
        Files.createDirectories(dir);
        // the manifest goes first and comes back last: a folder with a manifest holds a complete dump
        Files.deleteIfExists(dir.resolve(SchemaManifest.FILE_NAME));
        for (String name : manifest.files()) {
            move(work.resolve(name), dir.resolve(name));
        }
        if (replacing && manifest.djangoMigrationsFile() == null) {
            Files.deleteIfExists(dir.resolve(DJANGO_MIGRATIONS_FILE));
        }
        move(work.resolve(SchemaManifest.FILE_NAME), dir.resolve(SchemaManifest.FILE_NAME));
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static boolean isEmptyOrMissing(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return true;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }
}
