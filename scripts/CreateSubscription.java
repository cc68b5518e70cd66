///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES ../lib/upshift/Library.java

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import upshift.ExitCode;
import upshift.cli.CommonOptions;
import upshift.cli.UpshiftCommand;
import upshift.copy.InitialCopy;
import upshift.runbook.Step;
import upshift.subscription.ForwardSubscription;
import upshift.subscription.ForwardSubscription.BinaryMode;
import upshift.subscription.ForwardSubscriptionView;

@Command(name = "create-subscription", header = Step.Summary.CREATE_SUBSCRIPTION,
        description = "On destination: CREATE SUBSCRIPTION NAME_sub to origin's publication, disabled, with"
                + " every option both versions accept (streaming, parallel apply, disable_on_error, run_as_owner;"
                + " binary only when all column types match). With --initial-copy snapshot (the default),"
                + " enable-subscription creates the slot NAME_slot with an exported snapshot and copies the tables"
                + " itself, in parallel; with native, the subscription creates the slot and PostgreSQL's table"
                + " sync copies. Start it with enable-subscription.",
        footer = {"", "Examples:",
            "  ./jbang create-subscription --dry-run        # psql -v origin_password=... runs it",
            "  ./jbang create-subscription --origin-conninfo 'host=10.0.0.5 dbname=app user=replicator' \\",
            "                              --pause-autovacuum"})
class CreateSubscription extends UpshiftCommand {

    @Mixin
    CommonOptions.Servers serversOption;

    @Mixin
    CommonOptions.OriginConninfo originConninfoOption;

    @Mixin
    CommonOptions.Json jsonOption;

    @Mixin
    CommonOptions.TwoServerDryRun twoServerDryRunOption;

    @Option(names = "--binary", paramLabel = "auto|on|off", defaultValue = "auto",
            description = "Binary transfer: auto = only when every replicated column has the same type on both"
                    + " sides. Default: ${DEFAULT-VALUE}.")
    BinaryMode binary;

    @Option(names = "--pause-autovacuum",
            description = "Switch autovacuum off on the destination tables for the initial copy;"
                    + " vacuum-analyze switches it back on.")
    boolean pauseAutovacuum;

    @Option(names = "--initial-copy", paramLabel = "snapshot|native", defaultValue = "snapshot",
            description = "snapshot: enable-subscription copies every table under the slot's exported snapshot, in"
                    + " parallel chunks, binary where the types allow, with indexes and constraints (primary keys"
                    + " too) rebuilt afterwards; native: PostgreSQL's table sync (copy_data = true)."
                    + " Default: ${DEFAULT-VALUE}.")
    InitialCopy initialCopy;

    public static void main(String... args) {
        System.exit(run(new CreateSubscription(), args));
    }

    @Override
    protected int execute() throws Exception {
        ForwardSubscription subscription = new ForwardSubscription(origin(), destination(), names(), runner(), out());
        ForwardSubscriptionView.print(out(), subscription.create(originConninfo(), binary, pauseAutovacuum,
                initialCopy));
        return ExitCode.OK;
    }
}
