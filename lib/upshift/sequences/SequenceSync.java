package upshift.sequences;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

import upshift.sql.QualifiedName;

/**
 * The sync-sequences step as a library call (switchover calls it too): read every sequence on both sides, match
 * them by schema and name, and decide for each what the destination must become so that its next {@code nextval}
 * never returns a value origin already handed out.
 *
 * <p>The destination sequence gets origin's {@code last_value} plus the margin (minus, for a descending sequence)
 * with origin's {@code is_called}: with margin 0 its next value is exactly origin's next value. A destination
 * sequence already at or ahead of that is left alone (never moved backwards). The sequence types may differ
 * ({@code integer} on origin, {@code bigint} on destination); a value outside the destination's bounds is an error
 * for that sequence.
 */
public final class SequenceSync {

    /** AWS DMS's DDL-capture sequence: an artefact of the tooling, not the application. */
    public static final List<String> DEFAULT_EXCLUDES = List.of("awsdms_ddl_%");

    private SequenceSync() {
    }

    /**
     * Reads both sides, at once (a few round trips each, whatever the number of sequences) and plans the sync.
     *
     * @param excludes SQL LIKE patterns matched against each origin sequence's name and schema.name; null for
     *                 {@link #DEFAULT_EXCLUDES}
     * @param margin   added to origin's values (>= 0)
     */
    public static SequencePlan plan(Connection origin, Connection destination, List<String> excludes, long margin)
            throws SQLException {
        return plan(origin, destination, excludes, margin, true);
    }

    /**
     * The same; with {@code exactDestination} false (a sync that will write: not --check, not --dry-run) the
     * destination's sequences that are not called are not read one by one on 13 to 17 (no per-sequence query on
     * destination): each is planned as a candidate and {@link SequencePlan#apply}'s bulk write reads it and sets it
     * only when it is behind, so the "never moved backwards" rule holds inside the write. The two sides are read at
     * once (origin on a second thread, each on its own connection): the destination's read, which opens each of its
     * sequences once, readies its caches for the write while origin is read.
     */
    public static SequencePlan plan(Connection origin, Connection destination, List<String> excludes, long margin,
            boolean exactDestination) throws SQLException {
        if (margin < 0) {
            throw new IllegalArgumentException("the margin cannot be negative: " + margin);
        }
        List<String> patterns = excludes == null ? DEFAULT_EXCLUDES : List.copyOf(excludes);
        FutureTask<SequenceCatalog.Read> originRead = new FutureTask<>(() -> SequenceCatalog.read(origin, patterns));
        Thread reader = new Thread(originRead, "upshift origin sequences");
        reader.setDaemon(true);
        reader.start();
        SequenceCatalog.Read d;
        try {
            d = SequenceCatalog.read(destination, List.of(), exactDestination);
        } catch (SQLException | RuntimeException e) {
            join(originRead); // never leave the origin connection in use by another thread
            throw e;
        }
        return plan(join(originRead), d, patterns, margin);
    }

    private static SequenceCatalog.Read join(FutureTask<SequenceCatalog.Read> read) throws SQLException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return read.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the origin connection is in use until the read ends: wait for it
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof SQLException sql) {
                        throw sql;
                    }
                    if (cause instanceof RuntimeException runtime) {
                        throw runtime;
                    }
                    if (cause instanceof Error error) {
                        throw error;
                    }
                    throw new IllegalStateException(cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The planning itself, on what was read (pure; unit-tested). */
    static SequencePlan plan(SequenceCatalog.Read origin, SequenceCatalog.Read destination, List<String> excludes,
            long margin) {
        Map<QualifiedName, CatalogSequence> byName = new HashMap<>();
        Map<String, List<CatalogSequence>> byColumn = new HashMap<>();
        for (CatalogSequence s : destination.sequences()) {
            byName.put(s.name(), s);
            if (s.ownedBy() != null) {
                byColumn.computeIfAbsent(s.ownedBy().toString(), k -> new ArrayList<>()).add(s);
            }
        }
        Set<QualifiedName> originNames = new HashSet<>();
        origin.sequences().forEach(s -> originNames.add(s.name()));

        List<SequencePlan.Entry> entries = new ArrayList<>();
        for (CatalogSequence o : origin.sequences()) {
            CatalogSequence d = byName.get(o.name());
            boolean byColumnMatch = false;
            if (d == null && o.ownedBy() != null) {
                d = sameColumn(byColumn.get(o.ownedBy().toString()), originNames);
                byColumnMatch = d != null;
            }
            entries.add(entry(o, d, byColumnMatch, margin));
        }
        entries.sort(Comparator.comparing(SequencePlan.Entry::name));
        return new SequencePlan(entries, excludes, margin, origin, destination);
    }

    /**
     * The destination sequence owned by the same column when exactly one is and origin has no sequence of its name
     * (e.g. {@code auth_user_id_seq1} after the new model recreated the column).
     */
    private static CatalogSequence sameColumn(List<CatalogSequence> candidates, Set<QualifiedName> originNames) {
        if (candidates == null || candidates.size() != 1 || originNames.contains(candidates.get(0).name())) {
            return null;
        }
        return candidates.get(0);
    }

    static SequencePlan.Entry entry(CatalogSequence o, CatalogSequence d, boolean matchedByColumn, long margin) {
        if (o.excluded()) {
            return new SequencePlan.Entry(o, d, matchedByColumn, SequenceAction.EXCLUDED, null, null);
        }
        if (!o.readable() || o.state() == null) {
            return new SequencePlan.Entry(o, d, matchedByColumn, SequenceAction.NO_PRIVILEGE, null,
                    "no SELECT on origin's sequence: GRANT SELECT ON SEQUENCE " + o.name().sql() + " TO the origin user");
        }
        if (d == null) {
            return new SequencePlan.Entry(o, null, false, SequenceAction.MISSING_ON_DESTINATION, null,
                    "no sequence " + o.name() + (o.ownedBy() == null ? "" : " (nor one owned by " + o.ownedBy() + ")")
                            + " on destination");
        }
        if (!d.readable() || d.state() == null) {
            return new SequencePlan.Entry(o, d, matchedByColumn, SequenceAction.NO_PRIVILEGE, null,
                    "no SELECT on destination's sequence: GRANT SELECT, UPDATE ON SEQUENCE " + d.name().sql()
                            + " TO the destination user");
        }
        if (Long.signum(o.increment()) != Long.signum(d.increment())) {
            return new SequencePlan.Entry(o, d, matchedByColumn, SequenceAction.DIRECTION_DIFFERS, null,
                    "origin's increment is " + o.increment() + ", destination's " + d.increment());
        }
        int direction = Long.signum(d.increment());
        BigInteger value = BigInteger.valueOf(o.state().lastValue())
                .add(BigInteger.valueOf(margin).multiply(BigInteger.valueOf(direction)));
        boolean called = o.state().isCalled();
        if (!d.state().read()) {
            // not called, value unread: the bulk write reads it, then sets it only when behind and within bounds
            if (value.bitLength() > 63) {
                return new SequencePlan.Entry(o, d, matchedByColumn, SequenceAction.OUT_OF_RANGE, null,
                        "origin's value " + value + " (with margin) is outside destination's " + d.type()
                                + " sequence bounds " + d.minValue() + ".." + d.maxValue());
            }
            return new SequencePlan.Entry(o, d, matchedByColumn, SequenceAction.SET,
                    new SequenceState(value.longValueExact(), called), null);
        }
        BigInteger wantedNext = called ? value.add(BigInteger.valueOf(d.increment())) : value;
        BigInteger currentNext = d.state().next(d.increment());
        if (wantedNext.subtract(currentNext).signum() * direction <= 0) {
            return new SequencePlan.Entry(o, d, matchedByColumn, SequenceAction.ALREADY_AHEAD, null, null);
        }
        if (value.compareTo(BigInteger.valueOf(d.minValue())) < 0
                || value.compareTo(BigInteger.valueOf(d.maxValue())) > 0) {
            return new SequencePlan.Entry(o, d, matchedByColumn, SequenceAction.OUT_OF_RANGE, null,
                    "origin's value " + value + " (with margin) is outside destination's " + d.type() + " sequence bounds "
                            + d.minValue() + ".." + d.maxValue() + ": ALTER SEQUENCE " + d.name().sql()
                            + " AS bigint MAXVALUE ... first");
        }
        if (!d.writable()) {
            return new SequencePlan.Entry(o, d, matchedByColumn, SequenceAction.NO_PRIVILEGE, null,
                    "no UPDATE on destination's sequence: GRANT UPDATE ON SEQUENCE " + d.name().sql()
                            + " TO the destination user");
        }
        return new SequencePlan.Entry(o, d, matchedByColumn, SequenceAction.SET,
                new SequenceState(value.longValueExact(), called), null);
    }
}
