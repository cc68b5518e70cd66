package upshift.generate;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import upshift.schema.Catalog;
import upshift.schema.Column;
import upshift.schema.TableKeys;
import upshift.sql.QualifiedName;

/**
 * What the data generator knows of one database: its user tables (not partitions, not tables of extensions), their
 * columns ({@link Catalog}), keys and unique indexes ({@link TableKeys}), foreign keys, CHECK constraints and the
 * full tree of every column type (arrays, domains, enums, composites, ranges), read from the catalog only.
 */
public final class SchemaModel {

    /** One type as pg_type describes it; {@code typmod} of a domain is its own (typtypmod). */
    public record Type(long oid, String schema, String name, char kind, long element, long base, int baseTypmod,
            boolean notNull, List<String> labels, List<String> checks, List<Attribute> attributes, long subtype,
            String format) {
    }

    /** A composite type's attribute. */
    public record Attribute(String name, long type, int typmod) {
    }

    /** A generated column: its catalog description plus type oid and modifier. */
    public record Col(Column column, long type, int typmod) {
        public String name() {
            return column.name();
        }
    }

    /** A foreign key: {@code columns} of the table reference {@code refColumns} of {@code parent}. */
    public record ForeignKey(String name, List<String> columns, QualifiedName parent, List<String> refColumns,
            boolean deferrable) {
    }

    /**
     * One table. {@code unique}: the column lists of the primary key, every unique index and every exclusion
     * constraint.
     */
    public record Table(QualifiedName name, List<Col> columns, List<String> primaryKey, List<List<String>> unique,
            List<ForeignKey> foreignKeys, List<String> checks) {

        public Col column(String column) {
            return columns.stream().filter(c -> c.name().equals(column)).findFirst().orElse(null);
        }

        /** Columns the generator fills: not generated, not identity, not filled by a sequence. */
        public List<Col> filled() {
            return columns.stream().filter(c -> !c.column().generated() && !c.column().identity()
                    && !c.column().defaultUsesSequence()).toList();
        }
    }

    private static final String TABLES = """
            SELECT n.nspname, c.relname
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
               AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                                WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                                  AND d.deptype = 'e')
             ORDER BY 1, 2
            """;

    private static final String COLUMN_TYPES = """
            SELECT n.nspname, c.relname, a.attname, a.atttypid::int8, a.atttypmod
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest(?::text[], ?::text[]))
            """;

    private static final String CONSTRAINTS = """
            SELECT n.nspname, c.relname, k.conname, k.contype::text, k.condeferrable,
                   pn.nspname, p.relname,
                   ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(attnum, ord)
                           JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
                          ORDER BY u.ord),
                   ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(attnum, ord)
                           JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum
                          ORDER BY u.ord),
                   pg_catalog.pg_get_constraintdef(k.oid)
              FROM pg_catalog.pg_constraint k
              JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              LEFT JOIN pg_catalog.pg_class p ON p.oid = k.confrelid
              LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
             WHERE k.contype IN ('f', 'c', 'x')
               AND (n.nspname, c.relname) IN (SELECT * FROM unnest(?::text[], ?::text[]))
             ORDER BY k.conname
            """;

    /** Every type reachable from the given ones through array elements, domain bases, attributes, subtypes. */
    private static final String TYPES = """
            WITH RECURSIVE reach(oid) AS (
                SELECT unnest(?::oid[])
                UNION
                SELECT x FROM reach r
                  JOIN pg_catalog.pg_type t ON t.oid = r.oid
                 CROSS JOIN LATERAL (
                     SELECT t.typbasetype
                     UNION ALL SELECT CASE WHEN t.typlen = -1 THEN t.typelem ELSE 0 END
                     UNION ALL SELECT a.atttypid FROM pg_catalog.pg_attribute a
                                WHERE t.typtype = 'c' AND a.attrelid = t.typrelid AND a.attnum > 0
                                  AND NOT a.attisdropped
                     UNION ALL SELECT g.rngsubtype FROM pg_catalog.pg_range g WHERE g.rngtypid = t.oid) v(x)
                 WHERE x <> 0)
            SELECT t.oid::int8, n.nspname, t.typname, t.typtype::text,
                   CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN t.typelem ELSE 0 END::int8 AS element,
                   t.typbasetype::int8, t.typtypmod, t.typnotnull,
                   ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
                          WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels,
                   ARRAY(SELECT pg_catalog.pg_get_constraintdef(k.oid) FROM pg_catalog.pg_constraint k
                          WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname) AS checks,
                   ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
                          WHERE t.typtype = 'c' AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
                          ORDER BY a.attnum) AS attnames,
                   ARRAY(SELECT a.atttypid::int8 FROM pg_catalog.pg_attribute a
                          WHERE t.typtype = 'c' AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
                          ORDER BY a.attnum) AS atttypes,
                   ARRAY(SELECT a.atttypmod FROM pg_catalog.pg_attribute a
                          WHERE t.typtype = 'c' AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
                          ORDER BY a.attnum) AS atttypmods,
                   coalesce((SELECT g.rngsubtype FROM pg_catalog.pg_range g WHERE g.rngtypid = t.oid), 0)::int8,
                   pg_catalog.format_type(t.oid, NULL)
              FROM reach JOIN pg_catalog.pg_type t ON t.oid = reach.oid
              JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
            """;

    private final Map<QualifiedName, Table> tables;
    private final Map<Long, Type> types;

    private SchemaModel(Map<QualifiedName, Table> tables, Map<Long, Type> types) {
        this.tables = tables;
        this.types = types;
    }

    /** The user tables of the session's database. */
    public static List<QualifiedName> userTables(Connection c) throws SQLException {
        List<QualifiedName> result = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(TABLES)) {
            while (rs.next()) {
                result.add(new QualifiedName(rs.getString(1), rs.getString(2)));
            }
        }
        return result;
    }

    /** Reads the model of every user table of the session's database. */
    public static SchemaModel read(Connection c) throws SQLException {
        return read(c, userTables(c));
    }

    public static SchemaModel read(Connection c, List<QualifiedName> names) throws SQLException {
        Map<QualifiedName, List<Column>> columns = Catalog.columns(c, names);
        Map<QualifiedName, TableKeys> keys = TableKeys.read(c, names);
        Map<QualifiedName, Map<String, long[]>> typeOf = new HashMap<>();
        Set<Long> typeIds = new LinkedHashSet<>();
        try (PreparedStatement st = c.prepareStatement(COLUMN_TYPES)) {
            bind(c, st, names);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    typeOf.computeIfAbsent(new QualifiedName(rs.getString(1), rs.getString(2)), k -> new HashMap<>())
                            .put(rs.getString(3), new long[] {rs.getLong(4), rs.getInt(5)});
                    typeIds.add(rs.getLong(4));
                }
            }
        }
        Map<QualifiedName, List<ForeignKey>> fks = new HashMap<>();
        Map<QualifiedName, List<String>> checks = new HashMap<>();
        // an exclusion constraint's columns are filled as a unique key's: injective in the row's ordinal, and a
        // range disjoint from every other row's, which satisfies = and && alike
        Map<QualifiedName, List<List<String>>> exclusions = new HashMap<>();
        try (PreparedStatement st = c.prepareStatement(CONSTRAINTS)) {
            bind(c, st, names);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    QualifiedName table = new QualifiedName(rs.getString(1), rs.getString(2));
                    if (rs.getString(4).equals("f")) {
                        fks.computeIfAbsent(table, k -> new ArrayList<>()).add(new ForeignKey(rs.getString(3),
                                strings(rs.getArray(8)), new QualifiedName(rs.getString(6), rs.getString(7)),
                                strings(rs.getArray(9)), rs.getBoolean(5)));
                    } else if (rs.getString(4).equals("x")) {
                        List<String> excluded = strings(rs.getArray(8));
                        if (!excluded.isEmpty()) {
                            exclusions.computeIfAbsent(table, k -> new ArrayList<>()).add(excluded);
                        }
                    } else {
                        checks.computeIfAbsent(table, k -> new ArrayList<>()).add(rs.getString(10));
                    }
                }
            }
        }
        Map<Long, Type> types = new HashMap<>();
        try (PreparedStatement st = c.prepareStatement(TYPES)) {
            st.setArray(1, c.createArrayOf("int8", typeIds.toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    List<String> attNames = strings(rs.getArray("attnames"));
                    List<Long> attTypes = longs(rs.getArray("atttypes"));
                    List<Long> attMods = longs(rs.getArray("atttypmods"));
                    List<Attribute> attributes = new ArrayList<>();
                    for (int i = 0; i < attNames.size(); i++) {
                        attributes.add(new Attribute(attNames.get(i), attTypes.get(i), attMods.get(i).intValue()));
                    }
                    types.put(rs.getLong(1), new Type(rs.getLong(1), rs.getString(2), rs.getString(3),
                            rs.getString(4).charAt(0), rs.getLong(5), rs.getLong(6), rs.getInt(7), rs.getBoolean(8),
                            strings(rs.getArray("labels")), strings(rs.getArray("checks")), attributes,
                            rs.getLong(14), rs.getString(15)));
                }
            }
        }
        Map<QualifiedName, Table> tables = new LinkedHashMap<>();
        for (QualifiedName name : names) {
            List<Column> cols = columns.get(name);
            if (cols == null) {
                continue;
            }
            Map<String, long[]> t = typeOf.getOrDefault(name, Map.of());
            List<Col> described = cols.stream().map(col -> {
                long[] oidMod = t.getOrDefault(col.name(), new long[] {0, -1});
                return new Col(col, oidMod[0], (int) oidMod[1]);
            }).toList();
            TableKeys k = keys.get(name);
            List<List<String>> unique = new ArrayList<>();
            List<String> pk = k == null ? List.of() : k.primaryKey();
            if (!pk.isEmpty()) {
                unique.add(pk);
            }
            if (k != null) {
                k.uniqueIndexes().stream().map(TableKeys.UniqueIndex::columns)
                        .filter(u -> !u.equals(pk)).forEach(unique::add);
            }
            exclusions.getOrDefault(name, List.of()).stream().filter(x -> !unique.contains(x)).forEach(unique::add);
            tables.put(name, new Table(name, described, pk, unique, fks.getOrDefault(name, List.of()),
                    checks.getOrDefault(name, List.of())));
        }
        return new SchemaModel(tables, types);
    }

    public Map<QualifiedName, Table> tables() {
        return tables;
    }

    /** pg_type oids of text, varchar and bpchar: the same on every server. */
    private static final Set<Long> STRING_TYPES = Set.of(25L, 1043L, 1042L);

    /** pg_type oids of smallint, integer and bigint, narrowest first. */
    private static final List<Long> INTEGER_TYPES = List.of(21L, 23L, 20L);

    /** pg_type oids of real and double precision, narrowest first. */
    private static final List<Long> FLOAT_TYPES = List.of(700L, 701L);

    /**
     * This model limited by {@code other} (the other side of the migration), so that generated values fit both
     * models: a string column no longer than the same column there (text here, varchar(200) there: at most 200
     * characters), an integer or float column no wider (bigint here, integer there: integer's range; double
     * precision here, real there: values a real holds exactly), and no column the
     * other model lacks unless this one needs a value for it (NOT NULL without a default, or part of a key): the
     * application of the other model does not write it, the column's default does. A value the other model cannot
     * hold is a finding about production's data (preflight's, on production), not about made-up data.
     */
    public SchemaModel narrowedTo(SchemaModel other) {
        Map<QualifiedName, Table> narrowed = new LinkedHashMap<>();
        for (Table table : tables.values()) {
            Table theirs = other.table(table.name());
            if (theirs == null) {
                narrowed.put(table.name(), table);
                continue;
            }
            Set<String> keyed = new java.util.HashSet<>(table.primaryKey());
            table.unique().forEach(keyed::addAll);
            table.foreignKeys().forEach(fk -> keyed.addAll(fk.columns()));
            List<Col> columns = new ArrayList<>();
            for (Col col : table.columns()) {
                Col limit = theirs.column(col.name());
                if (limit == null) {
                    boolean needed = (col.column().notNull() && col.column().defaultExpr() == null)
                            || keyed.contains(col.name());
                    if (needed) {
                        columns.add(col);
                    }
                    continue;
                }
                boolean shorter = STRING_TYPES.contains(col.type()) && STRING_TYPES.contains(limit.type())
                        && limit.typmod() > 4 && (col.typmod() <= 4 || limit.typmod() < col.typmod());
                boolean narrower = narrower(INTEGER_TYPES, col.type(), limit.type())
                        || narrower(FLOAT_TYPES, col.type(), limit.type());
                columns.add(shorter ? new Col(col.column(), col.type(), limit.typmod())
                        : narrower ? new Col(col.column(), limit.type(), col.typmod()) : col);
            }
            narrowed.put(table.name(), new Table(table.name(), List.copyOf(columns), table.primaryKey(),
                    table.unique(), table.foreignKeys(), table.checks()));
        }
        return new SchemaModel(narrowed, types);
    }

    /** Both types are in the family (narrowest first) and {@code limit} is the narrower one. */
    private static boolean narrower(List<Long> family, long type, long limit) {
        return family.contains(type) && family.contains(limit) && family.indexOf(limit) < family.indexOf(type);
    }

    public Table table(QualifiedName name) {
        return tables.get(name);
    }

    public Type type(long oid) {
        return types.get(oid);
    }

    private static void bind(Connection c, PreparedStatement st, List<QualifiedName> names) throws SQLException {
        st.setArray(1, c.createArrayOf("text", names.stream().map(QualifiedName::schema).toArray()));
        st.setArray(2, c.createArrayOf("text", names.stream().map(QualifiedName::name).toArray()));
    }

    static List<String> strings(Array array) throws SQLException {
        if (array == null) {
            return List.of();
        }
        return Arrays.stream((Object[]) array.getArray()).map(String::valueOf).toList();
    }

    private static List<Long> longs(Array array) throws SQLException {
        if (array == null) {
            return List.of();
        }
        return Arrays.stream((Object[]) array.getArray()).map(o -> ((Number) o).longValue()).toList();
    }
}
