package upshift.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** How the extension chooses its servers' provider: as upshift's own tests do. */
class ServerProviderTest {

    private final List<String> warnings = new ArrayList<>();

    @Test
    void autoTakesTestcontainersWhenDockerAnswersAndSaysSoWhenItFallsBackToEmbedded() {
        assertEquals(ServerProvider.TESTCONTAINERS, ServerProvider.choose("auto", () -> null, warnings::add));
        assertEquals(List.of(), warnings);
        assertEquals(ServerProvider.EMBEDDED, ServerProvider.choose("auto", () -> "no engine", warnings::add));
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("WARNING") && warnings.get(0).contains("no engine"), warnings.get(0));
    }

    @Test
    void aProviderNamedExplicitlyMustRun() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ServerProvider.choose("testcontainers", () -> "no engine", warnings::add));
        assertTrue(e.getMessage().contains("no engine"), e.getMessage());
        assertEquals(ServerProvider.EMBEDDED, ServerProvider.choose("embedded", () -> {
            throw new AssertionError("embedded needs no Docker probe");
        }, warnings::add));
    }

    @Test
    void aListChoosesItsFirstEntry() {
        assertEquals(ServerProvider.EMBEDDED,
                ServerProvider.choose("embedded,testcontainers", () -> "no engine", warnings::add));
        assertEquals(ServerProvider.TESTCONTAINERS,
                ServerProvider.choose(" Testcontainers , embedded", () -> null, warnings::add));
    }

    @Test
    void anUnknownNameIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerProvider.choose("docker", () -> null, warnings::add));
        assertTrue(e.getMessage().contains("\"docker\""), e.getMessage());
    }

    @Test
    void withoutANameTheSystemPropertyDecides() {
        String before = System.getProperty(ServerProvider.PROPERTY);
        try {
            System.setProperty(ServerProvider.PROPERTY, "embedded");
            assertEquals(ServerProvider.EMBEDDED, ServerProvider.choose(null, () -> null, warnings::add));
            System.setProperty(ServerProvider.PROPERTY, "testcontainers");
            assertEquals(ServerProvider.TESTCONTAINERS, ServerProvider.choose(null, () -> null, warnings::add));
        } finally {
            if (before == null) {
                System.clearProperty(ServerProvider.PROPERTY);
            } else {
                System.setProperty(ServerProvider.PROPERTY, before);
            }
        }
    }
}
