package upshift.preflight;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import upshift.sql.QualifiedName;

/** Small JDBC helpers the checks share. */
final class Queries {

    private Queries() {
    }

    /** Binds a table list to the first two parameters, for {@code (schema, name) IN (SELECT * FROM unnest(?, ?))}. */
    static void bindNames(Connection c, PreparedStatement st, List<QualifiedName> tables) throws SQLException {
        st.setArray(1, c.createArrayOf("text", tables.stream().map(QualifiedName::schema).toArray()));
        st.setArray(2, c.createArrayOf("text", tables.stream().map(QualifiedName::name).toArray()));
    }

    /** The first column of the only row. */
    static long queryLong(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static boolean queryBoolean(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    static String queryString(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
