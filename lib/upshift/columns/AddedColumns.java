package upshift.columns;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import upshift.UpshiftException;
import upshift.connect.Cluster;

import upshift.migration.MigrationNames;
import upshift.schema.Column;
import upshift.schema.TableDrift;
import upshift.sql.QualifiedName;
import upshift.sql.Queries;
import upshift.sql.Sql;

/**
 * The columns add-missing-columns puts on destination tables: origin's type, nullable, origin's default carried
 * over or the operator's --default (so rows written on destination after switchover still satisfy origin's NOT NULL
 * when they flow back through rollback replication), and a COMMENT that marks them for drop-added-columns and
 * status.
 */
public final class AddedColumns {

    private static final String MARKER_PREFIX = "upshift: added by add-missing-columns for migration ";

    private static final String MARKED = """
            SELECT n.nspname, c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
                   pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attnotnull
              FROM pg_catalog.pg_attribute a
              JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE a.attnum > 0 AND NOT a.attisdropped
               AND c.relkind IN ('r', 'p')
               AND pg_catalog.col_description(c.oid, a.attnum) = ?
             ORDER BY n.nspname, c.relname, a.attnum
            """;

    private static final String STORED_DEFAULT = """
            SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid)
              FROM pg_catalog.pg_attribute a
              JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE a.attrelid = ?::regclass AND a.attname = ? AND NOT a.attisdropped
            """;

    private AddedColumns() {
    }

    /** The comment that marks a column as added for this migration. */
    public static String marker(MigrationNames names) {
        return MARKER_PREFIX + names.name() + "; remove with drop-added-columns";
    }

    /** The columns to add: every origin column a destination table lacks (generated columns are not sent). */
    public static List<AddedColumn> plan(List<TableDrift> drifts) {
        List<AddedColumn> plan = new ArrayList<>();
        for (TableDrift drift : drifts) {
            if (!drift.onDestination()) {
                continue;
            }
            for (Column c : drift.missingOnDestination()) {
                String carried = c.defaultExpr() != null && !c.defaultUsesSequence() && !c.identity()
                        ? c.defaultExpr() : null;
                plan.add(new AddedColumn(drift.table(), c.name(), c.type(), carried, c.notNull()));
            }
        }
        return plan;
    }

    /** ALTER TABLE ... ADD COLUMN IF NOT EXISTS and its marking COMMENT, for each column. */
    public static List<String> statements(List<AddedColumn> columns, MigrationNames names) {
        List<String> statements = new ArrayList<>();
        for (AddedColumn c : columns) {
            String column = Sql.ident(c.column());
            statements.add("ALTER TABLE " + c.table().sql() + " ADD COLUMN IF NOT EXISTS " + column + " " + c.type()
                    + (c.defaultExpr() != null ? " DEFAULT " + c.defaultExpr() : ""));
            statements.add("COMMENT ON COLUMN " + c.table().sql() + "." + column + " IS "
                    + Sql.literal(marker(names)));
        }
        return statements;
    }

    /** ALTER TABLE ... ALTER COLUMN ... SET DEFAULT, for a --default (on a column added now or before). */
    public static String setDefault(ColumnDefault d) {
        return "ALTER TABLE " + d.table().sql() + " ALTER COLUMN " + Sql.ident(d.column()) + " SET DEFAULT "
                + d.expression();
    }

    /**
     * Lets the destination check the --default expressions: runs the statements in one transaction, reads the
     * default each --default leaves (as the server stores it), and rolls back. A statement of a --default that
     * fails is a usage error (exit 2) naming it, with the server's message.
     *
     * @param bySql the --default each statement carries (statements not in it carry none)
     * @return the stored default expression per --default
     */
    public static Map<ColumnDefault, String> check(Cluster destination, List<String> statements,
            Map<String, ColumnDefault> bySql) {
        Connection c = destination.connection();
        Map<ColumnDefault, String> results = new LinkedHashMap<>();
        try {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                for (String sql : statements) {
                    try {
                        st.execute(sql);
                    } catch (SQLException e) {
                        ColumnDefault d = bySql.get(sql);
                        if (d != null) {
                            throw UpshiftException.usage("invalid --default for " + d.target() + ": "
                                    + Queries.firstLine(e.getMessage()), "--default takes one SQL expression of the column's"
                                    + " type, e.g. false, 0, '' or now()");
                        }
                        throw new UpshiftException("on destination, cannot check the --default values: "
                                + Queries.firstLine(e.getMessage()), "run again with -v to see every statement", e);
                    }
                }
            }
            try (PreparedStatement st = c.prepareStatement(STORED_DEFAULT)) {
                for (ColumnDefault d : bySql.values()) {
                    st.setString(1, d.table().sql());
                    st.setString(2, d.column());
                    try (ResultSet rs = st.executeQuery()) {
                        results.put(d, rs.next() ? rs.getString(1) : null);
                    }
                }
            }
            return results;
        } catch (SQLException e) {
            throw new UpshiftException("on destination, cannot check the --default values: "
                    + Queries.firstLine(e.getMessage()), "run again with -v to see every statement", e);
        } finally {
            try {
                c.rollback();
                c.setAutoCommit(true);
            } catch (SQLException ignored) {
                // a broken session: the server rolls back on its own, the next use reports it
            }
        }
    }

    /** The columns on this server marked as added for this migration. */
    public static List<AddedColumn> marked(Connection destination, MigrationNames names) throws SQLException {
        List<AddedColumn> found = new ArrayList<>();
        try (PreparedStatement st = destination.prepareStatement(MARKED)) {
            st.setString(1, marker(names));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    found.add(new AddedColumn(new QualifiedName(rs.getString(1), rs.getString(2)), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getBoolean(6)));
                }
            }
        }
        return found;
    }
}
