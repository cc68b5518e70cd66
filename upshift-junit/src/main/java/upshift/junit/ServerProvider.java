package upshift.junit;

import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;

import upshift.rehearse.RehearsalServers;

/**
 * Where a rehearsal's two servers come from, chosen as upshift's own tests choose: {@code embedded} (PostgreSQL
 * binaries from Maven Central, run in this machine's temporary directory), {@code testcontainers} (one container
 * per server, on a Docker network of their own), or {@code auto}: Testcontainers when a Docker engine answers,
 * embedded otherwise, saying so.
 */
public enum ServerProvider {

    EMBEDDED, TESTCONTAINERS;

    /** The system property that names the provider, as in upshift's own test suite. */
    public static final String PROPERTY = "upshift.providers";

    /** embedded or testcontainers, as the property spells it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The provider {@code wanted} names ({@code null}: the system property {@value #PROPERTY}, else auto). A list
     * such as {@code embedded,testcontainers} (upshift's CI runs its own suite on both) chooses its first entry. A
     * provider named explicitly must be able to run: testcontainers without a Docker engine fails, it does not
     * fall back.
     *
     * @param dockerReason null when a Docker engine answers, else why not
     * @param warn         where auto says that it fell back to embedded
     */
    static ServerProvider choose(String wanted, Supplier<String> dockerReason, Consumer<String> warn) {
        String name = wanted != null ? wanted : System.getProperty(PROPERTY, "auto");
        String first = name.split(",")[0].strip().toLowerCase(Locale.ROOT);
        switch (first) {
            case "", "auto" -> {
                String reason = dockerReason.get();
                if (reason == null) {
                    return TESTCONTAINERS;
                }
                warn.accept("[upshift-junit] WARNING: Testcontainers NOT used (" + reason + "); the rehearsal runs on"
                        + " embedded servers. -D" + PROPERTY + "=testcontainers requires Docker.");
                return EMBEDDED;
            }
            case "embedded" -> {
                return EMBEDDED;
            }
            case "testcontainers" -> {
                String reason = dockerReason.get();
                if (reason != null) {
                    throw new IllegalStateException("the testcontainers provider was asked for (" + name
                            + ") but cannot run: " + reason);
                }
                return TESTCONTAINERS;
            }
            default -> throw new IllegalArgumentException("unknown upshift provider \"" + first + "\" in \"" + name
                    + "\" (expected embedded, testcontainers or auto)");
        }
    }

    /** Starts the two servers, each with the rehearsal's database. */
    Started start(int origin, int destination, Consumer<String> progress) {
        return switch (this) {
            case EMBEDDED -> new Started(RehearsalServers.start(origin, destination, progress), () -> { });
            case TESTCONTAINERS -> ContainerServers.start(origin, destination, progress);
        };
    }

    /** Two running servers and what else to release after them (a Docker network). */
    record Started(RehearsalServers servers, Runnable release) implements AutoCloseable {
        @Override
        public void close() {
            try {
                servers.close();
            } finally {
                release.run();
            }
        }
    }
}
