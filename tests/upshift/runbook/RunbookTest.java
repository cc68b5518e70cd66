package upshift.runbook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import picocli.CommandLine;
import upshift.ExitCode;
import upshift.cli.UpshiftCommand;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.runbook.Step;
import upshift.testing.Run;

/**
 * runbook.md cannot rot: every command in it is a real alias with options its script accepts, and every SQL block
 * that says which --dry-run prints it is exactly that output, on the sample shop.
 */
class RunbookTest {

    private static RunbookDocument runbook() throws Exception {
        return RunbookDocument.read(Run.checkout().resolve("runbook.md"));
    }

    @Test
    void everyCommandIsARealAliasWithValidOptions() throws Exception {
        RunbookDocument doc = runbook();
        assertTrue(doc.commands().size() >= 20, "runbook.md shows the commands: found " + doc.commands().size());
        Set<String> used = new TreeSet<>();
        for (RunbookDocument.Command c : doc.commands()) {
            Step step = Step.byAlias(c.alias()).orElse(null);
            assertNotNull(step, "runbook.md:" + c.line() + " uses unknown alias '" + c.alias() + "': " + c.text());
            try {
                UpshiftCommand.commandLine(UpshiftCommand.newScript(step.scriptClass()))
                        .parseArgs(c.args().toArray(String[]::new));
            } catch (CommandLine.ParameterException e) {
                fail("runbook.md:" + c.line() + ": " + e.getMessage() + " in: " + c.text());
            }
            used.add(c.alias());
        }
        Set<String> all = new TreeSet<>();
        Step.all().forEach(s -> all.add(s.alias()));
        assertEquals(all, used, "every step of upshift.runbook.Step appears in runbook.md");
    }

    /**
     * Each step is documented in the runbook.md section the registry names ({@link Step#section()}: its first
     * command is there), and the sections follow the registry's (runbook) order.
     */
    @Test
    void everyStepIsDocumentedInItsSectionInRunbookOrder() throws Exception {
        RunbookDocument doc = runbook();
        List<String> problems = new ArrayList<>();
        for (Step step : Step.all()) {
            RunbookDocument.Command first = doc.commands().stream().filter(c -> c.alias().equals(step.alias()))
                    .findFirst().orElse(null);
            if (first == null) {
                problems.add(step.alias() + ": no ./jbang " + step.alias() + " in runbook.md");
            } else if (!doc.sectionAt(first.line()).equals(step.section())) {
                problems.add(step.alias() + ": first shown at runbook.md:" + first.line() + " in section \""
                        + doc.sectionAt(first.line()) + "\", the registry says \"" + step.section() + "\"");
            }
        }
        List<String> registryOrder = new ArrayList<>();
        for (Step step : Step.all()) {
            if (!step.section().equals(Step.INTRODUCTION) && !registryOrder.contains(step.section())) {
                registryOrder.add(step.section());
            }
        }
        List<String> documentOrder = doc.sections().stream().map(RunbookDocument.Section::number)
                .filter(registryOrder::contains).toList();
        assertTrue(doc.sections().size() >= 12, "numbered sections in runbook.md: " + doc.sections());
        assertEquals(registryOrder, documentOrder, "runbook.md's sections in the order of upshift.runbook.Step");
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @ParameterizedTest(name = "runbook.md SQL blocks are the steps' --dry-run output [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void sqlBlocksAreTheDryRunOutput(PgProvider provider) throws Exception {
        RunbookDocument doc = runbook();
        assertTrue(doc.dryRunBlocks().size() >= 5, "dry-run blocks in runbook.md: " + doc.dryRunBlocks().size());
        ShopFixture f = ShopFixture.create(provider, "runbook_sql", 20);
        List<String> mismatches = new ArrayList<>();
        for (RunbookDocument.DryRunBlock block : doc.dryRunBlocks()) {
            RunbookDocument.Command c = block.command();
            String scriptClass = scriptClass(c.alias());
            List<String> args = new ArrayList<>(c.args());
            args.addAll(List.of("--name", "upshift"));
            Run dry = f.run(scriptClass, args.toArray(String[]::new));
            assertEquals(ExitCode.OK, dry.exitCode(), c.text() + ": " + dry.stderr());
            String expected = normalize(block.sql());
            String actual = normalize(dry.stdout());
            if (Boolean.getBoolean("upshift.runbook.print")) {
                System.out.println("-- " + c.text() + "\n" + actual + "\n");
            }
            if (!expected.equals(actual)) {
                mismatches.add("runbook.md:" + block.line() + " (" + c.text() + ")\n--- runbook.md:\n" + expected
                        + "\n--- --dry-run prints:\n" + actual);
            }
            advance(f, c);
        }
        assertTrue(mismatches.isEmpty(), String.join("\n\n", mismatches));
    }

    /** Steps whose real run moves the sample shop along the runbook (the others only look). */
    private static final Set<String> CHANGING = Set.of("add-missing-columns", "create-publication",
            "create-subscription", "enable-subscription", "cleanup", "drop-added-columns");

    /** Steps that ask before changing anything. */
    private static final Set<String> CONFIRMING = Set.of("cleanup", "drop-added-columns");

    /** Runs the step for real, so that the next block's --dry-run sees the state the runbook has reached. */
    private static void advance(ShopFixture f, RunbookDocument.Command c) {
        if (!CHANGING.contains(c.alias())) {
            return;
        }
        List<String> args = new ArrayList<>(c.args());
        args.remove("--dry-run");
        args.addAll(List.of("--name", "upshift"));
        if (CONFIRMING.contains(c.alias())) {
            args.add("--yes");
        }
        if (c.alias().equals("create-subscription")) {
            args.addAll(List.of("--origin-conninfo", f.originConninfo()));
        }
        Run run = f.run(scriptClass(c.alias()), args.toArray(String[]::new));
        assertEquals(ExitCode.OK, run.exitCode(), c.text() + " (for real): " + run.stderr());
        if (c.alias().equals("enable-subscription")) {
            f.waitUntilCopied();
        }
    }

    private static String scriptClass(String alias) {
        return Step.byAlias(alias).orElseThrow(() -> new AssertionError("no step " + alias)).scriptClass();
    }

    /** Server addresses differ per run: "-- on origin: URL" lines and conninfo literals are compared by shape. */
    static String normalize(String sql) {
        return sql.strip().lines()
                .map(l -> l.replaceAll("^-- on (origin|destination): .*$", "-- on $1")
                        .replaceAll("^(-- psql script for (origin|destination)) \\([^)]*\\):", "$1:")
                        .replaceAll("^(-- =+ (origin|destination)) \\([^)]*\\):", "$1:")
                        // each script's check of its server: the database and the exact version differ per run
                        .replaceAll("current_database\\(\\) <> '[^']*'", "current_database() <> '<database>'")
                        .replaceAll("::int <> \\d+ AS upshift_wrong_server",
                                "::int <> <version> AS upshift_wrong_server")
                        .replaceAll("\\(database [^,]*, PostgreSQL [^)]*\\)", "(<database>, <version>)")
                        .replaceAll("'host=[^']*password='", "'<conninfo> password='")
                        .replaceAll("'host=[^']*'", "'<conninfo>'")
                        .stripTrailing())
                .reduce((a, b) -> a + "\n" + b).orElse("");
    }

    @Test
    void normalizationKeepsWhatMatters() {
        assertEquals("-- on destination\nCREATE SUBSCRIPTION x CONNECTION '<conninfo>'",
                normalize("-- on destination: postgresql://u:********@127.0.0.1:5/db\n"
                        + "CREATE SUBSCRIPTION x CONNECTION 'host=1.2.3.4 port=5 dbname=d'"));
        assertFalse(normalize("SELECT 1").isEmpty());
    }
}
