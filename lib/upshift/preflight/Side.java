package upshift.preflight;

import com.fasterxml.jackson.annotation.JsonValue;

/** Which server a finding is about. */
public enum Side {
    ORIGIN("origin"),
    DESTINATION("destination"),
    BOTH("both");

    private final String label;

    Side(String label) {
        this.label = label;
    }

    @JsonValue
    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }
}
