package upshift.preflight;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import upshift.schema.Conversion;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;

/**
 * Counts, on origin, the rows whose values a column conversion rejects or changes ({@link Conversion}'s
 * conditions), with the extreme value and two example keys of each, for all checked columns of a table in one
 * SELECT, so that each table is scanned once. A condition that may raise an error (a domain CHECK, a generic
 * conversion) is isolated when the scan fails, so the error names its column.
 */
final class DataCheck {

    /**
     * One checked column.
     *
     * @param column          the column name
     * @param originType      origin's type, for messages
     * @param destinationType destination's type, for messages
     * @param conversion      the conversion and its conditions
     */
    record Probe(String column, String originType, String destinationType, Conversion conversion) {

        private String ref() {
            return Sql.ident(column);
        }

        /** The condition a row the destination rejects meets. */
        String failing() {
            Conversion c = conversion;
            return "CASE WHEN " + ref() + " IS NULL THEN " + c.nullFails() + " ELSE "
                    + (c.failsWhen() == null ? "false" : c.failsWhen()) + " END";
        }

        /** The condition a row whose value changes meets (and is not rejected). */
        String changing() {
            Conversion c = conversion;
            return "CASE WHEN " + ref() + " IS NULL THEN false"
                    + (c.failsWhen() == null ? "" : " WHEN " + c.failsWhen() + " THEN false")
                    + " ELSE " + (c.changesWhen() == null ? "false" : c.changesWhen()) + " END";
        }

        boolean checksFailures() {
            return conversion.failsWhen() != null || conversion.nullFails();
        }

        boolean checksChanges() {
            return conversion.changesWhen() != null;
        }

        String types() {
            return originType + " → " + destinationType;
        }
    }

    /**
     * A probe's result.
     *
     * @param rows          the table's row count
     * @param extreme       the extreme value, or null
     * @param failing       rows rejected
     * @param failingKeys   up to two example keys of rejected rows
     * @param changing      rows whose value changes
     * @param changingKeys  up to two example keys of changed rows
     * @param error         the error the conditions raised on origin (then the counts are 0), or null
     * @param errorState    its SQLSTATE
     */
    record Outcome(Probe probe, long rows, String extreme, long failing, List<String> failingKeys, long changing,
            List<String> changingKeys, String error, String errorState) {
    }

    /**
     * How a row is named in examples: the primary key or replica identity columns, else ctid.
     *
     * @param columns the key columns (empty: ctid)
     * @param integral whether the only key column is an integer, so that min and max are numeric
     */
    record Key(List<String> columns, boolean integral) {

        String expression() {
            if (columns.isEmpty()) {
                return "ctid::pg_catalog.text";
            }
            if (columns.size() == 1) {
                return integral ? Sql.ident(columns.get(0)) : Sql.ident(columns.get(0)) + "::pg_catalog.text";
            }
            return "ARRAY[" + String.join(", ", columns.stream().map(c -> Sql.ident(c) + "::pg_catalog.text")
                    .toList()) + "]";
        }

        String label() {
            if (columns.isEmpty()) {
                return "ctid";
            }
            return columns.size() == 1 ? columns.get(0) : "(" + String.join(", ", columns) + ")";
        }
    }

    private DataCheck() {
    }

    /**
     * The one SELECT that checks every probe of a table: the row count, then per probe its extreme value, the
     * rejected rows' count and example keys, and the changed rows' count and example keys. {@code only} leaves out
     * inheritance children (ordinary tables); partitioned tables are read with their partitions.
     */
    static String query(QualifiedName table, boolean only, Key key, List<Probe> probes) {
        StringBuilder sql = new StringBuilder("SELECT pg_catalog.count(*)");
        String k = key.expression();
        for (Probe p : probes) {
            Conversion.Extreme extreme = p.conversion().extreme();
            sql.append(",\n       ").append(extreme == null ? "NULL::pg_catalog.text" : extreme.sql());
            for (String condition : List.of(p.checksFailures() ? p.failing() : "false",
                    p.checksChanges() ? p.changing() : "false")) {
                String filter = " FILTER (WHERE " + condition + ")";
                sql.append(",\n       pg_catalog.count(*)").append(filter)
                        .append(",\n       pg_catalog.min(").append(k).append(')').append(filter)
                        .append("::pg_catalog.text, pg_catalog.max(").append(k).append(')').append(filter)
                        .append("::pg_catalog.text");
            }
        }
        return sql.append("\n  FROM ").append(only ? "ONLY " : "").append(table.sql()).toString();
    }

    /** A query an operator can run in psql on origin to see the rows a condition names. */
    static String rowsQuery(QualifiedName table, String condition) {
        return "SELECT * FROM " + table.sql() + " WHERE " + condition + ";";
    }

    /** A query an operator can run in psql on origin to count them. */
    static String countQuery(QualifiedName table, String condition) {
        return "SELECT pg_catalog.count(*) FROM " + table.sql() + " WHERE " + condition + ";";
    }

    /**
     * Runs the table's query on origin. When it fails and some probes are fragile, the others are run together
     * and each fragile one alone, so that an error is reported for its column only; other errors are thrown.
     */
    static List<Outcome> run(Connection origin, QualifiedName table, boolean only, Key key, List<Probe> probes)
            throws SQLException {
        try {
            return runOnce(origin, table, only, key, probes);
        } catch (SQLException e) {
            if (SchemaChecks.QUERY_CANCELED.equals(e.getSQLState())
                    || SchemaChecks.INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())
                    || probes.stream().noneMatch(p -> p.conversion().fragile())) {
                throw e;
            }
        }
        List<Outcome> outcomes = new ArrayList<>();
        List<Probe> sturdy = probes.stream().filter(p -> !p.conversion().fragile()).toList();
        if (!sturdy.isEmpty()) {
            outcomes.addAll(runOnce(origin, table, only, key, sturdy));
        }
        for (Probe p : probes) {
            if (!p.conversion().fragile()) {
                continue;
            }
            try {
                outcomes.addAll(runOnce(origin, table, only, key, List.of(p)));
            } catch (SQLException e) {
                if (SchemaChecks.QUERY_CANCELED.equals(e.getSQLState())
                        || SchemaChecks.INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
                    throw e;
                }
                outcomes.add(new Outcome(p, -1, null, 0, List.of(), 0, List.of(), firstLine(e.getMessage()),
                        e.getSQLState()));
            }
        }
        return outcomes;
    }

    private static List<Outcome> runOnce(Connection origin, QualifiedName table, boolean only, Key key,
            List<Probe> probes) throws SQLException {
        List<Outcome> outcomes = new ArrayList<>();
        try (Statement st = origin.createStatement();
                ResultSet rs = st.executeQuery(query(table, only, key, probes))) {
            rs.next();
            long rows = rs.getLong(1);
            int i = 2;
            for (Probe p : probes) {
                String extreme = rs.getString(i++);
                long failing = rs.getLong(i++);
                List<String> failingKeys = keys(rs.getString(i++), rs.getString(i++));
                long changing = rs.getLong(i++);
                List<String> changingKeys = keys(rs.getString(i++), rs.getString(i++));
                outcomes.add(new Outcome(p, rows, extreme, failing, failingKeys, changing, changingKeys, null, null));
            }
        }
        return outcomes;
    }

    private static List<String> keys(String min, String max) {
        if (min == null) {
            return List.of();
        }
        return max == null || max.equals(min) ? List.of(min) : List.of(min, max);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "error";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
