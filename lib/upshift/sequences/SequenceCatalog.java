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
import upshift.sql.QualifiedName;

/**
 * Reads every sequence of a database with its state in one query, however many there are, up to the server's lock
 * budget (see {@link #batchSize}).
 *
 * <p>A sequence's state lives in the sequence relation itself ({@code SELECT last_value, is_called FROM seq}),
 * which no catalog view exposes completely: {@code pg_sequences.last_value} and
 * {@code pg_sequence_last_value(oid)} are NULL when the sequence is not called, which also happens after
 * {@code setval(v, false)} or {@code ALTER SEQUENCE ... RESTART WITH v}, where v is not the start value. So the
 * query takes {@code pg_sequence_last_value} for called sequences (cheap) and, for the others only, reads the
 * relation through {@code query_to_xml(format('SELECT last_value, is_called FROM %I.%I', ...))}, the one way a
 * plain SELECT can run a query per row; nothing is created or written on the server.
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

    // The innermost query picks one batch of sequences (no locks taken); only then are their states read, so a
    // batch never locks more than its rows.
    private static final String QUERY = """
            SELECT x.*,
                   CASE WHEN x.readable AND NOT x.excluded AND x.called_value IS NULL AND ? AND (? OR NOT x.writable)
                        THEN pg_catalog.query_to_xml(pg_catalog.format('SELECT last_value, is_called FROM %%I.%%I',
                                 x.nspname, x.relname), false, false, '')::pg_catalog.text
                   END AS uncalled_state
              FROM (SELECT y.*,
                           CASE WHEN y.readable AND NOT y.excluded
                                THEN pg_catalog.pg_sequence_last_value(y.oid)
                           END AS called_value
                      FROM (SELECT c.oid::pg_catalog.int8 AS oid, n.nspname, c.relname,
                                   pg_catalog.format_type(s.seqtypid, NULL) AS type,
                                   s.seqincrement, s.seqmin, s.seqmax, s.seqstart, s.seqcycle,
                                   pg_catalog.has_sequence_privilege(c.oid, 'SELECT')
                                       AND pg_catalog.has_schema_privilege(n.oid, 'USAGE') AS readable,
                                   pg_catalog.has_sequence_privilege(c.oid, 'UPDATE') AS writable,
                                   (c.relname LIKE ANY (?::pg_catalog.text[])
                                    OR n.nspname || '.' || c.relname LIKE ANY (?::pg_catalog.text[])) AS excluded,
                                   tn.nspname AS owner_schema, t.relname AS owner_table, a.attname AS owner_column,
                                   %1$s AS batch
                              FROM pg_catalog.pg_class c
                              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                              JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
                              LEFT JOIN pg_catalog.pg_depend d
                                     ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
                                    AND d.objsubid = 0
                                    AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                    AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
                              LEFT JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
                              LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
                              LEFT JOIN pg_catalog.pg_attribute a
                                     ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                             WHERE c.relkind = 'S'
                               AND c.oid::pg_catalog.int8 > ?
                               AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                               AND n.nspname NOT LIKE 'pg\\_toast%%'
                               AND n.nspname NOT LIKE 'pg\\_temp%%'
                             ORDER BY c.oid::pg_catalog.int8
                             LIMIT %1$s) y) x
             ORDER BY x.oid
            """.formatted(BATCH);

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
     * The same; with {@code uncalledStates} false the value of a sequence that is not called (pg_sequence_last_value
     * is NULL) is not read (no per-sequence query) but marked {@link SequenceState#UNCALLED_UNREAD} when the role
     * may write it: {@link SequencePlan#apply} then reads it inside its bulk write. A sequence the role cannot write
     * is still read (its report needs the value, and no write will read it).
     */
    public static Read read(Connection connection, List<String> excludes, boolean uncalledStates) throws SQLException {
        long started = System.nanoTime();
        String[] patterns = excludes.toArray(String[]::new);
        List<CatalogSequence> result = new ArrayList<>();
        int roundTrips = 0;
        int batch = 0;
        boolean xml = true;
        long after = -1;
        while (true) {
            Page page;
            try {
                page = page(connection, patterns, after, xml, uncalledStates);
            } catch (SQLException e) {
                if (!xml || !FEATURE_NOT_SUPPORTED.equals(e.getSQLState()) || !connection.getAutoCommit()) {
                    throw e;
                }
                xml = false; // no query_to_xml on this server: uncalled sequences are read one by one below
                page = page(connection, patterns, after, xml, uncalledStates);
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
        if (!xml) {
            roundTrips += readUncalledOneByOne(connection, result);
        }
        return new Read(List.copyOf(result), batch, roundTrips, (System.nanoTime() - started) / 1e6);
    }

    private record Page(List<CatalogSequence> sequences, int batch) {
    }

    private static Page page(Connection connection, String[] patterns, long after, boolean xml,
            boolean uncalledStates) throws SQLException {
        List<CatalogSequence> sequences = new ArrayList<>();
        int batch = 0;
        try (PreparedStatement st = connection.prepareStatement(QUERY)) {
            st.setBoolean(1, xml);
            st.setBoolean(2, uncalledStates);
            st.setArray(3, connection.createArrayOf("text", patterns));
            st.setArray(4, connection.createArrayOf("text", patterns));
            st.setLong(5, after);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    batch = (int) Math.min(Integer.MAX_VALUE, rs.getLong("batch"));
                    sequences.add(row(rs, uncalledStates));
                }
            }
        }
        return new Page(sequences, batch);
    }

    private static CatalogSequence row(ResultSet rs, boolean uncalledStates) throws SQLException {
        QualifiedName name = new QualifiedName(rs.getString("nspname"), rs.getString("relname"));
        boolean readable = rs.getBoolean("readable");
        boolean excluded = rs.getBoolean("excluded");
        SequenceState state = null;
        long called = rs.getLong("called_value");
        if (!rs.wasNull()) {
            state = new SequenceState(called, true);
        } else if (rs.getString("uncalled_state") != null) {
            state = parseXmlRow(name, rs.getString("uncalled_state"));
        } else if (!uncalledStates && readable && !excluded && rs.getBoolean("writable")) {
            state = SequenceState.UNCALLED_UNREAD;
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

    /** Without query_to_xml: one SELECT per uncalled sequence (usually few). Returns the round trips taken. */
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
