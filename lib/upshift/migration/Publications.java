package upshift.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import upshift.sql.QualifiedName;

/** Publications on the server behind a session, as pg_publication and pg_publication_tables show them. */
public final class Publications {

    private static final String PUBLICATION_TABLES = """
            SELECT DISTINCT schemaname, tablename
              FROM pg_catalog.pg_publication_tables
             WHERE pubname = ANY (?)
             ORDER BY 1, 2
            """;

    private static final String PUBLICATIONS_PRESENT =
            "SELECT pubname FROM pg_catalog.pg_publication WHERE pubname = ANY (?) ORDER BY 1";

    private Publications() {
    }

    /** The tables the given publications publish, as the publisher lists them (partitions by their root). */
    public static List<QualifiedName> tables(Connection publisher, List<String> publications) throws SQLException {
        List<QualifiedName> tables = new ArrayList<>();
        try (PreparedStatement st = publisher.prepareStatement(PUBLICATION_TABLES)) {
            st.setArray(1, publisher.createArrayOf("text", publications.toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    tables.add(new QualifiedName(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return tables;
    }

    /** Which of these publications exist on the server behind the session, by name. */
    public static List<String> existing(Connection publisher, List<String> publications) throws SQLException {
        List<String> found = new ArrayList<>();
        try (PreparedStatement st = publisher.prepareStatement(PUBLICATIONS_PRESENT)) {
            st.setArray(1, publisher.createArrayOf("text", publications.toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getString(1));
                }
            }
        }
        return found;
    }
}
