package upshift.sequences;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

import upshift.connect.Cluster;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;
import upshift.sql.StatementRunner;

/**
 * What sync-sequences found and will do: one {@link Entry} per origin sequence. {@link #apply} writes every
 * destination value in one statement (one round trip per lock-budget batch, see {@link SequenceCatalog}), or
 * under --dry-run prints the equivalent {@code setval} or {@code ALTER SEQUENCE} statements.
 */
public final class SequencePlan {

    /**
     * The bulk write on 13 to 17, one statement for every sequence to set, by destination oid (no name resolution, no
     * quoting), with the "never moved backwards" rule inside it: each sequence's state is read in the statement itself
     * ({@code pg_sequence_last_value} for a called one; for one not called, {@code nextval} returns exactly the value
     * it would hand out next), and setval runs only where origin's next value (+ margin) is beyond the destination's
     * and within its bounds. A sequence found not behind that the read moved (nextval of one not called) is put back
     * exactly as it was ({@code setval(v, false)}). No query runs per sequence (no SPI): only these functions; the
     * sequence is locked once (the statement's later calls find the lock and the relation in the session's sequence
     * table and relation cache). setval
     * is not transactional: each value stays set even if a later one fails. One row per sequence: oid, what was done
     * ("set", "ahead", "out-of-range"), its value and is_called as found.
     */
    static final String BULK_SETVAL = """
            WITH x AS MATERIALIZED (
                 SELECT x.seq, x.value, x.called, x.inc, x.lo, x.hi,
                        pg_catalog.pg_sequence_last_value(x.seq::pg_catalog.oid::pg_catalog.regclass) AS lv
                   FROM ROWS FROM (pg_catalog.unnest(?::pg_catalog.int8[]), pg_catalog.unnest(?::pg_catalog.int8[]),
                                   pg_catalog.unnest(?::pg_catalog.bool[]), pg_catalog.unnest(?::pg_catalog.int8[]),
                                   pg_catalog.unnest(?::pg_catalog.int8[]), pg_catalog.unnest(?::pg_catalog.int8[]))
                        AS x(seq, value, called, inc, lo, hi)),
                 y AS MATERIALIZED (
                 SELECT x.*, CASE WHEN x.lv IS NULL
                                  THEN pg_catalog.nextval(x.seq::pg_catalog.oid::pg_catalog.regclass) END AS uv
                   FROM x),
                 z AS MATERIALIZED (
                 SELECT y.*,
                        (y.value::pg_catalog.numeric + CASE WHEN y.called THEN y.inc ELSE 0 END
                         - coalesce(y.lv::pg_catalog.numeric + y.inc, y.uv::pg_catalog.numeric))
                        * pg_catalog.sign(y.inc::pg_catalog.numeric) > 0 AS behind,
                        y.value BETWEEN y.lo AND y.hi AS in_range
                   FROM y)
            SELECT z.seq,
                   CASE WHEN NOT z.behind THEN 'ahead' WHEN NOT z.in_range THEN 'out-of-range' ELSE 'set' END,
                   coalesce(z.lv, z.uv), z.lv IS NOT NULL,
                   CASE WHEN z.behind AND z.in_range
                        THEN pg_catalog.setval(z.seq::pg_catalog.oid::pg_catalog.regclass, z.value, z.called)
                        WHEN z.lv IS NULL
                        THEN pg_catalog.setval(z.seq::pg_catalog.oid::pg_catalog.regclass, z.uv, false)
                   END
              FROM z""";

    /**
     * The bulk write on 18 and later ({@link upshift.server.Feature#SEQUENCE_DATA_FUNCTION}): the same rule, but
     * {@code pg_get_sequence_data} reads each state exactly, called or not, so nothing is moved to be read and
     * nothing put back; setval runs only where the sequence is behind and origin's value within its bounds. A state
     * the role may not read (NULL) is reported as "no-privilege" and not touched. The same parameters and rows as
     * {@link #BULK_SETVAL}.
     */
    static final String BULK_SETVAL_18 = """
            WITH x AS MATERIALIZED (
                 SELECT x.seq, x.value, x.called, x.inc, x.lo, x.hi, d.last_value AS lv, d.is_called AS lc
                   FROM ROWS FROM (pg_catalog.unnest(?::pg_catalog.int8[]), pg_catalog.unnest(?::pg_catalog.int8[]),
                                   pg_catalog.unnest(?::pg_catalog.bool[]), pg_catalog.unnest(?::pg_catalog.int8[]),
                                   pg_catalog.unnest(?::pg_catalog.int8[]), pg_catalog.unnest(?::pg_catalog.int8[]))
                        AS x(seq, value, called, inc, lo, hi)
                  CROSS JOIN LATERAL pg_catalog.pg_get_sequence_data(x.seq::pg_catalog.oid::pg_catalog.regclass) d),
                 z AS MATERIALIZED (
                 SELECT x.*,
                        (x.value::pg_catalog.numeric + CASE WHEN x.called THEN x.inc ELSE 0 END
                         - x.lv::pg_catalog.numeric - CASE WHEN x.lc THEN x.inc ELSE 0 END)
                        * pg_catalog.sign(x.inc::pg_catalog.numeric) > 0 AS behind,
                        x.value BETWEEN x.lo AND x.hi AS in_range
                   FROM x)
            SELECT z.seq,
                   CASE WHEN z.lv IS NULL THEN 'no-privilege' WHEN NOT z.behind THEN 'ahead'
                        WHEN NOT z.in_range THEN 'out-of-range' ELSE 'set' END,
                   z.lv, z.lc,
                   CASE WHEN z.behind AND z.in_range
                        THEN pg_catalog.setval(z.seq::pg_catalog.oid::pg_catalog.regclass, z.value, z.called)
                   END
              FROM z""";

    /**
     * One origin sequence and its counterpart.
     *
     * @param origin          the origin sequence (its state is null when excluded or not readable)
     * @param destination     the destination sequence of the same schema and name (or owned by the same column);
     *                        null when missing
     * @param matchedByColumn the destination sequence has another name and was matched by its owning column
     * @param target          what the destination sequence is set to (action SET only)
     * @param problem         why it cannot be synced, or what is missing; null otherwise
     */
    public record Entry(CatalogSequence origin, CatalogSequence destination, boolean matchedByColumn,
            SequenceAction action, SequenceState target, String problem) {

        /** The origin sequence's schema-qualified name. */
        public QualifiedName name() {
            return origin.name();
        }

        public SequenceState originState() {
            return origin.state();
        }

        /**
         * The destination's state as read, before any change; null when missing or not readable, or not called and
         * not read yet (see {@link SequenceCatalog#read(java.sql.Connection, List, boolean)}).
         */
        public SequenceState destinationBefore() {
            return destination == null || destination.state() == null || !destination.state().read() ? null
                    : destination.state();
        }

        /** The destination sequence's next {@code nextval} as read; null when unknown. */
        public BigInteger destinationNext() {
            SequenceState before = destinationBefore();
            return before == null ? null : before.next(destination.increment());
        }

        /** The statement a --dry-run script carries for this entry (action SET only). */
        public String statement(ScriptStyle style) {
            if (action != SequenceAction.SET) {
                throw new IllegalStateException(name() + " is not to be set (" + action + ")");
            }
            String setval = "SELECT pg_catalog.setval(" + Sql.literal(destination.name().sql()) + ", "
                    + target.lastValue() + ", " + target.isCalled() + ")";
            if (style == ScriptStyle.SETVAL) {
                return setval + ";";
            }
            BigInteger restart = target.next(destination.increment());
            if (restart.compareTo(BigInteger.valueOf(destination.minValue())) < 0
                    || restart.compareTo(BigInteger.valueOf(destination.maxValue())) > 0) {
                // RESTART WITH value + increment would pass the bound; setval keeps is_called instead
                return "-- RESTART WITH " + restart + " would be out of bounds; setval keeps is_called\n" + setval + ";";
            }
            return "ALTER SEQUENCE " + destination.name().sql() + " RESTART WITH " + restart + ";";
        }
    }

    /** What {@link #apply} did. */
    public record Applied(int sequencesSet, int statements, double millis, boolean dryRun) {
    }

    /** Final once {@link #apply} has resolved what its write found. */
    private List<Entry> entries;
    private final List<String> excludes;
    private final long margin;
    private final SequenceCatalog.Read originRead;
    private final SequenceCatalog.Read destinationRead;

    SequencePlan(List<Entry> entries, List<String> excludes, long margin, SequenceCatalog.Read originRead,
            SequenceCatalog.Read destinationRead) {
        this.entries = List.copyOf(entries);
        this.excludes = List.copyOf(excludes);
        this.margin = margin;
        this.originRead = originRead;
        this.destinationRead = destinationRead;
    }

    /** Every origin sequence, excluded ones too, in schema/name order. */
    public List<Entry> entries() {
        return entries;
    }

    /** Entries with this action. */
    public List<Entry> withAction(SequenceAction action) {
        return entries.stream().filter(e -> e.action() == action).toList();
    }

    /** The entries to set: destination behind origin (+ margin) and settable. */
    public List<Entry> toSet() {
        return withAction(SequenceAction.SET);
    }

    /** Origin sequences (not excluded) without a counterpart on destination. */
    public List<QualifiedName> missingOnDestination() {
        return withAction(SequenceAction.MISSING_ON_DESTINATION).stream().map(Entry::name).toList();
    }

    /**
     * Destination sequences behind origin (+ margin): those {@link #apply} sets, and those it cannot set because the
     * value is beyond their bounds.
     */
    public List<Entry> behind() {
        return entries.stream()
                .filter(e -> e.action() == SequenceAction.SET || e.action() == SequenceAction.OUT_OF_RANGE).toList();
    }

    /** Sequences that cannot be synced: out of range, no privilege, opposite directions. */
    public List<Entry> errors() {
        return entries.stream().filter(e -> e.action().error()).toList();
    }

    /** Whether destination needs nothing: nothing behind, missing or in error (what --check asks). */
    public boolean inSync() {
        return behind().isEmpty() && missingOnDestination().isEmpty() && errors().isEmpty();
    }

    public List<String> excludes() {
        return excludes;
    }

    public long margin() {
        return margin;
    }

    /** How reading origin went: sequences, round trips, milliseconds. */
    public SequenceCatalog.Read originRead() {
        return originRead;
    }

    public SequenceCatalog.Read destinationRead() {
        return destinationRead;
    }

    /** {@link #apply(StatementRunner, Cluster, ScriptStyle)} with setval statements under --dry-run. */
    public Applied apply(StatementRunner runner, Cluster destination) {
        return apply(runner, destination, ScriptStyle.SETVAL);
    }

    /**
     * Sets every destination sequence that is behind: one bulk setval statement per lock-budget batch (one for up to
     * 6,400 sequences with default settings); under --dry-run prints one statement per sequence in the given style.
     * Entries in error are not touched (the caller reports them).
     */
    public Applied apply(StatementRunner runner, Cluster destination, ScriptStyle style) {
        long started = System.nanoTime();
        List<Entry> toSet = toSet();
        if (toSet.isEmpty()) {
            return new Applied(0, 0, 0, runner.dryRun());
        }
        if (runner.dryRun()) {
            runner.executeBound(destination, BULK_SETVAL, st -> { },
                    toSet.stream().map(e -> e.statement(style)).toList());
            return new Applied(toSet.size(), toSet.size(), (System.nanoTime() - started) / 1e6, true);
        }
        int batch = Math.max(1, destinationRead.batchSize());
        String sql;
        try {
            sql = SequenceCatalog.hasSequenceData(destination.connection()) ? BULK_SETVAL_18 : BULK_SETVAL;
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot tell the destination's version: " + e.getMessage(), e);
        }
        int statements = 0;
        java.util.Map<Long, Entry> byOid = new java.util.HashMap<>();
        toSet.forEach(e -> byOid.put(e.destination().oid(), e));
        java.util.Map<Entry, Entry> resolved = new java.util.HashMap<>();
        for (int from = 0; from < toSet.size(); from += batch) {
            List<Entry> chunk = toSet.subList(from, Math.min(toSet.size(), from + batch));
            int n = chunk.size();
            Long[] oids = new Long[n];
            Long[] values = new Long[n];
            Boolean[] called = new Boolean[n];
            Long[] increments = new Long[n];
            Long[] lows = new Long[n];
            Long[] highs = new Long[n];
            for (int i = 0; i < n; i++) {
                Entry e = chunk.get(i);
                oids[i] = e.destination().oid();
                values[i] = e.target().lastValue();
                called[i] = e.target().isCalled();
                increments[i] = e.destination().increment();
                lows[i] = e.destination().minValue();
                highs[i] = e.destination().maxValue();
            }
            // the equivalent setval statements, spelled only if printed (the log shows their count)
            List<String> equivalent = new java.util.AbstractList<>() {
                @Override
                public String get(int i) {
                    return chunk.get(i).statement(ScriptStyle.SETVAL);
                }

                @Override
                public int size() {
                    return n;
                }
            };
            runner.executeBound(destination, sql, st -> {
                st.setArray(1, st.getConnection().createArrayOf("int8", oids));
                st.setArray(2, st.getConnection().createArrayOf("int8", values));
                st.setArray(3, st.getConnection().createArrayOf("bool", called));
                st.setArray(4, st.getConnection().createArrayOf("int8", increments));
                st.setArray(5, st.getConnection().createArrayOf("int8", lows));
                st.setArray(6, st.getConnection().createArrayOf("int8", highs));
            }, equivalent, rs -> {
                Entry e = byOid.get(rs.getLong(1));
                if (e != null) {
                    long value = rs.getLong(3);
                    SequenceState found = rs.wasNull() ? null : new SequenceState(value, rs.getBoolean(4));
                    resolved.put(e, resolve(e, rs.getString(2), found));
                }
            });
            statements++;
        }
        List<Entry> now = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            now.add(resolved.getOrDefault(e, e));
        }
        entries = List.copyOf(now);
        int set = (int) now.stream().filter(e -> e.action() == SequenceAction.SET).count();
        return new Applied(set, statements, (System.nanoTime() - started) / 1e6, false);
    }

    /** An entry as the write found it: its destination state as read there, and what was done. */
    private static Entry resolve(Entry e, String outcome, SequenceState found) {
        CatalogSequence d = e.destination();
        CatalogSequence read = new CatalogSequence(d.oid(), d.name(), d.type(), d.increment(), d.minValue(),
                d.maxValue(), d.startValue(), d.cycle(), d.readable(), d.writable(), d.excluded(), d.ownedBy(), found);
        return switch (outcome) {
            case "set" -> new Entry(e.origin(), read, e.matchedByColumn(), SequenceAction.SET, e.target(), null);
            case "ahead" -> new Entry(e.origin(), read, e.matchedByColumn(), SequenceAction.ALREADY_AHEAD, null, null);
            case "no-privilege" -> new Entry(e.origin(), read, e.matchedByColumn(), SequenceAction.NO_PRIVILEGE, null,
                    "the destination's sequence could not be read: GRANT SELECT, UPDATE ON SEQUENCE " + d.name().sql()
                            + " TO the destination user");
            default -> new Entry(e.origin(), read, e.matchedByColumn(), SequenceAction.OUT_OF_RANGE, null,
                    "origin's value " + e.target().lastValue() + " (with margin) is outside destination's "
                            + d.type() + " sequence bounds " + d.minValue() + ".." + d.maxValue() + ": ALTER SEQUENCE "
                            + d.name().sql() + " AS bigint MAXVALUE ... first");
        };
    }
}
