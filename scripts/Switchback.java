///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES ../lib/upshift/Library.java

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import upshift.cli.CutoverOptions;
import upshift.cli.CommonOptions;
import upshift.cli.UpshiftCommand;
import upshift.migration.Direction;
import upshift.runbook.Step;
import upshift.switchover.Cutover;
import upshift.switchover.SwitchoverView;

@Command(name = "switchback", header = Step.Summary.SWITCHBACK,
        description = "The way back after switchover, destination -> origin: freeze the application's writes on"
                + " destination, wait until origin has applied everything through rollback replication, sync"
                + " sequences back to origin, verify (checksums: every table before the freeze, the tables changed"
                + " since inside it), drop the rollback subscription (the point of no return) and"
                + " lift the freeze on origin. With --restart-forward, destination follows origin again (a new"
                + " forward subscription, copy_data = false) for a second attempt. Re-running resumes; --abort"
                + " undoes it until the point of no return.",
        footer = {"", "Examples:",
            "  ./jbang switchback --yes",
            "  ./jbang switchback --restart-forward --origin-conninfo 'host=old-db dbname=app user=repl password=...'",
            "  ./jbang switchback --dry-run --on destination",
            "  ./jbang switchback --abort --yes"})
class Switchback extends UpshiftCommand {

    @Mixin
    CommonOptions.Servers serversOption;

    @Mixin
    CommonOptions.OriginConninfo originConninfoOption;

    @Mixin
    CommonOptions.Json jsonOption;

    @Mixin
    CommonOptions.TwoServerDryRun twoServerDryRunOption;

    @Mixin
    CommonOptions.Yes yesOption;

    @Mixin
    CutoverOptions cutover;

    @Option(names = "--restart-forward", description = "After switching back, start forward replication again"
            + " (subscription NAME_sub on destination, copy_data = false), checked before the freeze.")
    boolean restartForward;

    public static void main(String... args) {
        System.exit(run(new Switchback(), args));
    }

    @Override
    protected int execute() throws Exception {
        requireMigration();
        Cutover switchback = Cutover.switchback(origin(), destination(), names(), runner(), out());
        Cutover.Report report;
        if (cutover.abort) {
            confirm("switchback --abort: lifts upshift's freeze on destination (" + destination().endpoint()
                    + "), re-enables the rollback subscription and drops the prepared way back, if any");
            report = switchback.abort();
        } else {
            Cutover.Settings settings = cutover.settings(Direction.ROLLBACK, restartForward,
                    restartForward ? originConninfo() : null);
            report = switchback.run(settings, plan -> confirm(plan.describe()));
        }
        runner().flushScripts();
        SwitchoverView.print(out(), report);
        return report.exitCode();
    }
}
