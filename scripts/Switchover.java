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

@Command(name = "switchover", header = Step.Summary.SWITCHOVER,
        description = "The write-freeze window, origin -> destination: check that the way back is ready, freeze the"
                + " application's writes on origin, wait until destination has applied everything, sync sequences,"
                + " verify (checksums: every table before the freeze, the tables changed since inside it), prepare"
                + " rollback replication, drop the forward subscription (the point of no return),"
                + " start rollback replication and prove it streams. Re-running resumes where it stopped;"
                + " --abort undoes it until the point of no return. The way back is the switchback step.",
        footer = {"", "Examples:",
            "  ./jbang switchover --destination-conninfo 'host=new-db dbname=app user=repl password=...'",
            "  ./jbang switchover --freeze none --yes                     # application already stopped",
            "  ./jbang switchover --verify counts                         # row counts only (not exact)",
            "  ./jbang switchover --dry-run --on origin                   # origin's psql script only",
            "  ./jbang switchover --abort --yes"})
class Switchover extends UpshiftCommand {

    @Mixin
    CommonOptions.Servers serversOption;

    @Mixin
    CommonOptions.DestinationConninfo destinationConninfoOption;

    @Mixin
    CommonOptions.Json jsonOption;

    @Mixin
    CommonOptions.TwoServerDryRun twoServerDryRunOption;

    @Mixin
    CommonOptions.Yes yesOption;

    @Mixin
    CutoverOptions cutover;

    @Option(names = "--no-rollback", description = "Switch over with no way back: no rollback replication, and no"
            + " rollback checks before the freeze.")
    boolean noRollback;

    public static void main(String... args) {
        System.exit(run(new Switchover(), args));
    }

    @Override
    protected int execute() throws Exception {
        requireMigration();
        Cutover switchover = Cutover.switchover(origin(), destination(), names(), runner(), out());
        Cutover.Report report;
        if (cutover.abort) {
            confirm("switchover --abort: lifts upshift's freeze on origin (" + origin().endpoint()
                    + "), re-enables the forward subscription and drops the prepared way back, if any");
            report = switchover.abort();
        } else {
            Cutover.Settings settings = cutover.settings(Direction.FORWARD, !noRollback,
                    noRollback ? null : destinationConninfo());
            report = switchover.run(settings, plan -> confirm(plan.describe()));
        }
        runner().flushScripts();
        SwitchoverView.print(out(), report);
        return report.exitCode();
    }
}
