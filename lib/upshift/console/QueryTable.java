package upshift.console;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import upshift.report.Table;

/**
 * One statement typed in the console, run on one session, its results as psql's aligned format shows them: a
 * {@link Table} per result set with a {@code (n rows)} footer, or the number of rows a command changed.
 */
public final class QueryTable {

    /** Rows shown per result set; the rest are counted, not fetched. */
    public static final int MAX_ROWS = 1000;

    /**
     * One result of the statement.
     *
     * @param table       the rows, or null when the statement returned no result set
     * @param rows        rows shown
     * @param more        true when the result had more than the rows shown
     * @param updateCount rows changed by a command (null for a result set)
     */
    public record Result(Table table, int rows, boolean more, Long updateCount) {

        /** psql's footer: {@code (3 rows)}; for a command, how many rows it changed. */
        public String footer() {
            if (table == null) {
                return updateCount == null || updateCount < 0 ? "OK" : "OK, " + updateCount
                        + (updateCount == 1 ? " row" : " rows") + " affected";
            }
            return more ? String.format(Locale.ROOT, "(more than %d rows; the first %d shown)", rows, rows)
                    : "(" + rows + (rows == 1 ? " row" : " rows") + ")";
        }
    }

    private QueryTable() {
    }

    /** Runs {@code sql} with {@code parameters} bound to its {@code ?} placeholders and returns every result. */
    public static List<Result> run(Connection connection, String sql, int maxRows, Object... parameters)
            throws SQLException {
        List<Result> results = new ArrayList<>();
        try (PreparedStatement st = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                st.setObject(i + 1, parameters[i]);
            }
            st.setMaxRows(maxRows + 1);
            boolean isResultSet = st.execute();
            while (true) {
                if (isResultSet) {
                    try (ResultSet rs = st.getResultSet()) {
                        results.add(table(rs, maxRows));
                    }
                } else {
                    long count = st.getLargeUpdateCount();
                    if (count == -1) {
                        break;
                    }
                    results.add(new Result(null, 0, false, count));
                }
                isResultSet = st.getMoreResults();
            }
        }
        return results;
    }

    static Result table(ResultSet rs, int maxRows) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        String[] headers = new String[meta.getColumnCount()];
        for (int c = 0; c < headers.length; c++) {
            headers[c] = meta.getColumnLabel(c + 1);
        }
        Table table = Table.of(headers);
        int rows = 0;
        boolean more = false;
        while (rs.next()) {
            if (rows == maxRows) {
                more = true;
                break;
            }
            Object[] cells = new Object[headers.length];
            for (int c = 0; c < cells.length; c++) {
                cells[c] = cell(rs.getString(c + 1));
            }
            table.row(cells);
            rows++;
        }
        return new Result(table, rows, more, null);
    }

    /** A value on one line: NULL prints empty (as in psql), line breaks as \n. */
    static String cell(String value) {
        return value == null ? null : value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\t", "\\t");
    }
}
