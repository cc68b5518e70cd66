package upshift.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import picocli.CommandLine.Model.OptionSpec;
import upshift.ExitCode;
import upshift.connect.Environment;
import upshift.runbook.Step;

/**
 * Every step's --help, run in this JVM as an operator runs it: it lists the options that step uses and no other,
 * its labels say one thing per kind of value, and its examples name the step as it was invoked.
 */
class HelpTest {

    /** The options the mixins of {@link CommonOptions} bring; each step lists exactly the ones it uses. */
    static final Set<String> SHARED = Set.of("--origin", "--destination", "--connect-timeout", "--origin-conninfo",
            "--destination-conninfo", "--json", "--dry-run", "--on", "--yes");

    private static final String O = "--origin";
    private static final String D = "--destination";
    private static final String T = "--connect-timeout";
    private static final String J = "--json";
    private static final String DRY = "--dry-run";
    private static final String ON = "--on";
    private static final String YES = "--yes";
    private static final String OC = "--origin-conninfo";
    private static final String DC = "--destination-conninfo";

    static final Map<Step, Set<String>> EXPECTED = new LinkedHashMap<>();

    static {
        EXPECTED.put(Step.REHEARSE, Set.of(J));
        EXPECTED.put(Step.STATUS, Set.of(O, D, T, J));
        EXPECTED.put(Step.PREFLIGHT, Set.of(O, D, T, DC, J));
        EXPECTED.put(Step.DUMP_SCHEMA, Set.of(T, J, DRY));
        EXPECTED.put(Step.RESTORE_SCHEMA, Set.of(D, T, J, DRY));
        EXPECTED.put(Step.ADD_MISSING_COLUMNS, Set.of(O, D, T, J, DRY));
        EXPECTED.put(Step.CREATE_PUBLICATION, Set.of(O, T, J, DRY));
        EXPECTED.put(Step.CREATE_SUBSCRIPTION, Set.of(O, D, T, OC, J, DRY, ON));
        EXPECTED.put(Step.ENABLE_SUBSCRIPTION, Set.of(O, D, T, J, DRY));
        EXPECTED.put(Step.MONITOR, Set.of(O, D, T, J));
        EXPECTED.put(Step.VACUUM_ANALYZE, Set.of(O, D, T, J, DRY));
        EXPECTED.put(Step.SWITCHOVER, Set.of(O, D, T, DC, J, DRY, ON, YES));
        EXPECTED.put(Step.SYNC_SEQUENCES, Set.of(O, D, T, J, DRY));
        EXPECTED.put(Step.SETUP_ROLLBACK, Set.of(O, D, T, DC, J, DRY, ON));
        EXPECTED.put(Step.SWITCHBACK, Set.of(O, D, T, OC, J, DRY, ON, YES));
        EXPECTED.put(Step.VERIFY, Set.of(O, D, T, J));
        EXPECTED.put(Step.CLEANUP, Set.of(O, D, T, J, DRY, ON, YES));
        EXPECTED.put(Step.DROP_ADDED_COLUMNS, Set.of(O, D, T, J, DRY, YES));
        EXPECTED.put(Step.CONSOLE, Set.of(O, D, T, OC, DC, DRY));
    }

    /** The labels of the kinds of values; an enum's label is its choices, a|b|c. */
    static final Set<String> LABELS = Set.of("URL", "CONNINFO", "SIZE", "DURATION", "PATTERN", "N", "NAME", "ROLE",
            "FILE", "DIR", "MAJOR", "SCHEMA", "TABLE", "TABLE.COLUMN", "TABLE.COLUMN=SQL", "TABLE.COLUMN=KIND", "PHASE", "ROWS",
            "COMMAND");

    private static final Pattern LISTED = Pattern.compile("(?m)^ {2,}(?:-\\w, )?(--[a-z][a-z-]*)");

    static Environment env(Map<String, String> variables) {
        return new Environment(variables, Path.of(System.getProperty("user.home")), "postgres");
    }

    static UpshiftCommand.Captured help(Step step, Environment env) {
        UpshiftCommand.Captured run = UpshiftCommand.capture(UpshiftCommand.newScript(step.scriptClass()), env,
                "--help");
        assertEquals(ExitCode.OK, run.exitCode(), step.alias() + " --help:\n" + run.stderr());
        return run;
    }

    @Test
    void everyStepIsCovered() {
        assertEquals(Set.of(Step.values()), EXPECTED.keySet(), "a new step needs its line in EXPECTED");
    }

    @Test
    void eachStepListsOnlyTheSharedOptionsItUses() {
        List<String> wrong = new ArrayList<>();
        for (Step step : Step.values()) {
            String help = help(step, env(Map.of())).stdout();
            Set<String> listed = new TreeSet<>();
            Matcher m = LISTED.matcher(help);
            while (m.find()) {
                if (SHARED.contains(m.group(1))) {
                    listed.add(m.group(1));
                }
            }
            Set<String> declared = new TreeSet<>();
            UpshiftCommand.commandLine(UpshiftCommand.newScript(step.scriptClass())).getCommandSpec().options()
                    .forEach(o -> Arrays.stream(o.names()).filter(SHARED::contains).forEach(declared::add));
            Set<String> expected = new TreeSet<>(EXPECTED.get(step));
            if (!listed.equals(expected) || !declared.equals(expected)) {
                wrong.add(step.alias() + ": --help lists " + listed + ", the command has " + declared
                        + ", expected " + expected);
            }
            assertTrue(help.contains("--name=NAME"), step.alias() + ":\n" + help);
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void oneLabelPerKindOfValue() {
        List<String> wrong = new ArrayList<>();
        for (Step step : Step.values()) {
            var spec = UpshiftCommand.commandLine(UpshiftCommand.newScript(step.scriptClass())).getCommandSpec();
            for (OptionSpec o : spec.options()) {
                if (o.arity().max() == 0 || o.usageHelp() || o.versionHelp()) {
                    continue;
                }
                String label = o.paramLabel();
                String name = o.longestName();
                Class<?> type = o.auxiliaryTypes()[0];
                String problem = null;
                if (type.isEnum()) {
                    Set<String> choices = new TreeSet<>();
                    for (Object constant : type.getEnumConstants()) {
                        choices.add(Converters.kebab((Enum<?>) constant));
                    }
                    if (!new TreeSet<>(Arrays.asList(label.split("\\|"))).equals(choices)) {
                        problem = "an enum's label is its choices " + choices;
                    }
                } else if (type == Duration.class && !label.equals("DURATION")) {
                    problem = "a duration is DURATION";
                } else if (type == ByteSize.class && !label.equals("SIZE")) {
                    problem = "a size is SIZE";
                } else if (Set.of("--origin", "--destination", "--reference").contains(name) && !label.equals("URL")) {
                    problem = "a server is URL";
                } else if (String.join(" ", o.description()).contains("LIKE pattern") && !label.equals("PATTERN")) {
                    problem = "a LIKE pattern is PATTERN";
                } else if (!LABELS.contains(label)) {
                    problem = "not one of " + new TreeSet<>(LABELS);
                }
                if (problem != null) {
                    wrong.add(step.alias() + " " + name + "=" + label + ": " + problem);
                }
            }
            String help = help(step, env(Map.of())).stdout();
            Matcher lower = Pattern.compile("[= ]<[a-z][^>]*>").matcher(help);
            if (lower.find()) {
                wrong.add(step.alias() + ": picocli's default label " + lower.group().strip());
            }
            if (help.contains("BYTES") || help.contains("SECONDS")) {
                wrong.add(step.alias() + ": BYTES or SECONDS (SIZE, DURATION)");
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void examplesNameTheStepAsItWasInvoked() {
        String previous = System.getProperty(Invocation.CATALOG_PROPERTY);
        try {
            System.setProperty(Invocation.CATALOG_PROPERTY, "upshift");
            for (Step step : Step.values()) {
                String catalog = help(step, env(Map.of())).stdout();
                assertFalse(catalog.contains("./jbang "), step.alias() + " from the catalog:\n" + catalog);
                assertTrue(catalog.contains("  jbang " + step.alias() + "@upshift"), step.alias() + ":\n" + catalog);

                // ./jbang exports UPSHIFT_LAUNCHER, and wins: it may run the catalog's alias itself
                String checkout = help(step, env(Map.of(Invocation.LAUNCHER_VARIABLE, "./jbang"))).stdout();
                assertTrue(checkout.contains("  ./jbang " + step.alias()), step.alias() + ":\n" + checkout);
                assertFalse(checkout.contains("@upshift"), step.alias() + ":\n" + checkout);
            }
            // a command continued over lines keeps its options aligned under the moved first line
            String help = help(Step.ADD_MISSING_COLUMNS, env(Map.of())).stdout();
            List<String> lines = help.lines().toList();
            int i = lines.indexOf(lines.stream().filter(l -> l.contains("@upshift --origin")).findFirst()
                    .orElseThrow());
            assertEquals(lines.get(i).indexOf("--origin"), lines.get(i + 1).indexOf("--destination"), help);
        } finally {
            if (previous == null) {
                System.clearProperty(Invocation.CATALOG_PROPERTY);
            } else {
                System.setProperty(Invocation.CATALOG_PROPERTY, previous);
            }
        }
        String plain = help(Step.CLEANUP, env(Map.of())).stdout();
        assertTrue(plain.contains("  ./jbang cleanup --forward --dry-run"), plain);
    }
}
