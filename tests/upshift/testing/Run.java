package upshift.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import upshift.cli.UpshiftCommand;
import upshift.connect.Environment;

/** One run of an upshift script: its exit code, stdout and stderr. */
public record Run(int exitCode, String stdout, String stderr) {

    /**
     * Runs a script class (default package, e.g. "Status") in this JVM with the given environment variables
     * (PGURL_* etc.), capturing its output.
     */
    public static Run script(String scriptClass, Map<String, String> env, String... args) {
        UpshiftCommand command;
        try {
            // scripts live in the default package and are package-private, as JBang scripts usually are
            var constructor = Class.forName(scriptClass).getDeclaredConstructor();
            constructor.setAccessible(true);
            command = (UpshiftCommand) constructor.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("no script class " + scriptClass + " on the test class path", e);
        }
        Environment environment = new Environment(env, Path.of(System.getProperty("user.home")), "postgres");
        UpshiftCommand.Captured run = UpshiftCommand.capture(command, environment, args);
        return new Run(run.exitCode(), run.stdout(), run.stderr());
    }

    public static Run script(String scriptClass, String... args) {
        return script(scriptClass, Map.of(), args);
    }

    /** The repository checkout (Surefire passes it; falls back to the working directory). */
    public static Path checkout() {
        return Path.of(System.getProperty("upshift.checkout", System.getProperty("user.dir"))).toAbsolutePath()
                .normalize();
    }

    /**
     * Runs {@code ./jbang ARGS} from the checkout as a subprocess, exactly as an operator types it, with stdin
     * closed and the extra environment variables set.
     */
    public static Run jbang(Map<String, String> env, long timeoutSeconds, String... args) {
        return jbangIn(checkout(), env, timeoutSeconds, args);
    }

    /** Runs the checkout's {@code ./jbang ARGS} from another working directory. */
    public static Run jbangIn(Path directory, Map<String, String> env, long timeoutSeconds, String... args) {
        List<String> command = new ArrayList<>();
        command.add(checkout().resolve("jbang").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(directory.toFile());
        Map<String, String> environment = new HashMap<>(pb.environment());
        environment.keySet().removeIf(k -> k.startsWith("PGURL_"));
        environment.putAll(env);
        pb.environment().clear();
        pb.environment().putAll(environment);
        try {
            Path out = Files.createTempFile("upshift-run", ".out");
            Path err = Files.createTempFile("upshift-run", ".err");
            try {
                pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(new File("/dev/null"));
                Process p = pb.start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("./jbang " + String.join(" ", args) + " did not finish in "
                            + timeoutSeconds + " s; stderr so far:\n" + Files.readString(err));
                }
                return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run ./jbang: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
