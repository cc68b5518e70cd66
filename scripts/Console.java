///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES ../lib/upshift/Library.java ../lib/upshift/rehearse/RehearsalLibrary.java
//SOURCES Status.java Preflight.java Monitor.java SyncSequences.java Verify.java Switchover.java Cleanup.java
//SOURCES AddMissingColumns.java CreatePublication.java CreateSubscription.java EnableSubscription.java
//SOURCES VacuumAnalyze.java SetupRollback.java DropAddedColumns.java DumpSchema.java RestoreSchema.java
//SOURCES Switchback.java

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import upshift.UpshiftException;
import upshift.cli.CommonOptions;
import upshift.cli.UpshiftCommand;
import upshift.connect.Cluster;
import upshift.connect.Environment;
import upshift.console.Session;
import upshift.console.Shell;
import upshift.console.Steps;
import upshift.report.Output;
import upshift.report.Units;
import upshift.runbook.Step;

@Command(name = "console", header = Step.Summary.CONSOLE,
        description = "An interactive JShell for the migration: the library on the class path, origin and"
                + " destination connected (handles `origin` and `destination`), and every runbook step one call"
                + " away: status(), preflight(), monitor(), lag(), syncSequences(dryRun), verify(checksum),"
                + " sql(origin, \"select ...\"), switchover(yes), cleanup(yes), run(\"step\", options...), help()."
                + " Each call runs the step's own script in this JVM with the console's servers and options and"
                + " prints what the script prints. --dry-run makes every step call a dry run; --yes is never"
                + " passed on (switchover(true), cleanup(true) confirm); no --json. Reads the calls from standard"
                + " input when it is not a terminal; /exit leaves.",
        footer = {"", "Examples:",
            "  ./jbang console                    # PGURL_ORIGIN, PGURL_DESTINATION set",
            "  ./jbang console --name shop --origin postgresql://app@old-db/app \\",
            "                  --destination postgresql://app@new-db/app",
            "  printf 'status()\\nlag()\\n/exit\\n' | ./jbang console     # unattended"})
class Console extends UpshiftCommand {

    @Mixin
    CommonOptions.Servers serversOption;

    @Mixin
    CommonOptions.OriginConninfo originConninfoOption;

    @Mixin
    CommonOptions.DestinationConninfo destinationConninfoOption;

    @Mixin
    CommonOptions.DryRun dryRunOption;

    public static void main(String... args) {
        System.exit(run(new Console(), args));
    }

    /**
     * The steps a console call runs, by alias: every command but rehearse and console itself
     * ({@link Step#runnable()}), each its own script, which the //SOURCES above compile in.
     */
    static Map<String, Supplier<? extends UpshiftCommand>> steps() {
        Map<String, Supplier<? extends UpshiftCommand>> steps = new LinkedHashMap<>();
        for (Step step : Step.runnable()) {
            steps.put(step.alias(), () -> UpshiftCommand.newScript(step.scriptClass()));
        }
        return steps;
    }

    @Override
    protected int execute() throws Exception {
        if (out().json()) {
            throw UpshiftException.usage("the console has no --json",
                    "inside it, run(\"status\", \"--json\") prints one step's JSON");
        }
        Cluster origin = originIfGiven().orElse(null);
        Cluster destination = destinationIfGiven().orElse(null);
        if (origin == null && destination == null) {
            throw UpshiftException.usage("neither origin nor destination given",
                    "pass --origin and/or --destination, or set PGURL_ORIGIN / PGURL_DESTINATION");
        }

        // Every step sees exactly the console's two endpoints and options (never --yes: a call says yes itself).
        Map<String, String> variables = new HashMap<>(System.getenv());
        variables.keySet().removeIf(k -> k.startsWith("PGURL_"));
        Map<String, String> common = new LinkedHashMap<>();
        common.put("--name", names().name());
        common.put("--connect-timeout", String.valueOf((origin != null ? origin : destination).settings()
                .connectTimeoutSeconds()));
        if (origin != null) {
            variables.put("PGURL_ORIGIN", origin.endpoint().conninfo());
            if (!originConninfo().equals(origin.endpoint().conninfo())) {
                common.put("--origin-conninfo", originConninfo());
            }
        }
        if (destination != null) {
            variables.put("PGURL_DESTINATION", destination.endpoint().conninfo());
            if (!destinationConninfo().equals(destination.endpoint().conninfo())) {
                common.put("--destination-conninfo", destinationConninfo());
            }
        }
        List<String> notes = new ArrayList<>();
        if (out().verbose()) {
            common.put("-v", null);
        }
        if (dryRun()) {
            common.put("--dry-run", null);
            notes.add("--dry-run: every step call only prints the SQL it would run (sql(...) runs what you type)");
        }
        Steps steps = new Steps(steps(), Environment.of(variables), common, System.out, System.err);

        Session session = new Session(origin, destination, names(), steps,
                Units.bytes(Monitor.DEFAULT_MAX_LAG, "--max-lag"),
                new Output(System.out, System.err, false, out().verbose()), notes);
        session.banner();
        return Shell.run(session, System.getProperty("java.class.path"));
    }
}
