///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-databind:2.21.0
//DEPS org.postgresql:postgresql:42.7.13
//DEPS org.apache.commons:commons-compress:1.28.0
//DEPS org.tukaani:xz:1.12
//SOURCES ../lib/upshift/**.java
//SOURCES Preflight.java AddMissingColumns.java CreatePublication.java CreateSubscription.java
//SOURCES EnableSubscription.java Monitor.java VacuumAnalyze.java Switchover.java Verify.java Cleanup.java
//SOURCES DropAddedColumns.java

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import upshift.ExitCode;
import upshift.UpshiftException;
import upshift.cli.UpshiftCommand;
import upshift.cli.UpshiftCommand.Captured;
import upshift.connect.Environment;
import upshift.rehearse.LagSampler;
import upshift.rehearse.RehearsalServers;
import upshift.rehearse.Timeline;
import upshift.sample.SampleApp;
import upshift.sample.Workload;

@Command(name = "rehearse",
        description = "The whole runbook on throw-away servers: starts embedded PostgreSQL --from and --to"
                + " (binaries from Maven Central), loads a Django-style shop with --rows rows (or your --schema),"
                + " keeps a workload writing, runs every step as an operator would and prints the timeline:"
                + " each step's time, initial-sync throughput, lag, the freeze window, verification."
                + " Exit 0 only if verification passed.",
        footer = {"", "Examples:",
            "  ./jbang rehearse",
            "  ./jbang rehearse --from 14 --to 18 --rows 1000000",
            "  ./jbang rehearse --schema prod-schema.sql --keep      # your tables, servers left running"})
class Rehearse extends UpshiftCommand {

    private static final String APP_PASSWORD = "rehearsal-app";

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

    private final Timeline timeline = new Timeline();
    private Map<String, String> env;

    public static void main(String... args) {
        System.exit(run(new Rehearse(), args));
    }

    @Override
    protected int execute() throws Exception {
        if (from >= to) {
            throw UpshiftException.usage("--from " + from + " is not older than --to " + to,
                    "rehearse an upgrade, e.g. --from 13 --to 16");
        }
        RehearsalServers servers = timed("start servers " + from + " and " + to,
                () -> RehearsalServers.start(from, to, out()::note));
        Workload workload = null;
        LagSampler lag = null;
        Timeline.Summary summary = null;
        try {
            env = new HashMap<>(Map.of("PGURL_ORIGIN", servers.originUrl(),
                    "PGURL_DESTINATION", servers.destinationUrl()));
            if (schema != null) {
                timed("load schema " + schema, () -> { servers.loadSchema(schema, newSchema); return null; });
            } else {
                timed(String.format(Locale.ROOT, "load sample shop (%,d rows)", rows),
                        () -> { servers.loadSample(rows, APP_PASSWORD); return null; });
                workload = new Workload(new Workload.Target(servers.originJdbcUrl(), SampleApp.APP_ROLE,
                        APP_PASSWORD), rate);
            }
            long originRows = servers.originRows();

            // The runbook, step by step, as an operator runs it.
            step("preflight", new Preflight());
            step("add-missing-columns", new AddMissingColumns());
            step("create-publication", new CreatePublication());
            step("create-subscription", new CreateSubscription(), "--origin-conninfo", servers.originConninfo(),
                    "--pause-autovacuum");
            step("enable-subscription", new EnableSubscription());
            lag = new LagSampler(servers.originJdbcUrl(), servers.superuserCredentials(), names().slot(), timeline);
            double copy = step("monitor --until ready", new Monitor(), "--until", "ready", "--timeout", "1h",
                    "--interval", "1s");
            step("vacuum-analyze", new VacuumAnalyze());
            step("monitor --until caught-up", new Monitor(), "--until", "caught-up", "--timeout", "10m",
                    "--interval", "1s");
            String switchover = stepOutput("switchover", new Switchover(), "--yes", "--json", "--verify", "counts",
                    "--destination-conninfo", servers.destinationConninfo(),
                    "--app-role", schema == null ? SampleApp.APP_ROLE : "none_given");
            Double freeze = freezeWindow(switchover);
            if (workload != null) {
                workload.retarget(new Workload.Target(servers.destinationJdbcUrl(), SampleApp.APP_ROLE,
                        APP_PASSWORD));
                Thread.sleep(3000);
                workload.close();
            }
            step("monitor --rollback --until caught-up", new Monitor(), "--rollback", "--until", "caught-up",
                    "--timeout", "5m", "--interval", "1s");
            int verify = stepExit("verify --checksum", new Verify(), "--checksum");
            step("cleanup --rollback", new Cleanup(), "--rollback", "--yes");
            step("drop-added-columns", new DropAddedColumns(), "--yes");
            step("cleanup --forward", new Cleanup(), "--forward", "--yes");

            summary = new Timeline.Summary(from, to, originRows, timeline.steps(), lag.samples(),
                    copy > 0 ? originRows / copy : null, freeze, verify == ExitCode.OK,
                    workload == null ? 0 : workload.acknowledged(), workload == null ? 0 : workload.rejected(),
                    timeline.elapsed());
            return verify == ExitCode.OK ? ExitCode.OK : ExitCode.CHECK_FAILED;
        } finally {
            if (workload != null) {
                workload.close();
            }
            if (lag != null) {
                lag.close();
            }
            if (summary != null) {
                Timeline.print(out(), summary);
            } else {
                out().line("rehearsal stopped; steps so far:");
                timeline.steps().forEach(s -> out().line(String.format(Locale.ROOT, "  %-40s %6.2f s  exit %d",
                        s.step(), s.seconds(), s.exitCode())));
            }
            if (keep) {
                RehearsalServers.Kept kept = servers.keepRunning();
                out().line("servers left running (--keep):");
                out().line("  export PGPASSFILE=" + kept.passwordFile());
                out().line("  export PGURL_ORIGIN=" + kept.originUrl());
                out().line("  export PGURL_DESTINATION=" + kept.destinationUrl());
                out().line("stop them with:");
                kept.stop().forEach(command -> out().line("  " + command));
            } else {
                servers.close();
            }
        }
    }

    private interface Action<T> {
        T run() throws Exception;
    }

    private <T> T timed(String what, Action<T> action) throws Exception {
        out().note("== " + what);
        long t = System.nanoTime();
        T result = action.run();
        timeline.add(what, (System.nanoTime() - t) / 1e9, ExitCode.OK, "");
        return result;
    }

    /** A step's exit code, standard output and duration. */
    private record StepRun(int exitCode, String stdout, double seconds) {
    }

    /** Runs a step, which must succeed; returns its duration in seconds. */
    private double step(String name, UpshiftCommand command, String... args) {
        return required(name, runStep(name, command, args)).seconds();
    }

    private int stepExit(String name, UpshiftCommand command, String... args) {
        return runStep(name, command, args).exitCode();
    }

    private String stepOutput(String name, UpshiftCommand command, String... args) {
        return required(name, runStep(name, command, args)).stdout();
    }

    private static StepRun required(String name, StepRun run) {
        if (run.exitCode() != ExitCode.OK) {
            throw new UpshiftException("rehearsal stopped: " + name + " exited " + run.exitCode(),
                    "its output is above");
        }
        return run;
    }

    /** Runs a step in this JVM with this migration's name; its output is shown when it fails, or with -v. */
    private StepRun runStep(String name, UpshiftCommand command, String... args) {
        out().note("== " + name);
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of("--name", names().name()));
        long t = System.nanoTime();
        Environment environment = new Environment(env, Path.of(System.getProperty("user.home")),
                System.getProperty("user.name"));
        Captured run = UpshiftCommand.capture(command, environment, all.toArray(String[]::new));
        double seconds = (System.nanoTime() - t) / 1e9;
        int code = run.exitCode();
        String out = run.stdout();
        String err = run.stderr();
        if (code != ExitCode.OK || out().verbose()) {
            out().note(out.stripTrailing());
            out().note(err.stripTrailing());
        }
        timeline.add(name, seconds, code, lastLine(err));
        return new StepRun(code, out, seconds);
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        String last = lines.length == 0 ? "" : lines[lines.length - 1].strip();
        return last.length() > 70 ? last.substring(0, 67) + "..." : last;
    }

    private static Double freezeWindow(String switchoverJson) {
        try {
            JsonNode report = new ObjectMapper().readTree(switchoverJson);
            JsonNode freeze = report.get("freezeWindowSeconds");
            return freeze == null || freeze.isNull() ? null : freeze.asDouble();
        } catch (Exception e) {
            return null;
        }
    }
}
