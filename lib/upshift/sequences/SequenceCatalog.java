package upshift.sequences;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import upshift.sequences.CatalogSequence.OwningColumn;
import upshift.server.Capabilities;
import upshift.server.Feature;
import upshift.server.Flavour;
import upshift.sql.QualifiedName;

/**
 * Reads every sequence of a database with its state in one query, however many there are, up to the server's lock
 * budget (see {@link #batchSize}).
 *
 * <p>A sequence's state lives in the sequence relation itself ({@code SELECT last_value, is_called FROM seq}),
 * which no catalog view exposes completely: {@code pg_sequences.last_value} and
 * {@code pg_sequence_last_value(oid)} are NULL when the sequence is not called, which also happens after
 * {@code setval(v, false)} or {@code ALTER SEQUENCE ... RESTART WITH v}, where v is not the start value. On 13 to
 * 17 the query takes {@code pg_sequence_last_value} for called sequences (cheap) and, for the others only, reads the
 * relation through {@code query_to_xml(format('SELECT last_value, is_called FROM %I.%I', ...))}, the one way a
 * plain SELECT can run a query per row; nothing is created or written on the server. On 18 and later
 * {@code pg_get_sequence_data} gives both, exactly, in one call.
 *
 * <p>Where the time goes (a fresh session, 13; see BENCHMARKS.md): the catalog part is ~8 microseconds of server CPU
 * a sequence; most of the rest is the server opening each sequence for the first time in the session (building its
 * relation cache entry, taking its lock, reading its page), ~18 microseconds each, and query_to_xml's ~40 per
 * sequence not called. So the query opens each sequence once, computes rights only for the page it returns (none
 * for a superuser) and runs no function twice for a row.
 *
 * <p>Each sequence read takes a lock until the end of the statement. A single statement over 20,000 sequences
 * exhausts a default lock table ("out of shared memory", max_locks_per_transaction 64 with 100 connections
 * holds about 14,000), so the query pages by oid in batches of max_locks_per_transaction * max_connections
 * (6,400 with the defaults), computed by the server: 10,000 sequences take two round trips.
 */
public final class SequenceCatalog {

    /** The lock budget one statement may use, computed by the server from its own settings. */
    static final String BATCH = "GREATEST(100, pg_catalog.current_setting('max_locks_per_transaction')::pg_catalog.int8"
            + " * pg_catalog.current_setting('max_connections')::pg_catalog.int8)";

    /**
     * One page of sequences. Parameters (in {@code p}): whether the state of every sequence not called is wanted or
     * only of those the role may not write (13 to 17), whether query_to_xml may be used, the exclusion patterns, the
     * last oid of the previous page. The innermost query reads only the catalog (pg_class, pg_namespace, pg_sequence
     * in oid order, one batch; no sequence is opened or locked there; USAGE once per schema); only that batch's rows
     * then get their rights (a superuser has them all: no privilege function runs) and owning column; and only the
     * rows readable and not excluded ({@code want_state}) open their sequence, once, in the lateral subquery
     * {@code v} (its functions are strict: a NULL argument means no call): {@code %2$s} is that subquery,
     * {@code %3$s} the columns it gives (see {@link #STATE_13} and {@link #STATE_18}). Each subquery has OFFSET 0 so
     * that no function runs twice for a row.
     */
    private static final String QUERY = """
            WITH p AS (SELECT ?::pg_catalog.bool AS every_state, ?::pg_catalog.bool AS xml,
                              ?::pg_catalog.text[] AS excludes, ?::pg_catalog.int8 AS after)
            SELECT z.*, %3$s
              FROM (SELECT w.*, w.readable AND NOT w.excluded AS want_state,
                           w.readable AND NOT w.excluded AND (p.every_state OR NOT w.writable) AND p.xml AS want_xml
                      FROM (SELECT b.oid, b.nspname, b.relname,
                                   pg_catalog.format_type(b.seqtypid, NULL) AS type,
                                   b.seqincrement, b.seqmin, b.seqmax, b.seqstart, b.seqcycle,
                                   b.super OR (b.usage
                                               AND pg_catalog.has_sequence_privilege(b.oid::pg_catalog.oid, 'SELECT'))
                                       AS readable,
                                   b.super OR pg_catalog.has_sequence_privilege(b.oid::pg_catalog.oid, 'UPDATE')
                                       AS writable,
                                   (b.relname LIKE ANY (b.excludes)
                                    OR b.nspname || '.' || b.relname LIKE ANY (b.excludes)) AS excluded,
                                   tn.nspname AS owner_schema, t.relname AS owner_table, a.attname AS owner_column,
                                   b.batch
                              FROM (SELECT c.oid::pg_catalog.int8 AS oid, n.usage, n.nspname, c.relname,
                                           s.seqtypid, s.seqincrement, s.seqmin, s.seqmax, s.seqstart, s.seqcycle,
                                           r.super, p.excludes, %1$s AS batch
                                      FROM pg_catalog.pg_class c
                                      JOIN (SELECT n.oid, n.nspname, pg_catalog.has_schema_privilege(n.oid, 'USAGE')
                                                       AS usage
                                              FROM pg_catalog.pg_namespace n
                                             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
                                               AND n.nspname NOT LIKE 'pg\\_toast%%'
                                               AND n.nspname NOT LIKE 'pg\\_temp%%'
                                            OFFSET 0) n ON n.oid = c.relnamespace
                                      JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
                                      CROSS JOIN p
                                      CROSS JOIN (SELECT coalesce(pg_catalog.bool_or(rolsuper), false) AS super
                                                    FROM pg_catalog.pg_roles WHERE rolname = CURRENT_USER) r
                                     WHERE c.relkind = 'S'
                                       AND c.oid::pg_catalog.int8 > p.after
                                     ORDER BY c.oid::pg_catalog.int8
                                     LIMIT %1$s) b
                              LEFT JOIN pg_catalog.pg_depend d
                                     ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                    AND d.objid = b.oid::pg_catalog.oid AND d.objsubid = 0
                                    AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                    AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
                              LEFT JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
                              LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
                              LEFT JOIN pg_catalog.pg_attribute a
                                     ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                            OFFSET 0) w
                      CROSS JOIN p
                    OFFSET 0) z
              CROSS JOIN LATERAL (%2$s) v
             ORDER BY z.oid
            """;

    /**
     * The state on 13 to 17: pg_sequence_last_value (NULL when not called) opens the sequence once; for the ones not
     * called, and only where wanted ({@code want_xml}), query_to_xml runs {@code SELECT last_value, is_called} on the
     * relation (the one way a plain SELECT can run a query per row; nothing is created or written).
     */
    private static final String STATE_13 = """
            SELECT pg_catalog.pg_sequence_last_value(CASE WHEN z.want_state THEN z.oid::pg_catalog.oid END)
                       AS called_value
             OFFSET 0""";

    private static final String COLUMNS_13 = """
            v.called_value,
                   CASE WHEN v.called_value IS NULL AND z.want_xml
                        THEN pg_catalog.query_to_xml(pg_catalog.format('SELECT last_value, is_called FROM %I.%I',
                                 z.nspname, z.relname), false, false, '')::pg_catalog.text
                   END AS uncalled_state, NULL::pg_catalog.int8 AS data_value, NULL::pg_catalog.bool AS data_called""";

    /** The state on 18 and later: pg_get_sequence_data, exact whether called or not, one call per sequence. */
    private static final String STATE_18 = """
            SELECT d.last_value, d.is_called
              FROM pg_catalog.pg_get_sequence_data(CASE WHEN z.want_state
                                                        THEN z.oid::pg_catalog.oid::pg_catalog.regclass END) d
             OFFSET 0""";

    private static final String COLUMNS_18 = """
            NULL::pg_catalog.int8 AS called_value, NULL::pg_catalog.text AS uncalled_state,
                   v.last_value AS data_value, v.is_called AS data_called""";

    private static final String QUERY_13 = QUERY.formatted(BATCH, STATE_13, COLUMNS_13);
    private static final String QUERY_18 = QUERY.formatted(BATCH, STATE_18, COLUMNS_18);

    private static final Pattern LAST_VALUE = Pattern.compile("<last_value>(-?\\d+)</last_value>");
    private static final Pattern IS_CALLED = Pattern.compile("<is_called>(true|false)</is_called>");

    /** SQLSTATE feature_not_supported: a server built without the SQL/XML functions. */
    private static final String FEATURE_NOT_SUPPORTED = "0A000";

    private SequenceCatalog() {
    }

    /** What one read found, and what it cost. */
    public record Read(List<CatalogSequence> sequences, int batchSize, int roundTrips, double millis) {
    }

    /**
     * Every sequence of the connection's database outside pg_catalog, information_schema and temporary schemas, in
     * oid order, each marked excluded when its name or schema.name matches one of the SQL LIKE patterns (the state
     * of excluded sequences is not read).
     */
    public static Read read(Connection connection, List<String> excludes) throws SQLException {
        return read(connection, excludes, true);
    }

    /**
     * The same; with {@code uncalledStates} false (a sync that writes) the value of a sequence that is not called is
     * not read on 13 to 17 (no per-sequence query: pg_sequence_last_value is NULL) but marked
     * {@link SequenceState#UNCALLED_UNREAD} when the role may write it: {@link SequencePlan#apply} then reads it inside
     * its bulk write. Every sequence is still opened once (its called value read), which also readies the server's
     * caches for the write. A sequence the role cannot write is still read (its report needs the value, and no write
     * will read it). On 18 and later every state is read exactly (pg_get_sequence_data), whatever the flag.
     */
    public static Read read(Connection connection, List<String> excludes, boolean uncalledStates) throws SQLException {
        long started = System.nanoTime();
        String[] patterns = excludes.toArray(String[]::new);
        boolean data = hasSequenceData(connection);
        List<CatalogSequence> result = new ArrayList<>();
        int roundTrips = 0;
        int batch = 0;
        boolean xml = !data;
        long after = -1;
        while (true) {
            Page page;
            try {
                page = page(connection, patterns, after, data, xml, uncalledStates);
            } catch (SQLException e) {
                if (!xml || !FEATURE_NOT_SUPPORTED.equals(e.getSQLState()) || !connection.getAutoCommit()) {
                    throw e;
                }
                xml = false; // no query_to_xml on this server: uncalled sequences are read one by one below
                page = page(connection, patterns, after, data, xml, uncalledStates);
                roundTrips++;
            }
            roundTrips++;
            batch = Math.max(batch, page.batch);
            result.addAll(page.sequences);
            if (page.sequences.isEmpty() || page.sequences.size() < page.batch) {
                break;
            }
            after = page.sequences.get(page.sequences.size() - 1).oid();
        }
        if (!xml && !data) {
            roundTrips += readUncalledOneByOne(connection, result);
        }
        return new Read(List.copyOf(result), batch, roundTrips, (System.nanoTime() - started) / 1e6);
    }

    /**
     * Whether the connection's server has {@code pg_get_sequence_data} ({@link Feature#SEQUENCE_DATA_FUNCTION}): the
     * major version the server announced when the session started, no round trip.
     */
    static boolean hasSequenceData(Connection connection) throws SQLException {
        int major = connection.getMetaData().getDatabaseMajorVersion();
        return Capabilities.of(Math.max(10, major), Flavour.COMMUNITY).has(Feature.SEQUENCE_DATA_FUNCTION);
    }

    private record Page(List<CatalogSequence> sequences, int batch) {
    }

    private static Page page(Connection connection, String[] patterns, long after, boolean data, boolean xml,
            boolean uncalledStates) throws SQLException {
        List<CatalogSequence> sequences = new ArrayList<>();
        int batch = 0;
        try (PreparedStatement st = connection.prepareStatement(data ? QUERY_18 : QUERY_13)) {
            st.setBoolean(1, uncalledStates);
            st.setBoolean(2, xml);
            st.setArray(3, connection.createArrayOf("text", patterns));
            st.setLong(4, after);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    batch = (int) Math.min(Integer.MAX_VALUE, rs.getLong("batch"));
                    sequences.add(row(rs, data, uncalledStates));
                }
            }
        }
        return new Page(sequences, batch);
    }

    private static CatalogSequence row(ResultSet rs, boolean data, boolean uncalledStates) throws SQLException {
        QualifiedName name = new QualifiedName(rs.getString("nspname"), rs.getString("relname"));
        boolean readable = rs.getBoolean("readable");
        boolean excluded = rs.getBoolean("excluded");
        boolean wanted = rs.getBoolean("want_state");
        SequenceState state = null;
        long called = rs.getLong("called_value");
        if (!rs.wasNull()) {
            state = new SequenceState(called, true);
        } else if (rs.getString("uncalled_state") != null) {
            state = parseXmlRow(name, rs.getString("uncalled_state"));
        } else if (wanted) {
            long value = rs.getLong("data_value");
            if (!rs.wasNull()) {
                state = new SequenceState(value, rs.getBoolean("data_called"));
            } else if (!uncalledStates && !data && rs.getBoolean("writable")) {
                state = SequenceState.UNCALLED_UNREAD; // left to the write
            }
        }
        OwningColumn owner = rs.getString("owner_table") == null ? null
                : new OwningColumn(new QualifiedName(rs.getString("owner_schema"), rs.getString("owner_table")),
                        rs.getString("owner_column"));
        return new CatalogSequence(rs.getLong("oid"), name, rs.getString("type"), rs.getLong("seqincrement"),
                rs.getLong("seqmin"), rs.getLong("seqmax"), rs.getLong("seqstart"), rs.getBoolean("seqcycle"),
                readable, rs.getBoolean("writable"), excluded, owner, state);
    }

    /** The one row query_to_xml rendered: {@code <row><last_value>5</last_value><is_called>false</is_called></row>}. */
    static SequenceState parseXmlRow(QualifiedName name, String xml) {
        Matcher value = LAST_VALUE.matcher(xml);
        Matcher called = IS_CALLED.matcher(xml);
        if (!value.find() || !called.find()) {
            throw new IllegalStateException("cannot read the state of sequence " + name + " from: " + xml);
        }
        return new SequenceState(Long.parseLong(value.group(1)), Boolean.parseBoolean(called.group(1)));
    }

    /**
     * Without query_to_xml (13 to 17 built without it): one SELECT per uncalled sequence whose value is wanted and
     * was not read (usually few). Returns the round trips taken.
     */
    private static int readUncalledOneByOne(Connection connection, List<CatalogSequence> sequences)
            throws SQLException {
        int trips = 0;
        try (Statement st = connection.createStatement()) {
            for (int i = 0; i < sequences.size(); i++) {
                CatalogSequence s = sequences.get(i);
                if (s.state() != null || !s.readable() || s.excluded()) {
                    continue;
                }
                try (ResultSet rs = st.executeQuery("SELECT last_value, is_called FROM " + s.name().sql())) {
                    trips++;
                    if (rs.next()) {
                        sequences.set(i, new CatalogSequence(s.oid(), s.name(), s.type(), s.increment(), s.minValue(),
                                s.maxValue(), s.startValue(), s.cycle(), s.readable(), s.writable(), s.excluded(),
                                s.ownedBy(), new SequenceState(rs.getLong(1), rs.getBoolean(2))));
                    }
                }
            }
        }
        return trips;
    }
}
