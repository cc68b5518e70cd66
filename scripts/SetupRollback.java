///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES ../lib/upshift/Library.java

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import upshift.ExitCode;
import upshift.cli.TableOptions;
import upshift.cli.CommonOptions;
import upshift.cli.UpshiftCommand;
import upshift.rollback.RollbackReplication;
import upshift.rollback.RollbackView;
import upshift.runbook.Step;

@Command(name = "setup-rollback", header = Step.Summary.SETUP_ROLLBACK,
        description = "After switchover: publication NAME_rollback_pub on destination for the replicated tables,"
                + " subscription NAME_rollback_sub on origin with copy_data = false (origin already holds every"
                + " row) and only the options origin's version accepts, so that writes on destination flow back."
                + " Refuses while the forward subscription is enabled (a write would loop). switchover runs"
                + " this for you.",
        footer = {"", "Examples:",
            "  ./jbang setup-rollback --destination-conninfo 'host=new-db dbname=app user=replicator'",
            "  ./jbang setup-rollback --dry-run     # psql -v destination_password=... runs it on origin"})
class SetupRollback extends UpshiftCommand {

    @Mixin
    CommonOptions.Servers serversOption;

    @Mixin
    CommonOptions.DestinationConninfo destinationConninfoOption;

    @Mixin
    CommonOptions.Json jsonOption;

    @Mixin
    CommonOptions.TwoServerDryRun twoServerDryRunOption;

    @Mixin
    TableOptions tables;

    @Option(names = "--no-enable", description = "Create the rollback subscription disabled.")
    boolean noEnable;

    public static void main(String... args) {
        System.exit(run(new SetupRollback(), args));
    }

    @Override
    protected int execute() throws Exception {
        requireMigration();
        RollbackReplication rollback = new RollbackReplication(origin(), destination(), names(), runner(), out());
        RollbackView.print(out(), rollback.setUp(destinationConninfo(), tables.selection(origin()), !noEnable));
        return ExitCode.OK;
    }
}
