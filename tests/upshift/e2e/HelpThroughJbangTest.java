package upshift.e2e;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

import upshift.ExitCode;
import upshift.testing.Run;

/**
 * Every alias of jbang-catalog.json answers {@code ./jbang ALIAS --help} through the real launcher: proves the
 * catalog entry, the script's //DEPS and //SOURCES headers (the launcher builds the step from exactly those, not
 * from Maven's view of the sources; LauncherBuildTest proves a step still builds under JBang itself) and its usage
 * text with an Examples footer.
 */
class HelpThroughJbangTest {

    /** A first run compiles each script once: allow for a cold machine. */
    private static final long FIRST_RUN_SECONDS = 600;

    @Test
    void everyAliasPrintsItsHelp() throws Exception {
        JsonNode aliases = new ObjectMapper().readTree(Run.checkout().resolve("jbang-catalog.json").toFile())
                .get("aliases");
        List<String> names = new ArrayList<>();
        aliases.fieldNames().forEachRemaining(names::add);
        assertFalse(names.isEmpty(), "jbang-catalog.json has aliases");

        List<String> failures = new ArrayList<>();
        for (String alias : names) {
            long t = System.nanoTime();
            Run help = Run.jbang(Map.of(), FIRST_RUN_SECONDS, alias, "--help");
            System.out.printf(Locale.ROOT, "[e2e] ./jbang %s --help: exit %d in %.1f s%n", alias, help.exitCode(),
                    (System.nanoTime() - t) / 1e9);
            String stderr = RunbookEndToEndTest.ours(help.stderr());
            List<String> problems = new ArrayList<>();
            if (help.exitCode() != ExitCode.OK) {
                problems.add("exit " + help.exitCode());
            }
            if (!help.stdout().contains("Usage: " + alias)) {
                problems.add("no 'Usage: " + alias + "'");
            }
            if (!help.stdout().contains("  ./jbang " + alias)) {
                problems.add("no example written as ./jbang " + alias);
            }
            if (!help.stdout().contains("Example")) {
                problems.add("no Examples footer");
            }
            if (!stderr.isBlank()) {
                problems.add("unexpected stderr");
            }
            if (!problems.isEmpty()) {
                failures.add("./jbang " + alias + " --help: " + String.join(", ", problems) + "\nstdout:\n"
                        + help.stdout() + "\nstderr:\n" + stderr);
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + names.size() + " aliases:\n"
                + String.join("\n", failures));
    }
}
