///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-databind:2.21.0
//DEPS org.postgresql:postgresql:42.7.13
//DEPS org.apache.commons:commons-compress:1.28.0
//DEPS org.tukaani:xz:1.12
//SOURCES ../lib/upshift/**.java

import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import upshift.ExitCode;
import upshift.cli.TableOptions;
import upshift.cli.UpshiftCommand;
import upshift.columns.AddedColumn;
import upshift.columns.AddedColumns;
import upshift.columns.MissingColumnsReport;

@Command(name = "add-missing-columns",
        description = "Add, on destination, the columns origin tables have and destination tables lack (the new"
                + " model dropped them), nullable, with origin's type and default, each marked with a COMMENT"
                + " so that drop-added-columns and status find them. Run before create-subscription.",
        footer = {"", "Examples:",
            "  ./jbang add-missing-columns --dry-run > 000_add_column.sql",
            "  ./jbang add-missing-columns --origin postgresql://app@old-db/app \\",
            "                              --destination postgresql://app@new-db/app"})
class AddMissingColumns extends UpshiftCommand {

    @Mixin
    TableOptions tables;

    public static void main(String... args) {
        System.exit(run(new AddMissingColumns(), args));
    }

    @Override
    protected int execute() throws Exception {
        MissingColumnsReport report = MissingColumnsReport.find(origin(), destination(), tables.selection(origin()));
        report.tablesMissingOnDestination().forEach(t ->
                out().warn(t + " is not on destination: restore the new schema first (restore-schema)"));

        List<AddedColumn> toAdd = report.toAdd();
        if (!toAdd.isEmpty()) {
            runner().transaction(destination(), AddedColumns.statements(toAdd, names()));
        }
        report.print(out(), dryRun());
        return ExitCode.OK;
    }
}
