package upshift.schema;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import upshift.sql.QualifiedName;

/**
 * What logical replication needs to know about a table's keys on one server: its replica identity (the columns a
 * publisher sends to identify an updated or deleted row, and the index a subscriber looks rows up with), its unique
 * indexes, and the columns whose type has no equality operator (a REPLICA IDENTITY FULL lookup compares every
 * column with =, so json, point or xml make the first UPDATE fail).
 *
 * @param table           the table
 * @param identity        pg_class.relreplident: d default (primary key), i index, f full, n nothing
 * @param keyColumns      the identity's columns: the primary key's (d) or the replica identity index's (i); empty
 *                        for f, n, and d without a primary key
 * @param uniqueIndexes   each plain, non-partial unique index: its name, its constraint (or null), its columns
 * @param noEquality      columns whose type has no = operator
 */
public record TableKeys(QualifiedName table, char identity, List<String> keyColumns, List<UniqueIndex> uniqueIndexes,
        List<String> noEquality) {

    /** A unique index (or the constraint behind it). */
    public record UniqueIndex(String index, String constraint, List<String> columns) {
    }

    private static final String TABLES = """
            SELECT n.nspname, c.relname, c.relreplident::text,
                   (SELECT array_agg(a.attname::text ORDER BY k.ord)
                      FROM pg_catalog.pg_index i
                      CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                     WHERE i.indrelid = c.oid
                       AND CASE c.relreplident WHEN 'd' THEN i.indisprimary WHEN 'i' THEN i.indisreplident
                           ELSE false END) AS key_columns,
                   ARRAY(SELECT a.attname::text
                           FROM pg_catalog.pg_attribute a
                           JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
                           JOIN pg_catalog.pg_type bt
                             ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
                           LEFT JOIN pg_catalog.pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A'
                          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                            AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_operator o
                                             WHERE o.oprname = '='
                                               AND o.oprleft = coalesce(et.oid, bt.oid)
                                               AND o.oprright = coalesce(et.oid, bt.oid))
                          ORDER BY a.attnum) AS no_equality
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest(?::text[], ?::text[]))
            """;

    private static final String UNIQUE = """
            SELECT n.nspname, c.relname, ic.relname, con.conname,
                   (SELECT array_agg(a.attname::text ORDER BY k.ord)
                      FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum)
              FROM pg_catalog.pg_index i
              JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
              JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              LEFT JOIN pg_catalog.pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u')
             WHERE i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL AND NOT (0 = ANY (i.indkey::int2[]))
               AND (n.nspname, c.relname) IN (SELECT * FROM unnest(?::text[], ?::text[]))
             ORDER BY 1, 2, 3
            """;

    /** Whether the table sends (or, as a subscriber, needs) only a key: a primary key or identity index. */
    public boolean hasKey() {
        return !keyColumns.isEmpty();
    }

    /** Whether UPDATE and DELETE work on the table once it is published (it has an identity to send). */
    public boolean publishable() {
        return identity == 'f' || hasKey();
    }

    /** The tables' keys on that server; tables it does not have are absent from the map. */
    public static Map<QualifiedName, TableKeys> read(Connection server, List<QualifiedName> tables)
            throws SQLException {
        Map<QualifiedName, List<UniqueIndex>> unique = new HashMap<>();
        try (PreparedStatement st = server.prepareStatement(UNIQUE)) {
            bindTables(server, st, tables);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    unique.computeIfAbsent(new QualifiedName(rs.getString(1), rs.getString(2)), k -> new ArrayList<>())
                            .add(new UniqueIndex(rs.getString(3), rs.getString(4), strings(rs.getArray(5))));
                }
            }
        }
        Map<QualifiedName, TableKeys> keys = new HashMap<>();
        try (PreparedStatement st = server.prepareStatement(TABLES)) {
            bindTables(server, st, tables);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    QualifiedName t = new QualifiedName(rs.getString(1), rs.getString(2));
                    keys.put(t, new TableKeys(t, rs.getString(3).charAt(0), strings(rs.getArray(4)),
                            unique.getOrDefault(t, List.of()), strings(rs.getArray(5))));
                }
            }
        }
        return keys;
    }

    private static void bindTables(Connection server, PreparedStatement st, List<QualifiedName> tables)
            throws SQLException {
        st.setArray(1, server.createArrayOf("text", tables.stream().map(QualifiedName::schema).toArray()));
        st.setArray(2, server.createArrayOf("text", tables.stream().map(QualifiedName::name).toArray()));
    }

    private static List<String> strings(Array array) throws SQLException {
        if (array == null) {
            return List.of();
        }
        return Arrays.stream((Object[]) array.getArray()).map(String::valueOf).toList();
    }
}
