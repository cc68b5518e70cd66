///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES ../lib/upshift/Library.java

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import upshift.ExitCode;
import upshift.cli.SchemaFolderOptions;
import upshift.cli.CommonOptions;
import upshift.cli.UpshiftCommand;
import upshift.pgtools.SchemaRestore;
import upshift.report.Table;
import upshift.runbook.Step;

@Command(name = "restore-schema", header = Step.Summary.RESTORE_SCHEMA,
        description = "Apply a schema folder made by dump-schema to the destination: schema.sql, then"
                + " django_migrations.sql, with psql in one transaction (a failure leaves nothing behind).",
        footer = {"", "Examples:",
            "  ./jbang restore-schema --destination postgresql://app@new-db/app \\",
            "                         --dir upshift-schema --dry-run",
            "  PGURL_DESTINATION=postgresql://app@new-db/app ./jbang restore-schema"})
class RestoreSchema extends UpshiftCommand {

    @Mixin
    CommonOptions.DestinationOnly destinationOnlyOption;

    @Mixin
    CommonOptions.Json jsonOption;

    @Mixin
    CommonOptions.DryRun dryRunOption;

    @Mixin
    SchemaFolderOptions folder;

    public static void main(String... args) {
        System.exit(run(new RestoreSchema(), args));
    }

    @Override
    protected int execute() throws Exception {
        SchemaRestore.Result result = SchemaRestore.run(
                new SchemaRestore.Request(destination(), folder.dir(), dryRun(), "upshift " + stepName()),
                folder.finder(), out());

        if (out().json()) {
            out().json(result);
            return ExitCode.OK;
        }
        out().line("destination: " + result.destination() + " (PostgreSQL " + result.serverVersion() + ")");
        switch (result.status()) {
            case "already-restored" -> {
                out().line("already restored: the destination has all " + result.tableCount()
                        + " tables of " + result.dir() + "; nothing to do");
                result.notes().forEach(out()::warn);
            }
            case "dry-run" -> {
                out().line("psql:        " + result.psql());
                out().script("# restore-schema runs a client tool, psql, on the dump files; it has no SQL of its own to print."
                        + " --dry-run shows the shell command it would run (a shell command, not a psql script;"
                        + " the password goes through PGPASSWORD, not shown):");
                result.commands().forEach(out()::script);
            }
            default -> {
                Table tables = Table.of("schema", "table");
                result.tables().forEach(t -> tables.row(t.schema(), t.name()));
                out().table(tables);
                out().line("restored " + result.tableCount() + " tables from " + String.join(" and ", result.files())
                        + " in one transaction" + (result.djangoMigrationsRows() >= 0
                                ? "; " + result.djangoMigrationsRows() + " django_migrations rows" : ""));
            }
        }
        return ExitCode.OK;
    }
}
