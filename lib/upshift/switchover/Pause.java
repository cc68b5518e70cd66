package upshift.switchover;

import upshift.UpshiftException;

/** Sleeping between polls, with an interrupt turned into a clear failure. */
final class Pause {

    private Pause() {
    }

    static void millis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpshiftException("interrupted", "re-run the step to continue", e);
        }
    }
}
