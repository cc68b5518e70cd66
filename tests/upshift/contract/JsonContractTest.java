package upshift.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import upshift.ExitCode;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.report.Output;
import upshift.runbook.Step;
import upshift.sample.SampleApp;
import upshift.testing.Run;

/**
 * The versioned JSON contract (issue 13): every step's {@code --json} document conforms to its schema in schemas/,
 * on real servers, through the whole runbook; every schema is a valid draft 2020-12 schema whose examples conform;
 * and runbook.md shows each step's JSON exactly as its schema's example.
 *
 * <p>Changing a step's JSON: change its schema (and raise {@link Output#CONTRACT_VERSION} when a reader would break),
 * take a new example from {@code -Dupshift.json.dump=target/json} (the documents of the real run), then rewrite
 * runbook.md's section with {@code -Dupshift.runbook.json=write}.
 */
class JsonContractTest {

    /** The steps with a JSON document: every alias but console (which refuses --json: one step prints it inside). */
    static Set<String> stepsWithJson() {
        Set<String> steps = new TreeSet<>();
        for (Step s : Step.all()) {
            if (s != Step.CONSOLE) {
                steps.add(s.alias());
            }
        }
        return steps;
    }

    @Test
    void oneValidSchemaPerStep() throws Exception {
        JsonContract contract = new JsonContract();
        assertEquals(stepsWithJson(), contract.steps(), "schemas/STEP.schema.json for every step with --json");
        List<String> meta = contract.metaProblems();
        assertTrue(meta.isEmpty(), String.join("\n", meta));
    }

    @Test
    void everyExampleConformsToItsSchema() throws Exception {
        JsonContract contract = new JsonContract();
        List<String> problems = new ArrayList<>();
        for (String step : contract.steps()) {
            JsonNode examples = JsonContract.schemaDocument(step).get("examples");
            if (examples == null || examples.isEmpty()) {
                problems.add(step + ": no examples");
                continue;
            }
            for (JsonNode example : examples) {
                assertEquals(step, example.path("step").asText(), step + "'s example names another step");
                assertEquals(Output.CONTRACT_VERSION, example.path("version").asInt(), step + "'s example version");
                contract.problems(step, example).forEach(p -> problems.add(step + " example " + p));
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /** The contract can fail: the shapes issue 13 found are each rejected. */
    @Test
    void theOldInconsistenciesAreRejected() throws Exception {
        JsonContract contract = new JsonContract();
        ObjectNode monitor = (ObjectNode) JsonContract.schemaDocument("monitor").get("examples").get(0).deepCopy();
        ((ObjectNode) monitor.get("tables").get(0)).put("table", "public.events");
        assertFalse(contract.problems("monitor", monitor).isEmpty(), "a table as \"schema.name\" text");

        ObjectNode sequences = (ObjectNode) JsonContract.schemaDocument("sync-sequences").get("examples").get(0)
                .deepCopy();
        ((ObjectNode) sequences.get("counts")).put("missing-on-destination", 1);
        assertTrue(contract.problems("sync-sequences", sequences).stream().anyMatch(p -> p.contains("camelCase")),
                "a kebab-case key");

        ObjectNode duplicate = (ObjectNode) JsonContract.schemaDocument("monitor").get("examples").get(0).deepCopy();
        ((ObjectNode) duplicate.get("slot")).put("name", "upshift_slot");
        assertFalse(contract.problems("monitor", duplicate).isEmpty(), "the slot named twice");

        ObjectNode verify = (ObjectNode) JsonContract.schemaDocument("verify").get("examples").get(0).deepCopy();
        ((ObjectNode) verify.get("tables").get(0)).put("status", "EQUAL");
        assertFalse(contract.problems("verify", verify).isEmpty(), "an enum value in upper case");
        verify.remove("migration");
        assertFalse(contract.problems("verify", verify).isEmpty(), "no migration");

        ObjectNode subscription = (ObjectNode) JsonContract.schemaDocument("create-subscription").get("examples")
                .get(0).deepCopy();
        subscription.put("createOptions", "WITH (copy_data = true)");
        assertFalse(contract.problems("create-subscription", subscription).isEmpty(), "options as SQL text");
    }

    // ---- runbook.md ----------------------------------------------------------------------------------------

    static final String BEGIN = "<!-- json-contract: generated from schemas/*.schema.json examples; -Dupshift.runbook.json=write -->";
    static final String END = "<!-- json-contract: end -->";

    /**
     * runbook.md's "JSON output" section is exactly what the schemas' examples give (write it with
     * {@code mvn -o test -Dtest=JsonContractTest -Dupshift.runbook.json=write}).
     */
    @Test
    void runbookShowsEachStepsJsonFromTheSchemaExamples() throws Exception {
        Path runbook = Run.checkout().resolve("runbook.md");
        String text = Files.readString(runbook);
        String expected = runbookSection();
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        if (Boolean.parseBoolean(System.getProperty("upshift.runbook.json", "false").replace("write", "true"))) {
            String updated = begin < 0 ? text.stripTrailing() + "\n\n" + expected + "\n"
                    : text.substring(0, begin) + expected + text.substring(end + END.length());
            Files.writeString(runbook, updated);
            text = updated;
            begin = text.indexOf(BEGIN);
            end = text.indexOf(END);
        }
        assertTrue(begin >= 0 && end > begin, "runbook.md has no JSON section between " + BEGIN + " and " + END);
        assertEquals(expected, text.substring(begin, end + END.length()),
                "runbook.md's JSON section differs from the schemas' examples: run this test with"
                        + " -Dupshift.runbook.json=write");
        // and each block is the example (parsed, not only as text)
        for (String step : new JsonContract().steps()) {
            String marker = "<!-- schemas/" + step + ".schema.json -->";
            int at = text.indexOf(marker, begin);
            assertTrue(at > 0, "runbook.md shows no JSON for " + step);
            int open = text.indexOf("```json\n", at) + "```json\n".length();
            JsonNode shown = JsonContract.JSON.readTree(text.substring(open, text.indexOf("```", open)));
            assertEquals(JsonContract.schemaDocument(step).get("examples").get(0), shown, step);
        }
    }

    static String runbookSection() throws Exception {
        DefaultPrettyPrinter pretty = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance()
                        .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
                .withObjectIndenter(new DefaultIndenter("  ", "\n"));
        pretty.indentArraysWith(new DefaultIndenter("  ", "\n"));
        StringBuilder md = new StringBuilder(BEGIN).append("\n");
        md.append("## JSON output (`--json`)\n\n");
        md.append("With `--json` every step but console prints one JSON document on stdout (human text goes to"
                + " stderr): the contract is versioned and documented in `schemas/` as one JSON Schema per step"
                + " (draft 2020-12), the shared parts in `schemas/common.schema.json`. Every document starts with"
                + " `version` (" + Output.CONTRACT_VERSION + "), `step` and `migration`; keys are camelCase; enum"
                + " values are lower-case kebab-case; a table or sequence is `{schema, name}`; sizes are integers"
                + " in bytes (`...Bytes`), durations numbers in seconds (`...Seconds`, `seconds`). `monitor --watch"
                + " --json` prints one such document per line. The examples below are the schemas' own examples,"
                + " taken from a real run (lists cut to three entries); a test validates them, and every step's"
                + " real output, against the schemas.\n");
        Set<String> schemas = new JsonContract().steps();
        for (String step : Step.all().stream().map(Step::alias).filter(schemas::contains).toList()) {
            JsonNode example = JsonContract.schemaDocument(step).get("examples").get(0);
            md.append("\n### ").append(step).append("\n\n");
            md.append("<!-- schemas/").append(step).append(".schema.json -->\n");
            md.append("`./jbang ").append(step).append(" --json` ([schema](schemas/").append(step)
                    .append(".schema.json)):\n\n");
            md.append("```json\n").append(JsonContract.JSON.writer(pretty).writeValueAsString(example))
                    .append("\n```\n");
        }
        return md.append(END).toString();
    }

    // ---- real runs ------------------------------------------------------------------------------------------

    @TempDir
    Path work;

    /**
     * The runbook on the sample shop, every step with --json, 13 -> 16: each document conforms to its step's schema.
     * Rehearse has a test of its own (it starts its own servers).
     */
    @ParameterizedTest(name = "every step's --json conforms to its schema on real servers 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void everyStepsOutputConforms(PgProvider provider) throws Exception {
        JsonContract contract = new JsonContract();
        Map<String, List<String>> problems = new LinkedHashMap<>();
        Set<String> validated = new TreeSet<>();
        ShopFixture f = ShopFixture.create(provider, "json_contract", 10);
        try (Connection o = f.origin(); Connection d = f.destination()) {
            SampleApp.grantApplication(o, "shop-app-secret");
            SampleApp.grantApplication(d, "shop-app-secret");
        }
        PgServer v13 = Providers.shared(provider, 13);
        v13.createDatabase("json_contract_ref");
        try (Connection c = DriverManager.getConnection(v13.jdbcUrl("json_contract_ref"), v13.superuser(),
                v13.password())) {
            SampleApp.createNewModel(c);
        }
        PgServer v16 = Providers.shared(provider, 16);
        v16.createDatabase("json_contract_restore");
        Path dir = work.resolve("schema");

        Runs steps = new Runs(contract, problems, validated);
        steps.check("dump-schema", ExitCode.OK, Run.script("DumpSchema",
                Map.of("PGURL_REFERENCE", v13.uri("json_contract_ref")), "--dir", dir.toString(), "--json"));
        steps.check("restore-schema", ExitCode.OK, Run.script("RestoreSchema",
                Map.of("PGURL_DESTINATION", v16.uri("json_contract_restore")), "--dir", dir.toString(), "--json"));
        steps.check("status", ExitCode.OK, f.run("Status", "--json"));
        steps.check("preflight", ExitCode.CHECK_FAILED, f.run("Preflight", "--json")); // the shop needs --default
        List<String> columns = new ArrayList<>(ShopFixture.missingColumnDefaults());
        columns.add("--json");
        steps.check("add-missing-columns", ExitCode.OK, f.run("AddMissingColumns", columns.toArray(String[]::new)));
        steps.check("drop-added-columns", ExitCode.OK, f.run("DropAddedColumns", "--dry-run", "--json"));
        steps.check("create-publication", ExitCode.OK, f.run("CreatePublication", "--dry-run", "--json"));
        steps.check("create-publication", ExitCode.OK, f.run("CreatePublication", "--json"));
        steps.check("create-subscription", ExitCode.OK, f.run("CreateSubscription", "--dry-run", "--json",
                "--origin-conninfo", f.originConninfo()));
        steps.check("create-subscription", ExitCode.OK, f.run("CreateSubscription", "--json", "--origin-conninfo",
                f.originConninfo()));
        steps.check("enable-subscription", ExitCode.OK, f.run("EnableSubscription", "--json"));
        steps.check("monitor", ANY_RESULT, f.run("Monitor", "--json")); // copying
        f.waitUntilCopied();
        steps.check("monitor", ANY_RESULT, f.run("Monitor", "--json"));
        steps.check("monitor", ANY_RESULT, f.run("Monitor", "--rollback", "--json")); // nothing there yet
        steps.check("vacuum-analyze", ExitCode.OK, f.run("VacuumAnalyze", "--dry-run", "--json"));
        steps.check("vacuum-analyze", ExitCode.OK, f.run("VacuumAnalyze", "--json"));
        steps.check("cleanup", ExitCode.OK, f.run("Cleanup", "--forward", "--dry-run", "--json"));
        steps.check("sync-sequences", ExitCode.OK, f.run("SyncSequences", "--dry-run", "--json"));
        steps.check("sync-sequences", ExitCode.CHECK_FAILED, f.run("SyncSequences", "--check", "--json"));
        steps.check("sync-sequences", ExitCode.OK, f.run("SyncSequences", "--json"));
        steps.check("verify", ExitCode.OK, f.run("Verify", "--checksum", "--json"));
        steps.check("switchover", ExitCode.OK, f.run("Switchover", "--dry-run", "--json", "--app-role",
                SampleApp.APP_ROLE, "--destination-conninfo", f.destinationConninfo()));
        steps.check("switchover", ExitCode.OK, f.run("Switchover", "--yes", "--json", "--app-role",
                SampleApp.APP_ROLE, "--destination-conninfo", f.destinationConninfo()));
        steps.check("status", ExitCode.OK, f.run("Status", "--json"));
        steps.check("setup-rollback", ExitCode.OK, f.run("SetupRollback", "--json", "--destination-conninfo",
                f.destinationConninfo()));
        steps.check("verify", ExitCode.OK, f.run("Verify", "--json"));
        steps.check("switchback", ExitCode.OK, f.run("Switchback", "--yes", "--json"));
        steps.check("cleanup", ExitCode.OK, f.run("Cleanup", "--rollback", "--yes", "--json"));
        steps.check("drop-added-columns", ExitCode.OK, f.run("DropAddedColumns", "--yes", "--json"));
        steps.check("cleanup", ExitCode.OK, f.run("Cleanup", "--forward", "--yes", "--json"));
        steps.check("status", ExitCode.OK, f.run("Status", "--json"));

        assertTrue(problems.isEmpty(), problems.entrySet().stream()
                .map(e -> e.getKey() + ":\n  " + String.join("\n  ", e.getValue())).reduce("", (a, b) -> a + b + "\n"));
        Set<String> all = new TreeSet<>(contract.steps());
        all.remove("rehearse");
        assertEquals(all, validated, "every step with a schema ran");
    }

    @Test
    void rehearseOutputConforms() throws Exception {
        JsonContract contract = new JsonContract();
        Map<String, List<String>> problems = new LinkedHashMap<>();
        new Runs(contract, problems, new TreeSet<>()).check("rehearse", ExitCode.OK,
                Run.script("Rehearse", "--rows", "500", "--rate", "20", "--json"));
        assertTrue(problems.isEmpty(), problems.toString());
    }

    /** An exit code that says the step ran and reported (0, or 3: a check found a problem). */
    static final int ANY_RESULT = -1;

    /** Numbers the runs, for the messages and the dumped documents. */
    private static final java.util.concurrent.atomic.AtomicInteger RUNS = new java.util.concurrent.atomic.AtomicInteger();

    /** Runs of the steps, each checked against its schema. */
    private record Runs(JsonContract contract, Map<String, List<String>> problems, Set<String> validated) {

        void check(String step, int exitCode, Run run) {
            int number = RUNS.incrementAndGet();
            if (exitCode == ANY_RESULT) {
                assertTrue(run.exitCode() == ExitCode.OK || run.exitCode() == ExitCode.CHECK_FAILED,
                        step + " exit code " + run.exitCode() + "; stderr:\n" + run.stderr());
            } else {
                assertEquals(exitCode, run.exitCode(), step + " exit code; stderr:\n" + run.stderr());
            }
            String dump = System.getProperty("upshift.json.dump"); // a folder: keep each document (new examples)
            if (dump != null) {
                try {
                    Files.createDirectories(Path.of(dump));
                    Files.writeString(Path.of(dump, String.format("%02d-%s.json", number, step)),
                            run.stdout());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            List<String> found = contract.problems(step, run.stdout());
            if (!found.isEmpty()) {
                problems.computeIfAbsent(step + " (run " + number + ")",
                        k -> new ArrayList<>()).addAll(found);
            }
            validated.add(step);
        }
    }
}
