package upshift.pgtools;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a client program to completion with its standard input closed, capturing stdout and stderr. The
 * environment given is applied on top of this process's (see {@link ClientConnection#applyTo}).
 */
final class Processes {

    /** What a finished program left: its exit code and output. */
    record Result(int exitCode, String stdout, String stderr) {
    }

    private Processes() {
    }

    /**
     * Runs the command; {@code timeoutSeconds <= 0} waits as long as it takes (a schema dump of a large database
     * takes minutes). The environment callback adjusts the child's environment.
     */
    static Result run(List<String> command, java.util.function.Consumer<Map<String, String>> environment,
            long timeoutSeconds) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(new File("/dev/null"));
        environment.accept(pb.environment());
        Process p = pb.start();
        Drain out = new Drain(p.getInputStream());
        Drain err = new Drain(p.getErrorStream());
        out.start();
        err.start();
        try {
            if (timeoutSeconds > 0) {
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException(command.get(0) + " did not finish within " + timeoutSeconds + " s");
                }
            } else {
                p.waitFor();
            }
            out.join();
            err.join();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + command.get(0), e);
        }
        return new Result(p.exitValue(), out.text(), err.text());
    }

    /** Reads one of the child's streams to the end on its own thread, so a full pipe never blocks the child. */
    private static final class Drain extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private IOException failure;

        Drain(InputStream in) {
            super("upshift-process-drain");
            setDaemon(true);
            this.in = in;
        }

        @Override
        public void run() {
            try (in) {
                in.transferTo(buffer);
            } catch (IOException e) {
                failure = e;
            }
        }

        String text() {
            if (failure != null) {
                throw new UncheckedIOException(failure);
            }
            return buffer.toString(StandardCharsets.UTF_8);
        }
    }
}
