///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES ../lib/upshift/Library.java

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import upshift.ExitCode;
import upshift.cli.CommonOptions;
import upshift.cli.UpshiftCommand;
import upshift.runbook.Step;
import upshift.status.ClusterStatus;
import upshift.status.MigrationPhase;
import upshift.status.StatusReport;
import upshift.status.StatusView;

@Command(name = "status", header = Step.Summary.STATUS,
        description = "One screen: where the migration stands, both servers' versions, flavour, replication"
                + " settings and capabilities, this migration's publications, subscriptions and slots, a write"
                + " freeze, and the columns add-missing-columns left on destination.",
        footer = {"", "Examples:",
            "  ./jbang status --origin postgresql://app@old-db/app \\",
            "                 --destination postgresql://app@new-db/app",
            "  PGURL_ORIGIN=postgresql://app@old-db/app ./jbang status --json"})
class Status extends UpshiftCommand {

    @Mixin
    CommonOptions.Servers serversOption;

    @Mixin
    CommonOptions.Json jsonOption;

    public static void main(String... args) {
        System.exit(run(new Status(), args));
    }

    @Override
    protected int execute() {
        if (originIfGiven().isEmpty() && destinationIfGiven().isEmpty()) {
            throw upshift.UpshiftException.usage("neither origin nor destination given",
                    "pass --origin and/or --destination, or set PGURL_ORIGIN / PGURL_DESTINATION");
        }
        // -v: every query status runs, as the steps that change something log theirs
        originIfGiven().ifPresent(c -> c.logStatements(out()::statement));
        destinationIfGiven().ifPresent(c -> c.logStatements(out()::statement));
        ClusterStatus origin = originIfGiven().map(c -> ClusterStatus.of(c, names())).orElse(null);
        ClusterStatus destination = destinationIfGiven().map(c -> ClusterStatus.of(c, names())).orElse(null);
        StatusReport report = new StatusReport(names().name(), MigrationPhase.of(origin, destination, names()),
                origin, destination);

        if (out().json()) {
            out().json(report);
        } else {
            StatusView.print(out(), report);
        }
        return ExitCode.OK;
    }
}
