package upshift.rehearse;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import upshift.ExitCode;
import upshift.UpshiftException;
import upshift.cli.UpshiftCommand;
import upshift.cli.UpshiftCommand.Captured;
import upshift.connect.Environment;
import upshift.migration.MigrationNames;
import upshift.report.Output;
import upshift.runbook.Step;
import upshift.sample.SampleApp;
import upshift.sample.Workload;
import upshift.switchover.WriteFreeze;

/**
 * A rehearsal: throw-away servers, the sample shop (or the operator's schema), a workload, and every runbook step
 * run in this JVM exactly as an operator runs it, timed into a {@link Timeline}.
 */
public final class Rehearsal {

    /** What to rehearse. {@code schema} null: the sample shop with {@code rows} rows and a workload. */
    /**
     * @param freeze     switchover's and switchback's --freeze mode
     * @param switchback rehearse the way back too: switchback after the rollback direction has carried writes
     */
    public record Options(int from, int to, long rows, Path schema, Path newSchema, int rate, boolean keep,
            WriteFreeze.Mode freeze, boolean switchback) {
    }

    private static final String APP_PASSWORD = "rehearsal-app";

    private final Options options;
    private final MigrationNames names;
    private final Output out;
    private final Timeline timeline = new Timeline();
    private Map<String, String> env;

    /**
     * Each step runs its own script ({@link Step#scriptClass()}), which the rehearse script compiles in with its
     * //SOURCES.
     */
    public Rehearsal(Options options, MigrationNames names, Output out) {
        this.options = options;
        this.names = names;
        this.out = out;
    }

    /** Runs the whole rehearsal; exit 0 only if verification passed. */
    public int run() throws Exception {
        int from = options.from();
        int to = options.to();
        long rows = options.rows();
        Path schema = options.schema();
        Path newSchema = options.newSchema();
        int rate = options.rate();
        boolean keep = options.keep();
        RehearsalServers servers = timed("start servers " + from + " and " + to,
                () -> RehearsalServers.start(from, to, out::note));
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
            // preflight names what blocks the way back (the sample shop's dropped NOT NULL column without a
            // database default) and its fix, add-missing-columns --default; then it must pass
            int preflight = stepExit(Step.PREFLIGHT, "", "--destination-conninfo", servers.destinationConninfo());
            List<String> defaults = new java.util.ArrayList<>();
            if (schema == null) {
                SampleApp.ADD_MISSING_COLUMNS_DEFAULTS.forEach(d -> defaults.addAll(List.of("--default", d)));
            }
            step(Step.ADD_MISSING_COLUMNS, "", defaults.toArray(String[]::new));
            if (preflight != ExitCode.OK) {
                step(Step.PREFLIGHT, "(after the fix)", "--destination-conninfo", servers.destinationConninfo());
            }
            step(Step.CREATE_PUBLICATION, "");
            step(Step.CREATE_SUBSCRIPTION, "", "--origin-conninfo", servers.originConninfo(), "--pause-autovacuum");
            step(Step.ENABLE_SUBSCRIPTION, "");
            lag = new LagSampler(servers.originJdbcUrl(), servers.superuserCredentials(), names.slot(), timeline);
            double copy = step(Step.MONITOR, "--until ready", "--until", "ready", "--timeout", "1h",
                    "--interval", "1s");
            step(Step.VACUUM_ANALYZE, "");
            step(Step.MONITOR, "--until caught-up", "--until", "caught-up", "--timeout", "10m", "--interval", "1s");
            // --freeze none means the operator stopped the application: the workload pauses around each cutover
            boolean applicationStops = options.freeze() == WriteFreeze.Mode.NONE && workload != null;
            if (applicationStops) {
                workload.pause();
            }
            String switchover = stepOutput(Step.SWITCHOVER, "", "--yes", "--json",
                    "--freeze", options.freeze().label(), "--destination-conninfo", servers.destinationConninfo(),
                    "--app-role", schema == null ? SampleApp.APP_ROLE : "none_given");
            Double freeze = freezeWindow(switchover);
            if (workload != null) {
                workload.retarget(new Workload.Target(servers.destinationJdbcUrl(), SampleApp.APP_ROLE,
                        APP_PASSWORD));
                workload.resume();
                Thread.sleep(3000);
                if (!options.switchback()) {
                    workload.close();
                }
            }
            step(Step.MONITOR, "--rollback --until caught-up", "--rollback", "--until", "caught-up",
                    "--timeout", "5m", "--interval", "1s");
            Double freezeBack = null;
            Long lost = null;
            int verify;
            if (options.switchback()) {
                if (applicationStops) {
                    workload.pause();
                }
                String back = stepOutput(Step.SWITCHBACK, "", "--yes", "--json",
                        "--freeze", options.freeze().label(), "--app-role", schema == null ? SampleApp.APP_ROLE : "none_given");
                freezeBack = freezeWindow(back);
                verify = ExitCode.OK; // switchback verified every row (checksums, its default) before its point of no return
                if (workload != null) {
                    workload.retarget(new Workload.Target(servers.originJdbcUrl(), SampleApp.APP_ROLE,
                            APP_PASSWORD));
                    workload.resume();
                    Thread.sleep(2000);
                    workload.close();
                    lost = workload.expectedOrders() - servers.originWorkloadOrders();
                }
            } else {
                verify = stepExit(Step.VERIFY, "--checksum", "--checksum");
            }
            step(Step.CLEANUP, "--rollback", "--rollback", "--yes");
            step(Step.DROP_ADDED_COLUMNS, "", "--yes");
            step(Step.CLEANUP, "--forward", "--forward", "--yes");

            summary = new Timeline.Summary(from, to, originRows, timeline.steps(), lag.samples(),
                    copy > 0 ? originRows / copy : null, freeze, freezeBack, verify == ExitCode.OK,
                    workload == null ? 0 : workload.acknowledged(), workload == null ? 0 : workload.rejected(), lost,
                    timeline.elapsed());
            return verify == ExitCode.OK && (lost == null || lost == 0) ? ExitCode.OK : ExitCode.CHECK_FAILED;
        } finally {
            if (workload != null) {
                workload.close();
            }
            if (lag != null) {
                lag.close();
            }
            if (summary != null) {
                Timeline.print(out, summary);
            } else {
                out.line("rehearsal stopped; steps so far:");
                timeline.steps().forEach(s -> out.line(String.format(Locale.ROOT, "  %-40s %6.2f s  exit %d",
                        s.step(), s.seconds(), s.exitCode())));
            }
            if (keep) {
                RehearsalServers.Kept kept = servers.keepRunning();
                out.line("servers left running (--keep):");
                out.line("  export PGPASSFILE=" + kept.passwordFile());
                out.line("  export PGURL_ORIGIN=" + kept.originUrl());
                out.line("  export PGURL_DESTINATION=" + kept.destinationUrl());
                out.line("stop them with:");
                kept.stop().forEach(command -> out.line("  " + command));
            } else {
                servers.close();
            }
        }
    }

    private interface Action<T> {
        T run() throws Exception;
    }

    private <T> T timed(String what, Action<T> action) throws Exception {
        out.note("== " + what);
        long t = System.nanoTime();
        T result = action.run();
        timeline.add(what, (System.nanoTime() - t) / 1e9, ExitCode.OK, "");
        return result;
    }

    /** A step's exit code, standard output and duration. */
    private record StepRun(String name, int exitCode, String stdout, double seconds) {
    }

    /**
     * Runs a step, which must succeed; returns its duration in seconds. {@code shown}: what the timeline adds to
     * the step's alias, e.g. "--until ready" (or "").
     */
    private double step(Step step, String shown, String... args) {
        return required(runStep(step, shown, args)).seconds();
    }

    private int stepExit(Step step, String shown, String... args) {
        return runStep(step, shown, args).exitCode();
    }

    private String stepOutput(Step step, String shown, String... args) {
        return required(runStep(step, shown, args)).stdout();
    }

    private static StepRun required(StepRun run) {
        if (run.exitCode() != ExitCode.OK) {
            throw new UpshiftException("rehearsal stopped: " + run.name() + " exited " + run.exitCode(),
                    "its output is above");
        }
        return run;
    }

    /** Runs a step in this JVM with this migration's name; its output is shown when it fails, or with -v. */
    private StepRun runStep(Step step, String shown, String... args) {
        String name = shown.isEmpty() ? step.alias() : step.alias() + " " + shown;
        out.note("== " + name);
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of("--name", names.name()));
        long t = System.nanoTime();
        Environment environment = Environment.of(env);
        Captured run = UpshiftCommand.capture(UpshiftCommand.newScript(step.scriptClass()), environment, all.toArray(String[]::new));
        double seconds = (System.nanoTime() - t) / 1e9;
        int code = run.exitCode();
        if (code != ExitCode.OK || out.verbose()) {
            out.note(run.stdout().stripTrailing());
            out.note(run.stderr().stripTrailing());
        }
        timeline.add(name, seconds, code, lastLine(run.stderr()));
        return new StepRun(name, code, run.stdout(), seconds);
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
