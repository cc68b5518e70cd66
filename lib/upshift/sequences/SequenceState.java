package upshift.sequences;

import java.math.BigInteger;

/**
 * Where a sequence stands: its {@code last_value} and {@code is_called}, as the sequence relation holds them. When
 * is_called is false, the next {@code nextval} returns lastValue itself (a fresh sequence, or after
 * {@code setval(v, false)} / {@code ALTER SEQUENCE ... RESTART}); when true, it returns lastValue + increment.
 */
public record SequenceState(long lastValue, boolean isCalled, boolean read) {

    /**
     * A sequence that is not called and whose value was not read ({@link SequenceCatalog#read} without uncalled
     * states, 13 to 17): its next value is unknown until the bulk write reads it (see {@link SequencePlan#apply}).
     */
    public static final SequenceState UNCALLED_UNREAD = new SequenceState(0, false, false);

    public SequenceState(long lastValue, boolean isCalled) {
        this(lastValue, isCalled, true);
    }

    /** What the next {@code nextval} returns with this increment (exact: may lie beyond the sequence's bounds). */
    public BigInteger next(long increment) {
        if (!read) {
            throw new IllegalStateException("the value of a sequence that is not called was not read");
        }
        BigInteger value = BigInteger.valueOf(lastValue);
        return isCalled ? value.add(BigInteger.valueOf(increment)) : value;
    }

    @Override
    public String toString() {
        return !read ? "(not called, read by the write)" : lastValue + (isCalled ? "" : " (not called)");
    }
}
