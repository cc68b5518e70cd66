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
import upshift.preflight.PreflightOptions;
import upshift.preflight.PreflightReport;
import upshift.preflight.PreflightView;
import upshift.runbook.Step;
import upshift.schema.AcceptedLossy;

@Command(name = "preflight", header = Step.Summary.PREFLIGHT,
        description = "Readiness and compatibility report for both servers: logical replication settings and"
                + " capacity, rights, tables without a primary key, schema drift (with checks of existing data"
                + " against narrower destination types), what logical replication does not carry, and whether"
                + " binary transfer is safe, and the way back: the rights, the connection from origin's server and"
                + " the column rules rollback replication needs after switchover. Changes nothing (the connection"
                + " is proven with a subscription without slot, created and dropped on origin). Exit 3 when a"
                + " finding is BLOCKING.",
        footer = {"", "Examples:",
            "  ./jbang preflight --origin postgresql://app@old-db/app \\",
            "                    --destination postgresql://app@new-db/app",
            "  ./jbang preflight --json --skip-data-checks    # with PGURL_* set"})
class Preflight extends UpshiftCommand {

    @Mixin
    CommonOptions.Servers serversOption;

    @Mixin
    CommonOptions.DestinationConninfo destinationConninfoOption;

    @Mixin
    CommonOptions.Json jsonOption;

    @Mixin
    TableOptions tables;

    @Option(names = "--skip-data-checks",
            description = "Do not scan origin tables for values that would not fit narrower destination types"
                    + " (text -> varchar(n), bigint -> int); for very large databases. Those checks are reported"
                    + " as warnings, with the query to run by hand.")
    boolean skipDataChecks;

    @Option(names = "--accept-lossy", paramLabel = "TABLE.COLUMN",
            description = "A column whose change of values in the new model is intended (numeric(12,4) ->"
                    + " numeric(10,2) rounding, float8 -> real): its lossy conversion is reported as a warning"
                    + " instead of blocking. Rejected values still block. Repeat for each column.")
    java.util.List<String> acceptLossy = new java.util.ArrayList<>();

    @Option(names = "--no-rollback", description = "Do not check the way back (for a switchover with --no-rollback).")
    boolean noRollback;

    public static void main(String... args) {
        System.exit(run(new Preflight(), args));
    }

    @Override
    protected int execute() {
        PreflightReport report = upshift.preflight.Preflight.run(origin(), destination(),
                tables.selection(origin()), new PreflightOptions(names(), skipDataChecks, out()::note,
                        noRollback ? null : destinationConninfo(), AcceptedLossy.parse(acceptLossy)));

        if (out().json()) {
            out().json(report);
        } else {
            PreflightView.print(out(), report);
        }
        return report.ready() ? ExitCode.OK : ExitCode.CHECK_FAILED;
    }
}
