package upshift.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.testing.Run;

/** The scripts as an operator runs them: through ./jbang and the catalog alias, in a subprocess. */
class LauncherTest {

    /** A first run compiles the script and may resolve JBang and the //DEPS: allow for a cold machine. */
    private static final long FIRST_RUN_SECONDS = 600;

    @Test
    void helpRunsThroughTheCatalogAlias() {
        Run help = Run.jbang(Map.of(), FIRST_RUN_SECONDS, "status", "--help");
        assertEquals(ExitCode.OK, help.exitCode(), help.stderr());
        assertTrue(help.stdout().contains("Usage: status"), help.stdout());
        assertTrue(help.stdout().contains("--origin=URL"), help.stdout());
        assertTrue(help.stdout().contains("Exit codes:"), help.stdout());
    }

    @Test
    void usageErrorsExitTwo() {
        Run run = Run.jbang(Map.of(), FIRST_RUN_SECONDS, "status", "--no-such-option");
        assertEquals(ExitCode.USAGE, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("Unknown option: '--no-such-option'"), run.stderr());
    }

    @ParameterizedTest(name = "./jbang status 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void statusFromTheEnvironmentPrintsJson(PgProvider provider) throws Exception {
        PgServer origin = Providers.shared(provider, 13);
        PgServer destination = Providers.shared(provider, 16);
        Run run = Run.jbang(Map.of("PGURL_ORIGIN", origin.uri("postgres"),
                "PGURL_DESTINATION", destination.uri("postgres")), FIRST_RUN_SECONDS, "status", "--json");
        assertEquals(ExitCode.OK, run.exitCode(), run.stderr());
        JsonNode report = new ObjectMapper().readTree(run.stdout());
        assertEquals(13, report.at("/origin/major").asInt());
        assertEquals(16, report.at("/destination/major").asInt());
        assertFalse(run.stdout().contains(origin.password()));
        assertFalse(run.stderr().contains(origin.password()));
    }

    @ParameterizedTest(name = "./jbang status with a wrong password [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void wrongPasswordIsOneLineWithoutTheSecretOrAStackTrace(PgProvider provider) {
        PgServer origin = Providers.shared(provider, 13);
        String wrong = "wrong-" + origin.password();
        Run run = Run.jbang(Map.of(), FIRST_RUN_SECONDS, "status", "--origin",
                "postgresql://" + origin.superuser() + ":" + wrong + "@" + origin.host() + ":" + origin.port()
                        + "/postgres");
        assertEquals(ExitCode.FAILED, run.exitCode(), run.stderr());
        String ours = run.stderr().lines().filter(l -> !l.startsWith("[jbang]"))
                .reduce("", (a, b) -> a + b + "\n");
        assertTrue(ours.startsWith("error: cannot log in to origin"), ours);
        assertEquals(2, ours.lines().count(), "error and hint only:\n" + ours);
        assertFalse(run.stderr().contains(wrong), run.stderr());
        assertFalse(run.stderr().contains("\tat "), run.stderr());
    }
}
