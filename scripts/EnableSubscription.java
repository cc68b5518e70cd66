///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES ../lib/upshift/Library.java

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import upshift.ExitCode;
import upshift.cli.ByteSize;
import upshift.cli.CommonOptions;
import upshift.cli.UpshiftCommand;
import upshift.runbook.Step;
import upshift.subscription.ForwardSubscription;
import upshift.subscription.ForwardSubscriptionView;

@Command(name = "enable-subscription", header = Step.Summary.ENABLE_SUBSCRIPTION,
        description = "On destination: after the snapshot copy of a subscription created with --initial-copy"
                + " snapshot (the slot with an exported snapshot, --workers parallel COPY sessions per side,"
                + " dropped indexes and constraints rebuilt, foreign keys validated), ALTER SUBSCRIPTION NAME_sub"
                + " ENABLE, which starts the streaming (native: also the table sync). Refuses (exit 3) while destination tables lack replicated columns or have"
                + " NOT NULL columns origin does not send. Refreshes the subscription when the publication"
                + " gained tables.",
        footer = {"", "Examples:",
            "  ./jbang enable-subscription",
            "  ./jbang enable-subscription && ./jbang monitor --until ready --watch"})
class EnableSubscription extends UpshiftCommand {

    @Mixin
    CommonOptions.Servers serversOption;

    @Mixin
    CommonOptions.Json jsonOption;

    @Mixin
    CommonOptions.DryRun dryRunOption;

    @Option(names = "--force", description = "Enable even though the apply is known to fail (to watch it in monitor).")
    boolean force;

    @Option(names = "--workers", paramLabel = "N",
            description = "Copy and rebuild sessions per side for the snapshot copy. Default: 4, fewer when either"
                    + " side has fewer than 4 free connections per worker (preflight shows it).")
    Integer workers;

    @Option(names = "--chunk-size", paramLabel = "SIZE", defaultValue = "64MB",
            description = "Snapshot copy: tables larger than this are copied in ranges of about this size (ctid"
                    + " ranges from a 14+ origin, primary-key ranges of any key type from 13). Default: ${DEFAULT-VALUE}.")
    ByteSize chunkSize;

    public static void main(String... args) {
        System.exit(run(new EnableSubscription(), args));
    }

    @Override
    protected int execute() throws Exception {
        requireMigration();
        ForwardSubscription subscription = new ForwardSubscription(origin(), destination(), names(), runner(), out());
        ForwardSubscriptionView.print(out(), subscription.enable(force, workers, chunkSize.bytes()));
        return ExitCode.OK;
    }
}
