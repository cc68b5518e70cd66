///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES ../lib/upshift/Library.java

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import upshift.ExitCode;
import upshift.cli.CommonOptions;
import upshift.cli.UpshiftCommand;
import upshift.runbook.Step;
import upshift.subscription.ForwardSubscription;
import upshift.subscription.ForwardSubscriptionView;

@Command(name = "enable-subscription", header = Step.Summary.ENABLE_SUBSCRIPTION,
        description = "On destination: ALTER SUBSCRIPTION NAME_sub ENABLE, which starts the initial copy and the"
                + " streaming. Refuses (exit 3) while destination tables lack replicated columns or have"
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

    public static void main(String... args) {
        System.exit(run(new EnableSubscription(), args));
    }

    @Override
    protected int execute() throws Exception {
        requireMigration();
        ForwardSubscription subscription = new ForwardSubscription(origin(), destination(), names(), runner(), out());
        ForwardSubscriptionView.print(out(), subscription.enable(force));
        return ExitCode.OK;
    }
}
