///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES ../lib/upshift/Library.java

import java.util.EnumSet;
import java.util.Set;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import upshift.ExitCode;
import upshift.UpshiftException;
import upshift.cleanup.CleanupReport;
import upshift.cleanup.CleanupView;
import upshift.cleanup.ReplicationCleanup;
import upshift.migration.Direction;
import upshift.cli.CommonOptions;
import upshift.cli.UpshiftCommand;
import upshift.runbook.Step;

@Command(name = "cleanup", header = Step.Summary.CLEANUP,
        description = "Drop what this migration created. --forward (the default): the subscription on destination,"
                + " the publication and the slot on origin. --rollback: the rollback subscription on origin, the"
                + " rollback publication and slot on destination. Give both to drop everything. A subscription is"
                + " disabled, then dropped with its slot; when the publisher cannot be reached or the slot is gone,"
                + " it is detached from its slot and dropped, and the slot is dropped directly on the publisher."
                + " Also reports orphaned slots (inactive logical slots no subscription of this migration uses) on"
                + " both servers with the WAL they retain; --drop-orphaned-slots drops the ones named after this"
                + " migration. Objects already gone are reported as such.",
        footer = {"", "Examples:",
            "  ./jbang cleanup --forward --dry-run",
            "  ./jbang cleanup --forward --yes",
            "  ./jbang cleanup --rollback --drop-orphaned-slots --yes"})
class Cleanup extends UpshiftCommand {

    @Mixin
    CommonOptions.Servers serversOption;

    @Mixin
    CommonOptions.Json jsonOption;

    @Mixin
    CommonOptions.TwoServerDryRun twoServerDryRunOption;

    @Mixin
    CommonOptions.Yes yesOption;

    @Option(names = "--forward", description = "Drop the forward subscription, publication and slot (the default).")
    boolean forward;

    @Option(names = "--rollback", description = "Drop the rollback subscription, publication and slot.")
    boolean rollback;

    @Option(names = "--drop-orphaned-slots",
            description = "Also drop orphaned slots whose names start with this migration's name (never others).")
    boolean dropOrphanedSlots;

    public static void main(String... args) {
        System.exit(run(new Cleanup(), args));
    }

    @Override
    protected int execute() {
        Set<Direction> directions = EnumSet.noneOf(Direction.class);
        if (forward || !rollback) {
            directions.add(Direction.FORWARD);
        }
        if (rollback) {
            directions.add(Direction.ROLLBACK);
        }
        warnUnknownMigration();
        ReplicationCleanup cleanup = new ReplicationCleanup(origin(), destination(), names(), runner(), out());
        ReplicationCleanup.Plan plan = cleanup.plan(directions, dropOrphanedSlots);
        if (plan.changesAnything()) {
            confirm(plan.question());
        }
        CleanupReport report = cleanup.execute(plan);
        CleanupView.print(out(), report);
        if (!report.complete()) {
            throw new UpshiftException("cleanup is not complete: some objects are still there (see above)",
                    "stop what still uses them, then run cleanup again");
        }
        return ExitCode.OK;
    }
}
