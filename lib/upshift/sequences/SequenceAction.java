package upshift.sequences;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonValue;

/** What sync-sequences does (or, under --check, would do) with one origin sequence. */
public enum SequenceAction {

    /** The destination sequence is behind origin (+ margin): it is set. */
    SET(false),
    /** The destination sequence is at or ahead of origin (+ margin): left alone, never moved backwards. */
    ALREADY_AHEAD(false),
    /** No sequence of that schema and name (nor one owned by the same column) on destination. */
    MISSING_ON_DESTINATION(false),
    /** Its name or schema.name matches an --exclude pattern. */
    EXCLUDED(false),
    /** Behind, but origin's value (+ margin) lies outside the destination sequence's MINVALUE..MAXVALUE. */
    OUT_OF_RANGE(true),
    /** The role may not read it on origin, or read/update it on destination. */
    NO_PRIVILEGE(true),
    /** One side counts up, the other down: no value is right. */
    DIRECTION_DIFFERS(true);

    private final boolean error;

    SequenceAction(boolean error) {
        this.error = error;
    }

    /** Whether this sequence could not be synced (reported, and sync-sequences exits 1 after syncing the rest). */
    public boolean error() {
        return error;
    }

    /** As printed and in JSON: {@code set}, {@code already-ahead}, {@code missing-on-destination}, ... */
    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Override
    public String toString() {
        return label();
    }
}
