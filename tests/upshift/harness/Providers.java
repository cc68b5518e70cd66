package upshift.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which providers the integration tests run on, and servers shared by every test of one JVM.
 *
 * <p>System property {@code upshift.providers}: {@code auto} (default: testcontainers when a Docker
 * engine answers, else embedded), or a comma list such as {@code embedded,testcontainers}. A provider
 * named explicitly must be able to run: a missing Docker engine then fails the tests instead of
 * skipping them.
 */
public final class Providers {

    private static final Map<String, PgProvider> PROVIDERS = new ConcurrentHashMap<>();
    private static final Map<String, PgServer> SHARED = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Providers::closeAll, "upshift-harness-shutdown"));
    }

    private Providers() {
    }

    /** The providers selected for this run; used as a JUnit {@code @MethodSource}. */
    public static List<PgProvider> selected() {
        String wanted = System.getProperty("upshift.providers", "auto").trim();
        List<PgProvider> result = new ArrayList<>();
        if (wanted.isEmpty() || wanted.equals("auto")) {
            PgProvider containers = provider("testcontainers");
            String reason = containers.unavailableReason();
            if (reason == null) {
                result.add(containers);
            } else {
                System.err.println("[upshift harness] WARNING: testcontainers provider NOT used (" + reason
                        + "); integration tests run on the embedded provider only."
                        + " Set -Dupshift.providers=embedded,testcontainers to require both.");
                result.add(provider("embedded"));
            }
            return result;
        }
        for (String name : wanted.split(",")) {
            PgProvider p = provider(name.trim());
            String reason = p.unavailableReason();
            if (reason != null) {
                throw new IllegalStateException("provider '" + p.name() + "' was requested with -Dupshift.providers="
                        + wanted + " but cannot run: " + reason);
            }
            result.add(p);
        }
        return result;
    }

    /** The provider of that name ("embedded" or "testcontainers"), created once per JVM. */
    public static PgProvider provider(String name) {
        return PROVIDERS.computeIfAbsent(name, n -> switch (n) {
            case "embedded" -> new EmbeddedProvider();
            case "testcontainers" -> new ContainerProvider();
            default -> throw new IllegalArgumentException(
                    "unknown provider '" + n + "' (expected embedded or testcontainers)");
        });
    }

    /**
     * A server of that major version with default settings, started once per provider and JVM and shared by
     * every test; tests isolate themselves with {@link PgServer#createDatabase(String)}.
     */
    public static PgServer shared(PgProvider provider, int major) {
        return SHARED.computeIfAbsent(provider.name() + ":" + major, k -> provider.start(major));
    }

    private static void closeAll() {
        SHARED.values().forEach(s -> {
            try {
                s.close();
            } catch (RuntimeException e) {
                System.err.println("[upshift harness] could not stop " + s.provider() + " " + s.major() + ": " + e);
            }
        });
        PROVIDERS.values().forEach(PgProvider::close);
    }
}
