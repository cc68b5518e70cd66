package upshift.schema;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import upshift.sql.QualifiedName;

/**
 * Reads the full type definition of every column of a set of tables from one server's catalog (separately from
 * {@link Catalog}, whose {@link Column} stays as it is): enum labels, domain base types, CHECK constraints and NOT
 * NULL, array element types, composite attributes and range subtypes, and whether the column is generated.
 */
public final class ColumnTypes {

    /**
     * One column's type.
     *
     * @param column    the column name
     * @param type      its type definition
     * @param generated a stored generated column
     */
    public record ColumnType(String column, TypeDefinition type, boolean generated) {
    }

    private static final String COLUMNS = """
            SELECT n.nspname, c.relname, a.attname, a.atttypid,
                   pg_catalog.format_type(a.atttypid, a.atttypmod) AS format,
                   CASE WHEN t.typelem <> 0 AND t.typlen = -1
                        THEN pg_catalog.format_type(t.typelem, a.atttypmod) END AS element_format,
                   a.attgenerated <> '' AS generated
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
              JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
             WHERE c.relkind IN ('r', 'p')
               AND (n.nspname, c.relname) IN (SELECT * FROM unnest(?::text[], ?::text[]))
             ORDER BY n.nspname, c.relname, a.attnum
            """;

    /** Every type reachable from the given ones through array elements and domain bases. */
    private static final String TYPES = """
            WITH RECURSIVE reach(oid) AS (
                SELECT unnest(?::oid[])
                UNION
                SELECT x FROM reach r
                  JOIN pg_catalog.pg_type t ON t.oid = r.oid
                 CROSS JOIN LATERAL (VALUES (t.typbasetype),
                                            (CASE WHEN t.typlen = -1 THEN t.typelem ELSE 0 END)) v(x)
                 WHERE x <> 0)
            SELECT t.oid, n.nspname, t.typname, t.typtype,
                   CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN t.typelem ELSE 0 END AS element,
                   CASE WHEN t.typelem <> 0 AND t.typlen = -1
                        THEN pg_catalog.format_type(t.typelem, NULL) END AS element_format,
                   t.typbasetype,
                   CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END AS base_format,
                   t.typnotnull,
                   ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
                          WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels,
                   ARRAY(SELECT pg_catalog.pg_get_constraintdef(k.oid) FROM pg_catalog.pg_constraint k
                          WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname) AS checks,
                   CASE t.typtype
                        WHEN 'c' THEN (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname) || ' '
                                                  || pg_catalog.format_type(a.atttypid, a.atttypmod), ', '
                                                  ORDER BY a.attnum)
                                         FROM pg_catalog.pg_attribute a
                                        WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped)
                        WHEN 'r' THEN (SELECT pg_catalog.format_type(r.rngsubtype, NULL)
                                         FROM pg_catalog.pg_range r WHERE r.rngtypid = t.oid)
                   END AS detail
              FROM reach
              JOIN pg_catalog.pg_type t ON t.oid = reach.oid
              JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
            """;

    private record Row(String schema, String name, char kind, long element, String elementFormat, long base,
            String baseFormat, boolean notNull, List<String> labels, List<String> checks, String detail) {
    }

    private ColumnTypes() {
    }

    /** The columns' types of each given table the server has, in column order; absent tables are left out. */
    public static Map<QualifiedName, Map<String, ColumnType>> read(Connection connection,
            Collection<QualifiedName> tables) throws SQLException {
        Map<QualifiedName, Map<String, ColumnType>> result = new LinkedHashMap<>();
        if (tables.isEmpty()) {
            return result;
        }
        record Raw(QualifiedName table, String column, long oid, String format, String elementFormat,
                boolean generated) {
        }
        List<Raw> raws = new java.util.ArrayList<>();
        try (PreparedStatement st = connection.prepareStatement(COLUMNS)) {
            st.setArray(1, connection.createArrayOf("text", tables.stream().map(QualifiedName::schema).toArray()));
            st.setArray(2, connection.createArrayOf("text", tables.stream().map(QualifiedName::name).toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    raws.add(new Raw(new QualifiedName(rs.getString(1), rs.getString(2)), rs.getString(3),
                            rs.getLong(4), rs.getString(5), rs.getString(6), rs.getBoolean(7)));
                }
            }
        }
        Map<Long, Row> types = new HashMap<>();
        try (PreparedStatement st = connection.prepareStatement(TYPES)) {
            st.setArray(1, connection.createArrayOf("oid", raws.stream().map(Raw::oid).distinct().toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    types.put(rs.getLong("oid"), new Row(rs.getString("nspname"), rs.getString("typname"),
                            rs.getString("typtype").charAt(0), rs.getLong("element"), rs.getString("element_format"),
                            rs.getLong("typbasetype"), rs.getString("base_format"), rs.getBoolean("typnotnull"),
                            strings(rs.getArray("labels")), strings(rs.getArray("checks")), rs.getString("detail")));
                }
            }
        }
        for (Raw raw : raws) {
            result.computeIfAbsent(raw.table(), k -> new LinkedHashMap<>()).put(raw.column(), new ColumnType(
                    raw.column(), define(types, raw.oid(), raw.format(), raw.elementFormat(), 0), raw.generated()));
        }
        return result;
    }

    private static TypeDefinition define(Map<Long, Row> types, long oid, String format, String elementFormat,
            int depth) {
        Row row = types.get(oid);
        if (row == null || depth > 20) {
            return new TypeDefinition(format, null, format, 'b', null, null, List.of(), List.of(), false, null);
        }
        TypeDefinition element = row.element() == 0 ? null
                : define(types, row.element(), elementFormat != null ? elementFormat : row.elementFormat(), null,
                        depth + 1);
        TypeDefinition base = row.kind() == 'd' && row.base() != 0
                ? define(types, row.base(), row.baseFormat(), null, depth + 1) : null;
        return new TypeDefinition(format, row.schema(), row.name(), row.kind(), element, base, row.labels(),
                row.checks(), row.notNull(), row.detail());
    }

    private static List<String> strings(Array array) throws SQLException {
        if (array == null) {
            return List.of();
        }
        return Arrays.stream((Object[]) array.getArray()).map(String::valueOf).toList();
    }
}
