package upshift.preflight;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import upshift.schema.TableDrift.ColumnChange;
import upshift.schema.TypeChange;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;

/**
 * Checks existing origin data against destination columns that hold less than origin's (text → varchar(n),
 * bigint → int, numeric(12,2) → numeric(8,2)): a value that does not fit stops the apply worker at that row.
 * All checked columns of one table are read in one SELECT, so each table is scanned once.
 */
final class DataCheck {

    /** What one column is checked for. */
    enum Kind {
        /** char_length of the text form against varchar(n)/char(n). */
        LENGTH,
        /** Integer values against int2/int4 bounds. */
        INTEGER_RANGE,
        /** Absolute values (rounded to the destination's scale) against numeric(p,s)'s 10^(p-s). */
        NUMERIC_RANGE
    }

    private static final Pattern NUMERIC = Pattern.compile("numeric\\((\\d+),(\\d+)\\)");

    /**
     * One checked column.
     *
     * @param change the column's origin and destination definitions
     * @param kind   what is checked
     * @param lower  INTEGER_RANGE: the destination's lowest value
     * @param upper  LENGTH: n; INTEGER_RANGE: highest value; NUMERIC_RANGE: 10^(p-s), the first value too large
     * @param scale  NUMERIC_RANGE: the destination's scale
     */
    record Probe(ColumnChange change, Kind kind, BigInteger lower, BigInteger upper, int scale) {

        String column() {
            return change.column();
        }

        private String ref() {
            return Sql.ident(change.column());
        }

        /** The condition a row that does not fit meets. */
        String offendingCondition() {
            return switch (kind) {
                case LENGTH -> "pg_catalog.char_length(" + ref() + "::pg_catalog.text) > " + upper;
                case INTEGER_RANGE -> "(" + ref() + " < " + lower + " OR " + ref() + " > " + upper + ")";
                case NUMERIC_RANGE -> "pg_catalog.round(pg_catalog.abs(" + ref() + "::pg_catalog.numeric), " + scale
                        + ") >= " + upper;
            };
        }

        /** The extreme existing value, as text: the longest length, "min .. max", or the largest magnitude. */
        String extremeExpression() {
            return switch (kind) {
                case LENGTH -> "pg_catalog.max(pg_catalog.char_length(" + ref() + "::pg_catalog.text))::pg_catalog.text";
                case INTEGER_RANGE -> "pg_catalog.min(" + ref() + ")::pg_catalog.text || ' .. ' || pg_catalog.max("
                        + ref() + ")::pg_catalog.text";
                case NUMERIC_RANGE -> "pg_catalog.max(pg_catalog.abs(" + ref() + "::pg_catalog.numeric))::pg_catalog.text";
            };
        }

        /** What the destination holds, for a person. */
        String limit() {
            return switch (kind) {
                case LENGTH -> "at most " + upper + " characters";
                case INTEGER_RANGE -> lower + " .. " + upper;
                case NUMERIC_RANGE -> "absolute values below " + upper;
            };
        }

        /** For a numeric destination with fewer decimals than origin: values are rounded, silently. */
        String roundingNote() {
            if (kind != Kind.NUMERIC_RANGE) {
                return "";
            }
            Matcher m = NUMERIC.matcher(change.origin().type());
            boolean integral = change.origin().baseType().startsWith("int");
            if (integral || (m.matches() && Integer.parseInt(m.group(2)) <= scale)) {
                return "";
            }
            return "; digits beyond " + scale + " decimal place(s) are rounded away without an error";
        }

        /** What the extreme value means, for a person. */
        String extremeLabel(String extreme) {
            if (extreme == null) {
                return "no values yet";
            }
            return switch (kind) {
                case LENGTH -> "longest " + extreme + " characters";
                case INTEGER_RANGE -> "values " + extreme;
                case NUMERIC_RANGE -> "largest magnitude " + extreme;
            };
        }
    }

    /** A probe's result. */
    record Outcome(Probe probe, long rows, String extreme, long offending) {
    }

    private DataCheck() {
    }

    /** The probe for a changed column whose existing data must be checked, or empty when the type says enough. */
    static Optional<Probe> probe(ColumnChange change) {
        if (change.change() == TypeChange.LENGTH_CHECK && change.destination().length() >= 0) {
            return Optional.of(new Probe(change, Kind.LENGTH, null,
                    BigInteger.valueOf(change.destination().length()), 0));
        }
        if (change.change() != TypeChange.NARROWING) {
            return Optional.empty();
        }
        switch (change.destination().baseType()) {
            case "int2":
                return Optional.of(new Probe(change, Kind.INTEGER_RANGE, BigInteger.valueOf(Short.MIN_VALUE),
                        BigInteger.valueOf(Short.MAX_VALUE), 0));
            case "int4":
                return Optional.of(new Probe(change, Kind.INTEGER_RANGE, BigInteger.valueOf(Integer.MIN_VALUE),
                        BigInteger.valueOf(Integer.MAX_VALUE), 0));
            case "numeric": {
                Matcher m = NUMERIC.matcher(change.destination().type());
                if (m.matches()) {
                    int precision = Integer.parseInt(m.group(1));
                    int scale = Integer.parseInt(m.group(2));
                    return Optional.of(new Probe(change, Kind.NUMERIC_RANGE, null,
                            BigInteger.TEN.pow(Math.max(0, precision - scale)), scale));
                }
                return Optional.empty();
            }
            default:
                return Optional.empty();
        }
    }

    /**
     * The one SELECT that checks every probe of a table: the row count, then each probe's extreme value and
     * the number of rows that do not fit. {@code only} leaves out inheritance children (ordinary tables);
     * partitioned tables are read with their partitions.
     */
    static String query(QualifiedName table, boolean only, List<Probe> probes) {
        StringBuilder sql = new StringBuilder("SELECT pg_catalog.count(*)");
        for (Probe p : probes) {
            sql.append(",\n       ").append(p.extremeExpression())
                    .append(",\n       pg_catalog.count(*) FILTER (WHERE ").append(p.offendingCondition()).append(')');
        }
        return sql.append("\n  FROM ").append(only ? "ONLY " : "").append(table.sql()).toString();
    }

    /** A query an operator can run in psql on origin to see the rows that do not fit. */
    static String rowsQuery(QualifiedName table, Probe probe) {
        return "SELECT * FROM " + table.sql() + " WHERE " + probe.offendingCondition() + ";";
    }

    /** A query an operator can run in psql on origin to do one check by hand. */
    static String countQuery(QualifiedName table, Probe probe) {
        return "SELECT pg_catalog.count(*) FILTER (WHERE " + probe.offendingCondition() + ") AS offending, "
                + probe.extremeExpression() + " AS extreme FROM " + table.sql() + ";";
    }

    /** Runs the table's query on origin. */
    static List<Outcome> run(Connection origin, QualifiedName table, boolean only, List<Probe> probes)
            throws SQLException {
        List<Outcome> outcomes = new ArrayList<>();
        try (Statement st = origin.createStatement(); ResultSet rs = st.executeQuery(query(table, only, probes))) {
            rs.next();
            long rows = rs.getLong(1);
            for (int i = 0; i < probes.size(); i++) {
                outcomes.add(new Outcome(probes.get(i), rows, rs.getString(2 + 2 * i), rs.getLong(3 + 2 * i)));
            }
        }
        return outcomes;
    }
}
