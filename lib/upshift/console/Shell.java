package upshift.console;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;

import jdk.jshell.tool.JavaShellToolBuilder;
import upshift.UpshiftException;

/**
 * The console's JShell: the JDK's own jshell tool, started in this JVM through {@link JavaShellToolBuilder}
 * with local execution, so snippets run in this JVM on its class path and reach the {@link Session} (and its
 * two clusters) this process built. Start-up snippets define {@code origin}, {@code destination},
 * {@code session} and one top-level method per call, all delegating to {@link Session}.
 */
public final class Shell {

    /** Snippets run at start and again on /reset (after JShell's DEFAULT imports). */
    static final String STARTUP = """
            import upshift.connect.Cluster;
            import upshift.console.Session;
            Session session = Session.current();
            Cluster origin = session.origin();
            Cluster destination = session.destination();
            void help() { session.help(); }
            void status() { session.status(); }
            void preflight(String... options) { session.preflight(options); }
            void monitor(String... options) { session.monitor(options); }
            void lag() { session.lag(); }
            void rollbackLag() { session.rollbackLag(); }
            void syncSequences(boolean dryRun, String... options) { session.syncSequences(dryRun, options); }
            void checkSequences() { session.checkSequences(); }
            void verify() { session.verify(); }
            void verify(boolean checksum, String... options) { session.verify(checksum, options); }
            void switchover(String... options) { session.switchover(options); }
            void switchover(boolean yes, String... options) { session.switchover(yes, options); }
            void cleanup(String... options) { session.cleanup(options); }
            void cleanup(boolean yes, String... options) { session.cleanup(yes, options); }
            void sql(Cluster cluster, String sql, Object... parameters) { session.sql(cluster, sql, parameters); }
            void run(String step, String... options) { session.run(step, options); }
            """;

    private Shell() {
    }

    /**
     * Runs the console until /exit or the end of standard input and returns JShell's exit code (0, or the
     * code given to /exit). {@code classPath} is what snippets compile against: this JVM's class path.
     */
    public static int run(Session session, String classPath) throws Exception {
        if (ModuleLayer.boot().findModule("jdk.jshell").isEmpty()) {
            throw new UpshiftException("this Java runtime has no jdk.jshell module (a JRE or a trimmed image)",
                    "run the console with a full JDK 17+, e.g. JAVA_HOME=/path/to/jdk ./jbang console");
        }
        Path startup = Files.createTempFile("upshift-console-", ".jsh");
        Session.current(session);
        try {
            Files.writeString(startup, STARTUP);
            return JavaShellToolBuilder.builder()
                    // JShell keeps history and settings in java.util.prefs (~/.java) by default; typed SQL may
                    // hold secrets, so nothing of a session is written to disk.
                    .persistence(new HashMap<>())
                    .start("--execution", "local",
                            "--class-path", classPath,
                            "--startup", "DEFAULT",
                            "--startup", startup.toString());
        } finally {
            Session.current(null);
            Files.deleteIfExists(startup);
        }
    }
}
