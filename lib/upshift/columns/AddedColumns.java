package upshift.columns;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import upshift.migration.MigrationNames;
import upshift.schema.Column;
import upshift.schema.TableDrift;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;

/**
 * The columns add-missing-columns puts on destination tables: origin's type, nullable, origin's default carried
 * over (so rows written on destination after switchover still satisfy origin's NOT NULL when they flow back
 * through rollback replication), and a COMMENT that marks them for drop-added-columns and status.
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
