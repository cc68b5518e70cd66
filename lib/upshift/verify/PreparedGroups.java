package upshift.verify;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One side's group statements, prepared in its session ahead of time ({@link Verification.Planned#warm}), so that
 * running them later, inside a freeze window, does not plan them again. Planning a UNION ALL over hundreds of small
 * tables costs more than counting their rows: at 500 tables of 20 rows on 13 it was about 60 ms of planning against
 * 25 ms of execution per side.
 *
 * <p>{@code PREPARE} then {@code EXPLAIN EXECUTE}: the explain builds and caches the statement's generic plan (it has
 * no parameters, so that plan is the one every EXECUTE uses) without reading a row. A plan the server invalidates in
 * between (an ANALYZE, a DDL on one of the tables) is simply planned again by the EXECUTE; a statement that is gone
 * (the session was replaced) is run as plain SQL. Prepared statements belong to the session: bound to the
 * connection they were prepared on, and deallocated by {@link #release}.
 */
final class PreparedGroups {

    private final Connection connection;
    private final Map<String, String> names = new HashMap<>();

    private PreparedGroups(Connection connection) {
        this.connection = connection;
    }

    /**
     * Prepares each group statement of more than one table on {@code c} (a single table plans quickly) and caches
     * its plan. A statement that cannot be prepared is left out (it is planned when run); a lost session is thrown.
     */
    static PreparedGroups prepare(String role, Connection c, List<String> statements, Verification.Listener listener)
            throws SQLException {
        PreparedGroups prepared = new PreparedGroups(c);
        String prefix = "upshift_verify_" + String.format(Locale.ROOT, "%06x",
                ThreadLocalRandom.current().nextInt(1 << 24));
        try (Statement st = c.createStatement()) {
            for (String sql : statements) {
                String name = prefix + "_" + prepared.names.size();
                String prepare = "PREPARE " + name + " AS " + sql;
                try {
                    listener.statement(role, prepare);
                    st.execute(prepare);
                } catch (SQLException e) {
                    rethrowIfLost(e);
                    continue;
                }
                prepared.names.put(sql, name);
                try {
                    listener.statement(role, "EXPLAIN EXECUTE " + name);
                    st.execute("EXPLAIN EXECUTE " + name);
                } catch (SQLException e) {
                    rethrowIfLost(e); // not planned now: the EXECUTE plans it
                }
            }
        }
        return prepared;
    }

    /** What to send for {@code sql} on {@code c}: EXECUTE of its prepared statement, or the SQL itself. */
    String statement(Connection c, String sql) {
        String name = c == connection ? names.get(sql) : null;
        return name == null ? sql : "EXECUTE " + name;
    }

    /** Whether {@code e} says the prepared statement is not there (then the SQL itself is run). */
    static boolean missing(SQLException e) {
        return "26000".equals(e.getSQLState());
    }

    /** Deallocates the statements (best effort: they end with the session anyway). */
    void release(String role, Verification.Listener listener) {
        if (names.isEmpty()) {
            return;
        }
        String sql = String.join(";\n", names.values().stream().map(n -> "DEALLOCATE " + n).toList());
        listener.statement(role, sql);
        try (Statement st = connection.createStatement()) {
            st.execute(sql); // one round trip
        } catch (SQLException e) {
            // a statement already gone or a session lost: nothing to free
        }
        names.clear();
    }

    private static void rethrowIfLost(SQLException e) throws SQLException {
        if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
            throw e;
        }
    }
}
