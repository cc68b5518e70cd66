package upshift.sequences;

import java.math.BigInteger;

/**
 * Where a sequence stands: its {@code last_value} and {@code is_called}, as the sequence relation holds them. When
 * is_called is false, the next {@code nextval} returns lastValue itself (a fresh sequence, or after
 * {@code setval(v, false)} / {@code ALTER SEQUENCE ... RESTART}); when true, it returns lastValue + increment.
 */
public record SequenceState(long lastValue, boolean isCalled) {

    /** What the next {@code nextval} returns with this increment (exact: may lie beyond the sequence's bounds). */
    public BigInteger next(long increment) {
        BigInteger value = BigInteger.valueOf(lastValue);
        return isCalled ? value.add(BigInteger.valueOf(increment)) : value;
    }

    @Override
    public String toString() {
        return lastValue + (isCalled ? "" : " (not called)");
    }
}
