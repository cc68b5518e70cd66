package upshift.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/** Small JDBC helpers the steps share: one value from one query, a table list bound, an error's first line. */
public final class Queries {

    private Queries() {
    }

    /** Binds a table list to the first two parameters, for {@code (schema, name) IN (SELECT * FROM unnest(?, ?))}. */
    public static void bindNames(Connection c, PreparedStatement st, List<QualifiedName> tables) throws SQLException {
        st.setArray(1, c.createArrayOf("text", tables.stream().map(QualifiedName::schema).toArray()));
        st.setArray(2, c.createArrayOf("text", tables.stream().map(QualifiedName::name).toArray()));
    }

    /** The first column of the only row. */
    public static long queryLong(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    public static boolean queryBoolean(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    public static String queryString(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The first column of the first row (null without a row) of {@code sql} with its parameters bound in order. */
    @SuppressWarnings("unchecked")
    public static <T> T single(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? (T) rs.getObject(1) : null;
            }
        }
    }

    /** The first line of a server's error message (its DETAIL and HINT lines follow), or "unknown error". */
    public static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int nl = message.indexOf('\n');
        return nl >= 0 ? message.substring(0, nl) : message;
    }
}
