package upshift.testing;

import java.time.Duration;

/** Bounded polling for tests: waits for a condition on a real server, failing with what was awaited. */
public final class Wait {

    public interface Condition {
        boolean holds() throws Exception;
    }

    private Wait() {
    }

    public static void until(Duration timeout, String what, Condition condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.holds()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting until " + what, e);
            }
        }
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting until " + what
                + (last != null ? " (last error: " + last.getMessage() + ")" : ""), last);
    }
}
