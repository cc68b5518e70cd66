package upshift.monitor;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import upshift.schema.TableDrift;
import upshift.schema.TableDrift.ColumnChange;
import upshift.schema.TypeChange;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;

/**
 * Whether the publisher holds values the subscriber's narrower column rejects: text longer than varchar(n), or
 * integers beyond int/smallint. Each check is one bounded query on the publisher (it stops at the first value that
 * does not fit, and gives up after {@link #TIMEOUT_SECONDS}); a check that cannot finish says so.
 */
public final class ValueCheck {

    static final int TIMEOUT_SECONDS = 10;
    static final int MAX_CHECKS = 20;

    private static final Map<String, long[]> INTEGER_RANGE = Map.of(
            "int2", new long[] {Short.MIN_VALUE, Short.MAX_VALUE},
            "int4", new long[] {Integer.MIN_VALUE, Integer.MAX_VALUE});

    /**
     * One column checked.
     *
     * @param fits   true: every value fits; false: at least one does not; null: not checked or not finished
     * @param query  the query that answers it, for the operator to run by hand
     */
    public record Result(QualifiedName table, String column, TypeChange change, String originType,
            String destinationType, Boolean fits, String query) {
    }

    private ValueCheck() {
    }

    /** The query that finds a value that does not fit, or null when upshift has none for this change. */
    static String query(QualifiedName table, ColumnChange c) {
        String column = Sql.ident(c.column());
        String condition;
        if (c.change() == TypeChange.LENGTH_CHECK && c.destination().length() >= 0) {
            condition = "char_length(" + column + "::text) > " + c.destination().length();
        } else if (c.change() == TypeChange.NARROWING && INTEGER_RANGE.containsKey(c.destination().baseType())) {
            long[] range = INTEGER_RANGE.get(c.destination().baseType());
            condition = column + " NOT BETWEEN " + range[0] + " AND " + range[1];
        } else {
            return null;
        }
        return "SELECT EXISTS (SELECT 1 FROM " + table.sql() + " WHERE " + condition + ")";
    }

    /** The columns whose values may not fit, each checked on the publisher when {@code run} is set. */
    public static List<Result> check(Connection publisher, List<TableDrift> drifts, boolean run) {
        List<Result> results = new ArrayList<>();
        int checked = 0;
        for (TableDrift drift : drifts) {
            for (ColumnChange c : drift.changes()) {
                if (c.change() != TypeChange.LENGTH_CHECK && c.change() != TypeChange.NARROWING) {
                    continue;
                }
                String query = query(drift.table(), c);
                Boolean fits = null;
                if (run && query != null && checked < MAX_CHECKS) {
                    checked++;
                    fits = runCheck(publisher, query);
                }
                results.add(new Result(drift.table(), c.column(), c.change(), c.origin().type(),
                        c.destination().type(), fits, query));
            }
        }
        return results;
    }

    /** Runs a {@code SELECT EXISTS (...)} that finds a bad value: true when none is found, null when unfinished. */
    static Boolean runCheck(Connection publisher, String query) {
        try (Statement st = publisher.createStatement()) {
            st.setQueryTimeout(TIMEOUT_SECONDS);
            try (ResultSet rs = st.executeQuery(query)) {
                return rs.next() ? !rs.getBoolean(1) : null;
            }
        } catch (SQLException e) {
            return null;
        }
    }
}
