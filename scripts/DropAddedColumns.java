///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES ../lib/upshift/Library.java

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import upshift.ExitCode;
import upshift.UpshiftException;
import upshift.cleanup.AddedColumnsDrop;
import upshift.cleanup.DropColumnsReport;
import upshift.cleanup.DropColumnsView;
import upshift.cli.CommonOptions;
import upshift.cli.UpshiftCommand;
import upshift.runbook.Step;

@Command(name = "drop-added-columns", header = Step.Summary.DROP_ADDED_COLUMNS,
        description = "On destination, after switchover and the rollback period: drop the columns"
                + " add-missing-columns added (found by their COMMENT). Per table, in one transaction, each column"
                + " is first copied with the table's primary key into a backup table beside it"
                + " (__upshift_backup__<table>__<column>), then dropped. Refused (exit 3) while the forward"
                + " subscription or the rollback publication exists on destination, or the rollback subscription"
                + " on origin (looked for only when origin is given). Tables without a primary key are refused"
                + " unless --no-backup.",
        footer = {"", "Examples:",
            "  ./jbang drop-added-columns --dry-run > drop_added_columns.sql",
            "  ./jbang drop-added-columns --origin postgresql://app@old-db/app \\",
            "                             --destination postgresql://app@new-db/app --yes"})
class DropAddedColumns extends UpshiftCommand {

    @Mixin
    CommonOptions.Servers serversOption;

    @Mixin
    CommonOptions.Json jsonOption;

    @Mixin
    CommonOptions.DryRun dryRunOption;

    @Mixin
    CommonOptions.Yes yesOption;

    @Option(names = "--no-backup", description = "Drop without copying the columns to backup tables first.")
    boolean noBackup;

    @Option(names = "--force", description = "Drop even while forward or rollback replication still exists.")
    boolean force;

    public static void main(String... args) {
        System.exit(run(new DropAddedColumns(), args));
    }

    @Override
    protected int execute() {
        AddedColumnsDrop drop = new AddedColumnsDrop(destination(), originIfGiven(), names(), runner());
        AddedColumnsDrop.Plan plan = drop.plan(!noBackup);
        if (!plan.nothingToDrop() && !plan.blockers().isEmpty()) {
            String blockers = String.join("; ", DropColumnsView.describe(plan.blockers()));
            if (force) {
                out().warn("dropping anyway (--force): " + blockers);
            } else {
                // a dry run is refused as the real run would be: its script is only ever what a run would do
                throw UpshiftException.checkFailed("replication still uses the added columns: " + blockers,
                        "drop it first (cleanup --forward / cleanup --rollback), or --force");
            }
        }
        if (plan.changesAnything()) {
            confirm(plan.question());
        }
        DropColumnsReport report = drop.execute(plan);
        DropColumnsView.print(out(), report);
        if (report.anyFailed()) {
            throw new UpshiftException("some columns were not dropped (see above)",
                    "fix what the detail column says, then run drop-added-columns again");
        }
        if (report.anyRefused()) {
            throw UpshiftException.checkFailed("some columns were not dropped: their tables have no primary key",
                    "run again with --no-backup to drop them without a backup");
        }
        return ExitCode.OK;
    }
}
