package upshift.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import upshift.ExitCode;
import upshift.connect.Environment;
import upshift.monitor.Until;
import upshift.runbook.Step;
import upshift.sequences.ScriptStyle;
import upshift.subscription.ForwardSubscription.BinaryMode;
import upshift.switchover.Cutover;
import upshift.switchover.WriteFreeze;

/** The option converters registered once for every script: durations, sizes and kebab-case enums. */
class ConvertersTest {

    @Test
    void durations() {
        assertEquals(Duration.ofMinutes(5), Converters.duration("5m"));
        assertEquals(Duration.ofSeconds(60), Converters.duration("60s"));
        assertEquals(Duration.ofMinutes(90), Converters.duration("1h30m"));
        assertEquals(Duration.ofSeconds(7), Converters.duration("7"));
        assertEquals(Duration.ofMinutes(30), Converters.duration("PT30M"));
        for (String bad : new String[] {"", "soon", "5 minutes", "-5s", "PT-5S"}) {
            Converters.Invalid e = assertThrows(Converters.Invalid.class, () -> Converters.duration(bad), bad);
            assertEquals("duration", e.kind(), bad);
        }
        assertEquals("write e.g. 90s, 30m, 2h or 1h30m (a bare number is seconds)",
                assertThrows(Converters.Invalid.class, () -> Converters.duration("soon")).hint());
        assertEquals("a duration cannot be negative",
                assertThrows(Converters.Invalid.class, () -> Converters.duration("PT-5S")).hint());
    }

    @Test
    void sizes() {
        assertEquals(16L << 20, Converters.size("16MB").bytes());
        assertEquals(512L << 10, Converters.size("512kB").bytes());
        assertEquals(0, Converters.size("0").bytes());
        assertEquals(1234, Converters.size("1234").bytes());
        assertEquals("16.0 MB", Converters.size("16MB").toString());
        for (String bad : new String[] {"", "lots", "16 parsecs", "-1MB"}) {
            Converters.Invalid e = assertThrows(Converters.Invalid.class, () -> Converters.size(bad), bad);
            assertEquals("size", e.kind(), bad);
            assertTrue(e.hint().contains("512kB, 1MB, 2GB"), e.hint());
        }
    }

    @Test
    void enumsInKebabCase() {
        assertEquals(Until.CAUGHT_UP, Converters.choice(Until.class, "caught-up"));
        assertEquals(Until.CAUGHT_UP, Converters.choice(Until.class, " Caught_Up "));
        assertEquals(Until.READY, Converters.choice(Until.class, "ready"));
        assertEquals(ExitCodeLike.CHECK_FAILED, Converters.choice(ExitCodeLike.class, "check-failed"));
        assertEquals(WriteFreeze.Mode.HARD, Converters.choice(WriteFreeze.Mode.class, "HARD"));
        assertEquals(ScriptStyle.ALTER, Converters.choice(ScriptStyle.class, " Alter "));
        assertEquals("check-failed", Converters.kebab(ExitCodeLike.CHECK_FAILED));
        assertEquals("hard, soft, none", Converters.choices(WriteFreeze.Mode.class));

        Converters.Invalid e = assertThrows(Converters.Invalid.class,
                () -> Converters.choice(Cutover.VerifyMode.class, "sha256"));
        assertEquals("value", e.kind());
        assertEquals("one of: none, counts, checksum", e.hint());
        assertThrows(Converters.Invalid.class, () -> Converters.choice(ScriptStyle.class, "restart"));
        assertThrows(Converters.Invalid.class, () -> Converters.choice(Until.class, "caughtup"));
        assertThrows(Converters.Invalid.class, () -> Converters.choice(Until.class, null));
    }

    private enum ExitCodeLike { OK, CHECK_FAILED }

    /** A bad value on the command line: exit 2 before connecting, naming the value, the option and the choices. */
    @Test
    void aBadValueIsAUsageErrorNamingValueOptionAndChoices() {
        assertUsage("Switchover", List.of("--freeze", "hrad"),
                "error: invalid value for --freeze: \"hrad\"", "hint: one of: hard, soft, none");
        assertUsage("Switchover", List.of("--verify=sha256"),
                "error: invalid value for --verify: \"sha256\"", "hint: one of: none, counts, checksum");
        assertUsage("Switchback", List.of("--dry-run", "--on", "both"),
                "error: invalid value for --on: \"both\"", "hint: one of: origin, destination");
        assertUsage("Monitor", List.of("--until", "forever"),
                "error: invalid value for --until: \"forever\"", "hint: one of: ready, caught-up");
        assertUsage("Monitor", List.of("--timeout", "soon"),
                "error: invalid duration for --timeout: \"soon\"",
                "hint: write e.g. 90s, 30m, 2h or 1h30m (a bare number is seconds)");
        assertUsage("Switchover", List.of("--max-lag", "lots"),
                "error: invalid size for --max-lag: \"lots\"", "hint: write a number of bytes, or e.g. 512kB");
        assertUsage("CreateSubscription", List.of("--binary", "sometimes"),
                "error: invalid value for --binary: \"sometimes\"", "hint: one of: auto, on, off");
        assertUsage("SyncSequences", List.of("--style", "restart"),
                "error: invalid value for --style: \"restart\"", "hint: one of: setval, alter");
        assertUsage("VacuumAnalyze", List.of("--tables-from", "nowhere"),
                "error: invalid value for --tables-from: \"nowhere\"", "hint: one of: auto, subscription, publication");
        assertUsage("Verify", List.of("--tables-from", "nowhere"),
                "error: invalid value for --tables-from: \"nowhere\"", "hint: one of: auto, selection, publication");
        // other usage errors keep picocli's message and the pointer to --help
        assertUsage("Monitor", List.of("--no-such-option"), "error: Unknown option: '--no-such-option'",
                "hint: see monitor --help");
    }

    private static void assertUsage(String script, List<String> args, String error, String hint) {
        List<String> all = new ArrayList<>(args);
        // a server that is never reached: the value is refused while parsing
        all.addAll(List.of("--origin", "postgresql://u@127.0.0.1:1/none", "--destination",
                "postgresql://u@127.0.0.1:1/none2"));
        UpshiftCommand.Captured run = UpshiftCommand.capture(UpshiftCommand.newScript(script),
                new Environment(Map.of(), Path.of(System.getProperty("user.home")), "postgres"),
                all.toArray(String[]::new));
        String text = script + " " + args + ":\n" + run.stderr();
        assertEquals(ExitCode.USAGE, run.exitCode(), text);
        assertTrue(run.stderr().contains(error + "\n"), text);
        assertTrue(run.stderr().contains(hint), text);
        assertFalse(run.stderr().contains("Exception"), text);
    }

    /** Help still shows every default as the operator writes it. */
    @Test
    void helpShowsTheDefaults() {
        String switchover = help("Switchover");
        for (String d : List.of("hard: a trigger", "Default: hard.", "Default: 5m.", "Default: checksum.",
                "Default: 60s.")) {
            assertTrue(switchover.replaceAll("\\s+", " ").contains(d), d + " in:\n" + switchover);
        }
        String monitor = help("Monitor").replaceAll("\\s+", " ");
        for (String d : List.of("Default: 5s.", "Default: 1MB.", "Default: 24h.")) {
            assertTrue(monitor.contains(d), d + " in:\n" + monitor);
        }
        assertTrue(help("SyncSequences").replaceAll("\\s+", " ").contains("Default: setval."));
        assertTrue(help("CreateSubscription").replaceAll("\\s+", " ").contains("Default: auto."));
    }

    private static String help(String script) {
        return UpshiftCommand.commandLine(UpshiftCommand.newScript(script)).getUsageMessage();
    }

    /**
     * Every script's options: the defaults convert, every enum option takes each of its constants in kebab case,
     * and no choice is left a String (a paramLabel like a|b on a String option).
     */
    @Test
    void everyScriptsOptionsConvertTheirDefaultsAndEnumsAreKebabCase() {
        List<String> problems = new ArrayList<>();
        int enums = 0;
        for (Step step : Step.all()) {
            CommandLine cli = UpshiftCommand.commandLine(UpshiftCommand.newScript(step.scriptClass()));
            cli.parseArgs();   // converts every default
            for (OptionSpec option : cli.getCommandSpec().options()) {
                Class<?> type = option.auxiliaryTypes()[0];
                if (type.isEnum()) {
                    enums++;
                    for (Object constant : type.getEnumConstants()) {
                        String value = Converters.kebab((Enum<?>) constant);
                        CommandLine fresh = UpshiftCommand.commandLine(UpshiftCommand.newScript(step.scriptClass()));
                        fresh.parseArgs(option.longestName(), value);
                        Object parsed = fresh.getCommandSpec().findOption(option.longestName()).getValue();
                        if (parsed != constant) {
                            problems.add(step.alias() + " " + option.longestName() + " " + value + " -> " + parsed);
                        }
                    }
                } else if (type == String.class && option.paramLabel().contains("|")) {
                    problems.add(step.alias() + " " + option.longestName() + " " + option.paramLabel()
                            + " is a choice parsed as a String: make it an enum");
                }
            }
        }
        assertTrue(enums >= 10, "enum options found: " + enums);
        assertEquals(List.of(), problems);
    }

    @Test
    void aBinaryModeOptionIsTyped() {
        CommandLine cli = UpshiftCommand.commandLine(UpshiftCommand.newScript("CreateSubscription"));
        cli.parseArgs("--binary", "off");
        assertEquals(BinaryMode.OFF, cli.getCommandSpec().findOption("--binary").getValue());
    }
}
