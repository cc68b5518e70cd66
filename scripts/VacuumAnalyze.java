///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES ../lib/upshift/Library.java


import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import upshift.ExitCode;
import upshift.UpshiftException;
import upshift.cli.CommonOptions;
import upshift.cli.UpshiftCommand;
import upshift.connect.Cluster;
import upshift.runbook.Step;
import upshift.vacuum.Vacuum;
import upshift.vacuum.VacuumReport;
import upshift.vacuum.VacuumTargets;
import upshift.vacuum.VacuumView;

@Command(name = "vacuum-analyze", header = Step.Summary.VACUUM_ANALYZE,
        description = "VACUUM (ANALYZE) every replicated table on destination, one at a time with a progress line"
                + " (statement_timeout lifted for these), then switch autovacuum back on where"
                + " create-subscription paused it. A table that fails is reported, the rest still run, and the"
                + " step exits 1 at the end.",
        footer = {"", "Examples:",
            "  ./jbang vacuum-analyze",
            "  ./jbang vacuum-analyze --dry-run",
            "  ./jbang vacuum-analyze --tables-from publication",
            "  ./jbang vacuum-analyze --json"})
class VacuumAnalyze extends UpshiftCommand {

    @Mixin
    CommonOptions.Servers serversOption;

    @Mixin
    CommonOptions.Json jsonOption;

    @Mixin
    CommonOptions.DryRun dryRunOption;

    @Option(names = "--tables-from", paramLabel = "auto|subscription|publication", defaultValue = "auto",
            description = "subscription: the forward subscription's tables (pg_subscription_rel on destination);"
                    + " publication: the tables of origin's publication (pg_publication_tables); auto: the"
                    + " subscription if it exists, else the publication. Default: ${DEFAULT-VALUE}.")
    VacuumTargets.From tablesFrom;

    public static void main(String... args) {
        System.exit(run(new VacuumAnalyze(), args));
    }

    @Override
    protected int execute() {
        List<Cluster> servers = new ArrayList<>();
        originIfGiven().ifPresent(servers::add);
        servers.add(destination());
        requireMigration(servers);
        VacuumTargets targets = VacuumTargets.find(destination(), this::origin, names(),
                tablesFrom);
        VacuumReport report = Vacuum.run(destination(), runner(), out(), names(), targets);

        if (out().json()) {
            out().json(report);
        } else if (!dryRun()) {
            VacuumView.print(out(), report);
        }
        if (report.failed() > 0) {
            throw new UpshiftException(report.failed() + " of " + report.tables().size() + " tables "
                    + (dryRun() ? "cannot be" : "were not") + " vacuumed: " + String.join(", ", report.tables()
                            .stream().filter(t -> "failed".equals(t.status())).map(t -> t.table().toString())
                            .toList()), "see the lines above; fix them and run vacuum-analyze again");
        }
        return ExitCode.OK;
    }
}
