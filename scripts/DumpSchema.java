///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES ../lib/upshift/Library.java

import java.nio.file.Path;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import upshift.ExitCode;
import upshift.UpshiftException;
import upshift.cli.SchemaFolderOptions;
import upshift.cli.CommonOptions;
import upshift.cli.UpshiftCommand;
import upshift.connect.Cluster;
import upshift.pgtools.SchemaDump;
import upshift.report.Table;
import upshift.runbook.Step;

@Command(name = "dump-schema", header = Step.Summary.DUMP_SCHEMA,
        description = "Dump the new-model (reference) database's schema, and its django_migrations rows, with"
                + " pg_dump into a folder (schema.sql, django_migrations.sql, manifest.json) for restore-schema.",
        footer = {"", "Examples:",
            "  ./jbang dump-schema --reference postgresql://app@model-db/app \\",
            "                      --dir upshift-schema",
            "  PGURL_REFERENCE=postgresql://app@model-db/app ./jbang dump-schema --dry-run",
            "  ./jbang dump-schema --pg-bin /usr/lib/postgresql/16/bin \\",
            "                      --django-migrations-table none"})
class DumpSchema extends UpshiftCommand {

    @Mixin
    CommonOptions.ConnectTimeout connectTimeoutOption;

    @Mixin
    CommonOptions.Json jsonOption;

    @Mixin
    CommonOptions.DryRun dryRunOption;

    @Option(names = "--reference", paramLabel = "URL",
            description = "The reference database: the new model, the application's migrations already run."
                    + " Default: environment variable PGURL_REFERENCE.")
    String reference;

    @Option(names = "--django-migrations-table", paramLabel = "TABLE",
            description = "The table whose rows go to django_migrations.sql, or none."
                    + " Default: public.django_migrations.")
    String djangoMigrationsTable;

    @Option(names = "--force", description = "Replace the dump files in a folder that holds a different dump.")
    boolean force;

    @Mixin
    SchemaFolderOptions folder;

    public static void main(String... args) {
        System.exit(run(new DumpSchema(), args));
    }

    @Override
    protected int execute() throws Exception {
        var djangoTable = SchemaDump.parseDjangoMigrationsTable(djangoMigrationsTable);
        try (Cluster ref = cluster("reference", reference, "PGURL_REFERENCE")) {
            if (ref == null) {
                throw UpshiftException.usage("no reference database given",
                        "pass --reference URL or set PGURL_REFERENCE (the database the new model was migrated in)");
            }
            Path dir = folder.dir();
            SchemaDump.Result result = SchemaDump.run(
                    new SchemaDump.Request(ref, dir, djangoTable, force, dryRun(), "upshift " + stepName()),
                    folder.finder(), out());

            if (out().json()) {
                out().json(result);
                return ExitCode.OK;
            }
            out().line("reference: " + result.reference() + " (PostgreSQL " + result.serverVersion() + ")");
            out().line("pg_dump:   " + result.pgDump());
            if (result.status().equals("dry-run")) {
                out().script("# dump-schema runs a client tool, pg_dump; it has no SQL of its own to print. --dry-run shows"
                        + " the shell commands it would run (not a psql script; the password goes through"
                        + " PGPASSWORD, not shown):");
                result.commands().forEach(out()::script);
                out().script("# and write " + dir.resolve(SchemaDump.SCHEMA_FILE) + ", "
                        + (djangoTable == null ? "" : dir.resolve(SchemaDump.DJANGO_MIGRATIONS_FILE) + ", ")
                        + dir.resolve("manifest.json"));
                return ExitCode.OK;
            }
            var manifest = result.manifest();
            Table tables = Table.of("schema", "table");
            manifest.tables().forEach(t -> tables.row(t.schema(), t.name()));
            out().table(tables);
            String django = manifest.djangoMigrationsTable() == null ? "no django_migrations file"
                    : manifest.djangoMigrationsRows() + " " + manifest.djangoMigrationsTable() + " rows";
            switch (result.status()) {
                case "unchanged" -> out().line("already dumped: " + dir + " holds this dump already ("
                        + manifest.tableCount() + " tables, " + django + "); nothing written");
                case "replaced" -> out().line("replaced the dump in " + dir + ": " + manifest.tableCount()
                        + " tables, " + django);
                default -> out().line("wrote " + String.join(", ", result.files()) + ": " + manifest.tableCount()
                        + " tables, " + django);
            }
            if (manifest.tableCount() == 0) {
                out().warn("the dump creates no tables: is --reference the new-model database?");
            }
            return ExitCode.OK;
        }
    }
}
