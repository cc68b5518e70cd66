package upshift.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import upshift.sql.QualifiedName;

/** Reads table and column definitions from one server's catalog, for a set of tables, in one round trip. */
public final class Catalog {

    private static final String COLUMNS = """
            SELECT n.nspname, c.relname, a.attname,
                   pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
                   bt.typname AS base_type,
                   CASE WHEN bt.typname IN ('varchar', 'bpchar') AND coalesce(NULLIF(t.typtypmod, -1), a.atttypmod) > 4
                        THEN coalesce(NULLIF(t.typtypmod, -1), a.atttypmod) - 4 ELSE -1 END AS length,
                   a.attnotnull,
                   pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS default_expr,
                   a.attidentity <> '' AS identity,
                   %s AS generated,
                   pg_catalog.col_description(c.oid, a.attnum) AS comment
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
              JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
              JOIN pg_catalog.pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
              LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
             WHERE c.relkind IN ('r', 'p')
               AND (n.nspname, c.relname) IN (SELECT * FROM unnest(?::text[], ?::text[]))
             ORDER BY n.nspname, c.relname, a.attnum
            """;

    private Catalog() {
    }

    /**
     * The columns of each given table that exists on this server, in column order. Tables the server lacks are
     * absent from the map.
     */
    public static Map<QualifiedName, List<Column>> columns(Connection connection, Collection<QualifiedName> tables)
            throws SQLException {
        Map<QualifiedName, List<Column>> result = new LinkedHashMap<>();
        if (tables.isEmpty()) {
            return result;
        }
        String generated = connection.getMetaData().getDatabaseMajorVersion() >= 12
                ? "a.attgenerated <> ''" : "false";
        try (PreparedStatement st = connection.prepareStatement(String.format(COLUMNS, generated))) {
            st.setArray(1, connection.createArrayOf("text", tables.stream().map(QualifiedName::schema).toArray()));
            st.setArray(2, connection.createArrayOf("text", tables.stream().map(QualifiedName::name).toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    QualifiedName table = new QualifiedName(rs.getString(1), rs.getString(2));
                    result.computeIfAbsent(table, k -> new ArrayList<>()).add(new Column(
                            rs.getString("attname"), rs.getString("type"), rs.getString("base_type"),
                            rs.getInt("length"), rs.getBoolean("attnotnull"), rs.getString("default_expr"),
                            rs.getBoolean("identity"), rs.getBoolean("generated"), rs.getString("comment")));
                }
            }
        }
        return result;
    }
}
