///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES ../lib/upshift/Library.java

import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import upshift.ExitCode;
import upshift.cli.TableOptions;
import upshift.cli.CommonOptions;
import upshift.cli.UpshiftCommand;
import upshift.columns.ColumnDefault;
import upshift.columns.MissingColumnsReport;
import upshift.runbook.Step;

@Command(name = "add-missing-columns", header = Step.Summary.ADD_MISSING_COLUMNS,
        description = "Add, on destination, the columns origin tables have and destination tables lack (the new"
                + " model dropped them), nullable, with origin's type and default, each marked with a COMMENT"
                + " so that drop-added-columns and status find them. Run before create-subscription.",
        footer = {"", "A column origin declares NOT NULL without a database default (Django's"
                + " BooleanField(default=False) makes one) needs --default: rows the new application inserts on"
                + " destination omit the column and would fail on origin through rollback replication. The step"
                + " prints a warning with the option for each such column.",
            "", "Examples:",
            "  ./jbang add-missing-columns --dry-run > 000_add_column.sql",
            "  ./jbang add-missing-columns --default shop_product.is_legacy=false",
            "  ./jbang add-missing-columns --default '\"Billing\".\"Invoice\".\"Col\"=0'",
            "  ./jbang add-missing-columns --origin postgresql://app@old-db/app \\",
            "                              --destination postgresql://app@new-db/app"})
class AddMissingColumns extends UpshiftCommand {

    @Mixin
    CommonOptions.Servers serversOption;

    @Mixin
    CommonOptions.Json jsonOption;

    @Mixin
    CommonOptions.DryRun dryRunOption;

    @Mixin
    TableOptions tables;

    @Option(names = "--default", paramLabel = "TABLE.COLUMN=SQL",
            description = "A database default for a column the new model dropped (repeatable): added with it, or"
                    + " set on it (ALTER COLUMN ... SET DEFAULT) when an earlier run added the column. TABLE is"
                    + " schema.table or table (public); quote mixed-case names. The destination checks SQL in a"
                    + " transaction it rolls back, also under --dry-run.")
    List<String> defaults = new ArrayList<>();

    public static void main(String... args) {
        System.exit(run(new AddMissingColumns(), args));
    }

    @Override
    protected int execute() throws Exception {
        List<ColumnDefault> columnDefaults = ColumnDefault.parseAll(defaults);
        MissingColumnsReport report = MissingColumnsReport.find(origin(), destination(), tables.selection(origin()),
                names(), columnDefaults);
        report.tablesMissingOnDestination().forEach(t ->
                out().warn(t + " is not on destination: restore the new schema first (restore-schema)"));

        if (!report.statements().isEmpty()) {
            runner().transaction(destination(), report.statements());
        }
        report.print(out(), dryRun());
        return ExitCode.OK;
    }
}
