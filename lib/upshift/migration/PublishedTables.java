package upshift.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import upshift.sql.QualifiedName;

/** A publication as it exists on a server: its member tables (as added, not expanded) and options. */
public record PublishedTables(String publication, boolean viaPartitionRoot, boolean allTables,
        List<QualifiedName> tables) {

    private static final String PUBLICATION = """
            SELECT p.pubviaroot, p.puballtables
              FROM pg_catalog.pg_publication p
             WHERE p.pubname = ?
            """;

    private static final String MEMBERS = """
            SELECT n.nspname, c.relname
              FROM pg_catalog.pg_publication p
              JOIN pg_catalog.pg_publication_rel r ON r.prpubid = p.oid
              JOIN pg_catalog.pg_class c ON c.oid = r.prrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE p.pubname = ?
             ORDER BY n.nspname, c.relname
            """;

    /** The publication on the server behind the session, if it exists. */
    public static Optional<PublishedTables> read(Connection connection, String publication) throws SQLException {
        boolean viaRoot;
        boolean all;
        try (PreparedStatement st = connection.prepareStatement(PUBLICATION)) {
            st.setString(1, publication);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                viaRoot = rs.getBoolean(1);
                all = rs.getBoolean(2);
            }
        }
        List<QualifiedName> tables = new ArrayList<>();
        try (PreparedStatement st = connection.prepareStatement(MEMBERS)) {
            st.setString(1, publication);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    tables.add(new QualifiedName(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return Optional.of(new PublishedTables(publication, viaRoot, all, tables));
    }
}
