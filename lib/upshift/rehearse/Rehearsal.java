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
import upshift.connect.ConnectSettings;
import upshift.connect.Connector;
import upshift.connect.Endpoint;
import upshift.connect.Environment;
import upshift.generate.DataGenerator;
import upshift.generate.RowCounts;
import upshift.generate.SchemaModel;
import upshift.generate.TableWorkload;
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

    /**
     * What to rehearse. {@code schema} null: the sample shop with {@code rows} rows (a total) and its workload; else
     * the operator's schema, filled by the generator ({@code rows}: a total and/or per-table counts, see
     * {@link RowCounts}; {@code statsFrom}: a production URL whose statistics give the proportions and widths) with
     * a workload on its tables.
     *
     * @param freeze     switchover's and switchback's --freeze mode
     * @param switchback rehearse the way back too: switchback after the rollback direction has carried writes
     * @param seed       the generator's and the workload's seed: the same seed, the same data
     * @param junit      where to write the report as JUnit XML, or null
     * @param newModelCommand the application's migration command, run on a reference database made from
     *                   {@code schema}, whose dumped schema is the new model (instead of {@code newSchema}), or null
     * @param newModelDir where that command runs (null: the current directory)
     * @param defaults   add-missing-columns --default values (TABLE.COLUMN=SQL) for the operator's schema
     * @param sampleFrom a real database whose sample (closed under foreign keys) fills origin instead of generated
     *                   data, read-only, or null
     * @param samplePercent the TABLESAMPLE BERNOULLI percentage of each table
     * @param masks      --mask TABLE.COLUMN=KIND: PII columns replaced on their way into the copy
     */
    public record Options(int from, int to, String rows, Path schema, Path newSchema, int rate, boolean keep,
            WriteFreeze.Mode freeze, boolean switchback, String statsFrom, long seed, Path junit,
            String newModelCommand, Path newModelDir, List<String> defaults, String sampleFrom,
            double samplePercent, List<String> masks) {

        public Options {
            defaults = defaults == null ? List.of() : List.copyOf(defaults);
            masks = masks == null ? List.of() : List.copyOf(masks);
        }

        /** The options of a rehearsal whose new model is a file (or the old schema). */
        public Options(int from, int to, String rows, Path schema, Path newSchema, int rate, boolean keep,
                WriteFreeze.Mode freeze, boolean switchback, String statsFrom, long seed, Path junit) {
            this(from, to, rows, schema, newSchema, rate, keep, freeze, switchback, statsFrom, seed, junit, null,
                    null, List.of(), null, 0, List.of());
        }
    }

    /** Rows when --rows gives no total: the sample shop's and the generator's. */
    public static final long DEFAULT_ROWS = 100_000;

    private static final String APP_PASSWORD = "rehearsal-app";

    /** The application role of a rehearsal of the operator's schema (the sample shop has its own). */
    public static final String SCHEMA_APP_ROLE = "upshift_rehearsal_app";

    private final Options options;
    private final MigrationNames names;
    private final Output out;
    private final Timeline timeline = new Timeline();
    private Map<String, String> env;
    private volatile Timeline.Summary summary;

    /**
     * Each step runs its own script ({@link Step#scriptClass()}), which the rehearse script compiles in with its
     * //SOURCES.
     */
    public Rehearsal(Options options, MigrationNames names, Output out) {
        this.options = options;
        this.names = names;
        this.out = out;
    }

    /** Runs the whole rehearsal; exit 0 only if verification passed and no acknowledged write was lost. */
    public int run() throws Exception {
        RehearsalServers servers = timed("start servers " + options.from() + " and " + options.to(),
                () -> RehearsalServers.start(options.from(), options.to(), out::note));
        return run(servers, true);
    }

    /**
     * Runs the whole rehearsal on two servers the caller started and stops ({@code options.from/to} are theirs);
     * they stay running afterwards, with what the rehearsal left on them, for the caller's own checks.
     */
    public int run(RehearsalServers servers) throws Exception {
        return run(servers, false);
    }

    /**
     * Puts what the caller did before {@link #run(RehearsalServers)} (e.g. start the servers) on the timeline, as
     * {@link #run()} times its own start.
     */
    public void recordStep(String what, double seconds) {
        timeline.add(what, seconds, ExitCode.OK, "");
    }

    /** What the last {@link #run} reported (also when it failed part-way), or null before a run. */
    public Timeline.Summary summary() {
        return summary;
    }

    private int run(RehearsalServers servers, boolean owned) throws Exception {
        int from = servers.originMajor();
        int to = servers.destinationMajor();
        Path schemaGiven = options.schema();
        Path schema = NewModel.schemaFile(schemaGiven);
        Path newSchema = NewModel.schemaFile(options.newSchema());
        Path newModelWork = null;
        int rate = options.rate();
        boolean keep = options.keep();
        RowCounts counts = RowCounts.parse(options.rows());
        long sampleRows = schema == null ? sampleRows(options.rows()) : 0;
        RowCounts.Stats stats = schema != null && options.statsFrom() != null ? readStats(options.statsFrom())
                : RowCounts.Stats.NONE;
        String appRole = schema == null ? SampleApp.APP_ROLE : SCHEMA_APP_ROLE;
        Workload workload = null;
        TableWorkload tableWorkload = null;
        LagSampler lag = null;
        long originRows = 0;
        Double copy = null;
        Double freeze = null;
        Double freezeBack = null;
        Long lost = null;
        Boolean verified = null;
        String failure = null;
        DataGenerator.Result data = null;
        List<TableWorkload.TableAccount> writes = null;
        try {
            env = new HashMap<>(Map.of("PGURL_ORIGIN", servers.originUrl(),
                    "PGURL_DESTINATION", servers.destinationUrl()));
            if (schema != null) {
                if (options.newModelCommand() != null) {
                    Path work = java.nio.file.Files.createTempDirectory("upshift-new-model-");
                    newModelWork = work;
                    Path dir = options.newModelDir() != null ? options.newModelDir() : Path.of("").toAbsolutePath();
                    newSchema = timed("new model: " + options.newModelCommand(),
                            () -> NewModel.make(servers, schemaGiven, options.newModelCommand(), dir, work, out));
                }
                Path loadedNew = newSchema;
                timed("load schema " + schema, () -> { servers.loadSchema(schema, loadedNew); return null; });
                if (options.sampleFrom() != null) {
                    // never the URL: it may carry the source's password, and names a production server
                    data = timed(String.format(Locale.ROOT, "copy a %s%% sample of --sample-from",
                            options.samplePercent()), () -> sample(servers));
                } else {
                    data = timed("generate data", () -> generate(servers, counts, stats));
                }
                servers.grantApplicationEverywhere(SCHEMA_APP_ROLE, APP_PASSWORD);
                // the workload leaves alone what the publication leaves out (django_migrations...): never replicated
                upshift.schema.TableSelection unreplicated = new upshift.schema.TableSelection(null,
                        upshift.schema.TableSelection.DEFAULT_EXCLUDES, List.of());
                // the models as loaded (before add-missing-columns): what each side's application writes
                List<SchemaModel> models;
                try (java.sql.Connection o = servers.originSession();
                     java.sql.Connection d = servers.destinationSession()) {
                    models = List.of(SchemaModel.read(o), SchemaModel.read(d));
                }
                tableWorkload = new TableWorkload(new upshift.sample.Workload.Target(servers.originJdbcUrl(), SCHEMA_APP_ROLE,
                        APP_PASSWORD), rate, options.seed(), unreplicated::excluded, models);
            } else {
                timed(String.format(Locale.ROOT, "load sample shop (%,d rows)", sampleRows),
                        () -> { servers.loadSample(sampleRows, APP_PASSWORD); return null; });
                workload = new Workload(new Workload.Target(servers.originJdbcUrl(), SampleApp.APP_ROLE,
                        APP_PASSWORD), rate);
            }
            Writer writer = new Writer(workload, tableWorkload);
            originRows = servers.originRows();

            // The runbook, step by step, as an operator runs it.
            // preflight names what blocks the way back (the sample shop's dropped NOT NULL column without a
            // database default) and its fix, add-missing-columns --default; then it must pass
            int preflight = stepExit(Step.PREFLIGHT, "", "--destination-conninfo", servers.destinationConninfo());
            List<String> defaults = new java.util.ArrayList<>();
            if (schema == null) {
                SampleApp.ADD_MISSING_COLUMNS_DEFAULTS.forEach(d -> defaults.addAll(List.of("--default", d)));
            }
            options.defaults().forEach(d -> defaults.addAll(List.of("--default", d)));
            step(Step.ADD_MISSING_COLUMNS, "", defaults.toArray(String[]::new));
            if (preflight != ExitCode.OK) {
                step(Step.PREFLIGHT, "(after the fix)", "--destination-conninfo", servers.destinationConninfo());
            }
            step(Step.CREATE_PUBLICATION, "");
            step(Step.CREATE_SUBSCRIPTION, "", "--origin-conninfo", servers.originConninfo(), "--pause-autovacuum");
            step(Step.ENABLE_SUBSCRIPTION, "");
            lag = new LagSampler(servers.originJdbcUrl(), servers.superuserCredentials(), names.slot(), timeline);
            copy = step(Step.MONITOR, "--until ready", "--until", "ready", "--timeout", "1h", "--interval", "1s");
            step(Step.VACUUM_ANALYZE, "");
            step(Step.MONITOR, "--until caught-up", "--until", "caught-up", "--timeout", "10m", "--interval", "1s");
            // --freeze none means the operator stopped the application: the workload pauses around each cutover
            boolean applicationStops = options.freeze() == WriteFreeze.Mode.NONE;
            if (applicationStops) {
                writer.pause();
            }
            String switchover = stepOutput(Step.SWITCHOVER, "", "--yes", "--json",
                    "--freeze", options.freeze().label(), "--destination-conninfo", servers.destinationConninfo(),
                    "--app-role", appRole);
            freeze = freezeWindow(switchover);
            writer.retarget(servers.destinationJdbcUrl(), appRole, APP_PASSWORD);
            writer.resume();
            Thread.sleep(3000);
            if (!options.switchback()) {
                writer.close();
            }
            step(Step.MONITOR, "--rollback --until caught-up", "--rollback", "--until", "caught-up",
                    "--timeout", "5m", "--interval", "1s");
            if (options.switchback()) {
                if (applicationStops) {
                    writer.pause();
                }
                String back = stepOutput(Step.SWITCHBACK, "", "--yes", "--json",
                        "--freeze", options.freeze().label(), "--app-role", appRole);
                freezeBack = freezeWindow(back);
                verified = true; // switchback verified every row (checksums, its default) before its point of no return
                writer.retarget(servers.originJdbcUrl(), appRole, APP_PASSWORD);
                writer.resume();
                Thread.sleep(2000);
                writer.close();
                if (workload != null) {
                    lost = workload.expectedOrders() - servers.originWorkloadOrders();
                }
            } else {
                verified = stepExit(Step.VERIFY, "--checksum", "--checksum") == ExitCode.OK;
            }
            if (tableWorkload != null) {
                // every acknowledged write must be on the server the application writes to at the end
                try (java.sql.Connection last = options.switchback() ? servers.originSession()
                        : servers.destinationSession()) {
                    writes = tableWorkload.check(last);
                }
                lost = writes.stream().mapToLong(TableWorkload.TableAccount::lost).sum();
            }
            step(Step.CLEANUP, "--rollback", "--rollback", "--yes");
            step(Step.DROP_ADDED_COLUMNS, "", "--yes");
            step(Step.CLEANUP, "--forward", "--forward", "--yes");
            return Boolean.TRUE.equals(verified) && (lost == null || lost == 0) ? ExitCode.OK : ExitCode.CHECK_FAILED;
        } catch (Exception | Error e) {
            failure = e.getMessage() == null ? e.toString() : e.getMessage();
            throw e;
        } finally {
            if (workload != null) {
                workload.close();
            }
            if (tableWorkload != null) {
                tableWorkload.close();
            }
            if (lag != null) {
                lag.close();
            }
            long acknowledged = workload != null ? workload.acknowledged()
                    : tableWorkload != null ? tableWorkload.acknowledged() : 0;
            long refused = workload != null ? workload.rejected()
                    : tableWorkload != null ? tableWorkload.rejected() : 0;
            Timeline.Summary summary = new Timeline.Summary(from, to, originRows, timeline.steps(),
                    lag == null ? List.of() : lag.samples(), copy != null && copy > 0 ? originRows / copy : null,
                    freeze, freezeBack, verified, acknowledged, refused, lost, timeline.elapsed(),
                    data == null ? null : data.tables(), writes, failure);
            this.summary = summary;
            Timeline.print(out, summary);
            if (options.junit() != null) {
                JUnitReport.write(options.junit(), summary);
                out.note("JUnit report: " + options.junit());
            }
            if (!owned) {
                // the caller's servers: it stops them
            } else if (keep) {
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
            if (newModelWork != null) {
                deleteTree(newModelWork);
            }
        }
    }

    private static void deleteTree(Path root) {
        try (var paths = java.nio.file.Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            // a temporary folder left behind
        }
    }

    /** The sample shop's rows: --rows as a total only. */
    private static long sampleRows(String rows) {
        if (rows == null || rows.isBlank()) {
            return DEFAULT_ROWS;
        }
        try {
            return Long.parseLong(rows.strip().replace("_", ""));
        } catch (NumberFormatException e) {
            throw UpshiftException.usage("--rows " + rows + ": the sample shop takes a total only",
                    "per-table counts go with --schema");
        }
    }

    /** Production's statistics (reltuples, pg_stats avg_width), read-only, never a row of data. */
    private RowCounts.Stats readStats(String url) throws java.sql.SQLException {
        out.note("== reading row estimates and column widths from --stats-from");
        try (java.sql.Connection c = Connector.open("stats-from", Endpoint.resolve(url),
                ConnectSettings.defaults("upshift rehearse --stats-from"))) {
            c.setReadOnly(true);
            return RowCounts.readStats(c);
        }
    }

    /** Fills origin's tables with a masked sample of --sample-from's rows, closed under foreign keys. */
    private DataGenerator.Result sample(RehearsalServers servers) throws java.sql.SQLException {
        List<upshift.generate.SampleCopy.Mask> masks = options.masks().stream()
                .map(upshift.generate.SampleCopy.Mask::parse).toList();
        Endpoint source = Endpoint.resolve(options.sampleFrom());
        try (java.sql.Connection c = Connector.open("sample-from", source,
                ConnectSettings.defaults("upshift rehearse --sample-from"));
             java.sql.Connection o = servers.originSession()) {
            upshift.generate.SampleCopy.Result r = upshift.generate.SampleCopy.copy(c, o, options.samplePercent(),
                    masks, options.seed());
            out.note(String.format(Locale.ROOT, "copied %,d sampled rows into %d tables in %.1f s (%d column(s)"
                    + " masked)", r.inserted(), r.tables().size(), r.seconds(), masks.size()));
            return new DataGenerator.Result(r.tables(), r.seconds());
        }
    }

    /** Fills origin's tables with generated rows. */
    private DataGenerator.Result generate(RehearsalServers servers, RowCounts counts, RowCounts.Stats stats)
            throws java.sql.SQLException {
        try (java.sql.Connection c = servers.originSession(); java.sql.Connection d = servers.destinationSession()) {
            // generated values fit the new model too (a column the new model narrows holds them on both sides)
            SchemaModel model = SchemaModel.read(c).narrowedTo(SchemaModel.read(d));
            List<String> unknown = counts.unknownTables(model.tables().keySet());
            if (!unknown.isEmpty()) {
                throw UpshiftException.usage("--rows names tables the schema does not have: "
                        + String.join(", ", unknown), "name tables as table or schema.table");
            }
            Map<upshift.sql.QualifiedName, Long> rows = counts.resolve(model.tables().keySet(), stats, DEFAULT_ROWS);
            DataGenerator.Result result = new DataGenerator(c, model, options.seed(), stats, out).fill(rows);
            out.note(String.format(Locale.ROOT, "generated %,d rows in %d tables in %.1f s", result.inserted(),
                    result.tables().size(), result.seconds()));
            return result;
        }
    }

    /** Whichever workload runs: the sample shop's or the one on the operator's tables. */
    private record Writer(Workload shop, TableWorkload tables) {
        void pause() {
            if (shop != null) {
                shop.pause();
            }
            if (tables != null) {
                tables.pause();
            }
        }

        void resume() {
            if (shop != null) {
                shop.resume();
            }
            if (tables != null) {
                tables.resume();
            }
        }

        void retarget(String jdbcUrl, String role, String password) {
            if (shop != null) {
                shop.retarget(new Workload.Target(jdbcUrl, role, password));
            }
            if (tables != null) {
                tables.retarget(new upshift.sample.Workload.Target(jdbcUrl, role, password));
            }
        }

        void close() {
            if (shop != null) {
                shop.close();
            }
            if (tables != null) {
                tables.close();
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
        timeline.add(name, seconds, code, result(run.stdout(), run.stderr()));
        return new StepRun(name, code, run.stdout(), seconds);
    }

    /**
     * What the timeline says a step did: its result, not its last progress line. A step's report goes to stdout
     * and ends with its result (preflight's verdict, cleanup's "nothing is left"); a --json report gives its
     * outcome. Only a step that printed no report falls back to its last line on stderr (an error, usually).
     */
    static String result(String stdout, String stderr) {
        String report = stdout.strip();
        if (report.startsWith("{")) {
            try {
                JsonNode doc = new ObjectMapper().readTree(report);
                JsonNode outcome = doc.get("outcome");
                if (outcome != null && !outcome.isNull()) {
                    JsonNode freeze = doc.get("freezeWindowSeconds");
                    return outcome.asText() + (freeze == null || freeze.isNull() ? ""
                            : String.format(Locale.ROOT, ", freeze window %.2f s", freeze.asDouble()));
                }
            } catch (Exception e) {
                // not a document: fall through to its lines
            }
        }
        // a table row or an indented item is part of the report, not its result line
        List<String> sentences = report.lines().filter(l -> !l.isBlank() && !l.startsWith(" ")
                && !l.contains(" | ") && !l.matches("[-+=]+")).toList();
        return sentences.isEmpty() ? lastLine(stderr) : sentences.get(sentences.size() - 1).strip();
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines.length == 0 ? "" : lines[lines.length - 1].strip();
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
