///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES ../lib/upshift/Library.java ../lib/upshift/rehearse/RehearsalLibrary.java
//SOURCES Preflight.java AddMissingColumns.java CreatePublication.java CreateSubscription.java
//SOURCES EnableSubscription.java Monitor.java VacuumAnalyze.java Switchover.java Verify.java Cleanup.java
//SOURCES DropAddedColumns.java Switchback.java

import java.nio.file.Path;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import upshift.UpshiftException;
import upshift.cli.UpshiftCommand;
import upshift.rehearse.Rehearsal;

@Command(name = "rehearse",
        description = "The whole runbook on throw-away servers: starts embedded PostgreSQL --from and --to"
                + " (binaries from Maven Central), loads a Django-style shop with --rows rows (or your --schema),"
                + " keeps a workload writing, runs every step as an operator would and prints the timeline:"
                + " each step's time, initial-sync throughput, lag, the freeze window, verification, then the"
                + " way back (rollback replication carrying the workload's writes, switchback, writes on origin"
                + " again) with the writes lost. Exit 0 only if verification passed and no write was lost.",
        footer = {"", "Examples:",
            "  ./jbang rehearse",
            "  ./jbang rehearse --from 14 --to 18 --rows 1000000",
            "  ./jbang rehearse --schema prod-schema.sql --keep      # your tables, servers left running"})
class Rehearse extends UpshiftCommand {

    @Option(names = "--from", defaultValue = "13", description = "Origin major version. Default: ${DEFAULT-VALUE}.")
    int from;

    @Option(names = "--to", defaultValue = "16", description = "Destination major version. Default: ${DEFAULT-VALUE}.")
    int to;

    @Option(names = "--rows", defaultValue = "100000",
            description = "Rows of sample data over the shop's tables. Default: ${DEFAULT-VALUE}.")
    long rows;

    @Option(names = "--schema", paramLabel = "FILE",
            description = "Rehearse with your own schema (pg_dump --schema-only) instead of the sample shop;"
                    + " tables stay empty, no workload.")
    Path schema;

    @Option(names = "--new-schema", paramLabel = "FILE",
            description = "With --schema: the new model for the destination. Default: the same file.")
    Path newSchema;

    @Option(names = "--rate", defaultValue = "100",
            description = "Workload writes per second on origin, then on destination. Default: ${DEFAULT-VALUE}.")
    int rate;

    @Option(names = "--keep", description = "Leave the servers running at the end and print their URLs.")
    boolean keep;

    @Option(names = "--freeze", paramLabel = "hard|soft|none", defaultValue = "hard",
            description = "The freeze switchover and switchback use. Default: ${DEFAULT-VALUE}.")
    String freeze;

    @Option(names = "--no-switchback", description = "Stop after the rollback direction; do not rehearse the way"
            + " back.")
    boolean noSwitchback;

    public static void main(String... args) {
        System.exit(run(new Rehearse(), args));
    }

    @Override
    protected int execute() throws Exception {
        if (from >= to) {
            throw UpshiftException.usage("--from " + from + " is not older than --to " + to,
                    "rehearse an upgrade, e.g. --from 13 --to 16");
        }
        Rehearsal.Options options = new Rehearsal.Options(from, to, rows, schema, newSchema, rate, keep,
                freeze, !noSwitchback);
        return new Rehearsal(options, Rehearse::step, names(), out()).run();
    }

    /** The runbook's steps: the same scripts an operator runs. */
    private static UpshiftCommand step(String alias) {
        return switch (alias) {
            case "preflight" -> new Preflight();
            case "add-missing-columns" -> new AddMissingColumns();
            case "create-publication" -> new CreatePublication();
            case "create-subscription" -> new CreateSubscription();
            case "enable-subscription" -> new EnableSubscription();
            case "monitor" -> new Monitor();
            case "vacuum-analyze" -> new VacuumAnalyze();
            case "switchover" -> new Switchover();
            case "switchback" -> new Switchback();
            case "verify" -> new Verify();
            case "cleanup" -> new Cleanup();
            case "drop-added-columns" -> new DropAddedColumns();
            default -> throw new IllegalArgumentException("no step " + alias);
        };
    }
}
