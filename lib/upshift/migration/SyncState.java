package upshift.migration;

/** A table's state in pg_subscription_rel.srsubstate. */
public enum SyncState {
    INITIALIZING('i', "initializing"),
    DATA_COPYING('d', "data copying"),
    /** PostgreSQL 14+ ({@link upshift.server.Feature#SYNC_STATE_FINISHED_COPY}). */
    FINISHED_COPY('f', "finished data copy"),
    SYNCHRONIZED('s', "synchronized"),
    READY('r', "ready"),
    UNKNOWN('?', "unknown");

    private final char code;
    private final String label;

    SyncState(char code, String label) {
        this.code = code;
        this.label = label;
    }

    public char code() {
        return code;
    }

    public String label() {
        return label;
    }

    public static SyncState of(String code) {
        if (code != null && code.length() == 1) {
            for (SyncState s : values()) {
                if (s.code == code.charAt(0)) {
                    return s;
                }
            }
        }
        return UNKNOWN;
    }
}
