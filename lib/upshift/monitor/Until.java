package upshift.monitor;

/** What {@code monitor --until} waits for. */
public enum Until {
    /** Every table of the subscription is ready (r): the initial copy is done. */
    READY("ready"),
    /** Ready, and the slot's lag is at most --max-lag: the subscriber is close enough to switch over. */
    CAUGHT_UP("caught-up");

    private final String option;

    Until(String option) {
        this.option = option;
    }

    public String option() {
        return option;
    }

    public boolean metBy(ReplicationSnapshot s) {
        return this == READY ? s.ready() : s.caughtUp();
    }
}
