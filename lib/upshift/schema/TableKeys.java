package upshift.schema;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import upshift.sql.QualifiedName;

/**
 * What logical replication needs to know about a table's keys on one server: its replica identity (the columns a
 * publisher sends to identify an updated or deleted row), its primary key (what a subscriber falls back to), its
 * unique indexes, and the columns whose type has no default equality (a row looked up without a key is compared
 * column by column with the type's default btree or hash equality, so json, point or xml make that fail).
 *
 * <p>The rules of {@link #applyProblems} are PostgreSQL's own, as its apply worker enforces them
 * ({@code logicalrep_rel_mark_updatable}, {@code check_relation_updatable} and {@code tuples_equal} in the
 * subscriber, the column-list check of {@code CheckCmdReplicaIdentity} in the publisher); preflight checks both
 * directions with them and switchover the way back.
 *
 * @param table           the table
 * @param identity        pg_class.relreplident: d default (primary key), i index, f full, n nothing
 * @param keyColumns      the identity's columns: the primary key's (d) or the replica identity index's (i); empty
 *                        for f, n, and d without a primary key
 * @param uniqueIndexes   each plain, non-partial unique index: its name, its constraint (or null), its columns
 * @param noEquality      columns whose type has no default btree or hash equality (arrays by element, domains by
 *                        base type, composites by field, as the type cache decides)
 * @param primaryKey      the primary key's columns, empty without one
 * @param columns         the columns a publisher sends and a subscriber fills (not dropped, not generated), in order
 */
public record TableKeys(QualifiedName table, char identity, List<String> keyColumns, List<UniqueIndex> uniqueIndexes,
        List<String> noEquality, List<String> primaryKey, List<String> columns) {

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
                   (SELECT array_agg(a.attname::text ORDER BY k.ord)
                      FROM pg_catalog.pg_index i
                      CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                     WHERE i.indrelid = c.oid AND i.indisprimary) AS primary_key,
                   (SELECT array_agg(a.attname::text ORDER BY a.attnum)
                      FROM pg_catalog.pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND %s) AS columns,
                   (SELECT array_agg(a.atttypid::int8 ORDER BY a.attnum)
                      FROM pg_catalog.pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND %s) AS column_types
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

    /**
     * Per type: whether it has a default btree or hash operator class of its own or of a type it is implicitly
     * binary-coercible to (GetDefaultOpClass, which the type cache's equality lookup uses), and what to look at
     * when it has not: a domain's base type, an array's element, a composite's fields.
     */
    private static final String TYPES = """
            SELECT t.oid::int8, t.typtype::text, t.typbasetype::int8, t.typelem::int8, t.typcategory::text,
                   EXISTS (SELECT 1 FROM pg_catalog.pg_opclass oc
                             JOIN pg_catalog.pg_am am ON am.oid = oc.opcmethod
                            WHERE oc.opcdefault AND am.amname IN ('btree', 'hash')
                              AND (oc.opcintype = t.oid
                                   OR EXISTS (SELECT 1 FROM pg_catalog.pg_cast k
                                               WHERE k.castsource = t.oid AND k.casttarget = oc.opcintype
                                                 AND k.castmethod = 'b' AND k.castcontext = 'i'))),
                   ARRAY(SELECT a.atttypid::int8 FROM pg_catalog.pg_attribute a
                          WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped)
              FROM pg_catalog.pg_type t
             WHERE t.oid = ANY (?::oid[])
            """;

    /** Whether the table sends (or, as a subscriber, needs) only a key: a primary key or identity index. */
    public boolean hasKey() {
        return !keyColumns.isEmpty();
    }

    /** Whether UPDATE and DELETE work on the table once it is published (it has an identity to send). */
    public boolean publishable() {
        return identity == 'f' || hasKey();
    }

    /**
     * The columns a subscriber finds an updated or deleted row by: its replica identity index (the primary key
     * under REPLICA IDENTITY DEFAULT), else its primary key whatever its replica identity; empty when it has
     * neither, and then it compares whole rows, which needs a publisher with REPLICA IDENTITY FULL.
     */
    public List<String> lookupColumns() {
        return hasKey() ? keyColumns : primaryKey;
    }

    /**
     * The columns a publisher marks as identity when it publishes {@code published} of its columns: all of them
     * under REPLICA IDENTITY FULL, its key's otherwise.
     */
    public List<String> sentIdentity(Collection<String> published) {
        if (identity == 'f') {
            return columns.stream().filter(published::contains).toList();
        }
        return keyColumns.stream().filter(published::contains).toList();
    }

    /** The columns this table's replica identity covers (a publication column list must include them all). */
    public List<String> identityColumns() {
        return identity == 'f' ? columns : keyColumns;
    }

    /** What goes wrong with UPDATE or DELETE replicated from a publisher to a subscriber, and where. */
    public enum ApplyProblemKind {
        /** The publication's column list leaves out identity columns: UPDATE/DELETE fail on the publisher. */
        COLUMN_LIST_OMITS_IDENTITY,
        /** The subscriber's key has columns the publisher does not send as identity: the apply stops. */
        KEY_NOT_SENT,
        /** The subscriber has no key and the publisher is not REPLICA IDENTITY FULL: the apply stops. */
        NO_KEY_WITHOUT_FULL,
        /** A whole-row lookup meets a type without equality: the apply stops at the first such row. */
        NO_EQUALITY,
        /** A whole-row lookup meets columns the publisher does not send: the row is not found, the change skipped. */
        UNSENT_COLUMNS
    }

    /**
     * One problem found by {@link #applyProblems}.
     *
     * @param columns the columns concerned (missing identity columns, key columns not sent, types without
     *                equality, columns not sent)
     */
    public record ApplyProblem(ApplyProblemKind kind, List<String> columns) {

        /**
         * What goes wrong, in words: {@code publisher} and {@code subscriber} name the servers ("origin"),
         * {@code replication} the direction ("forward", "rollback"); {@code publisherKeys} and
         * {@code subscriberKeys} are the table's keys there.
         */
        public String problem(String publisher, String subscriber, String replication, TableKeys publisherKeys,
                TableKeys subscriberKeys) {
            return switch (kind) {
                case COLUMN_LIST_OMITS_IDENTITY -> "the " + replication + " publication on " + publisher + " lists"
                        + " only the columns " + subscriber + " has, which leave out " + publisher + "'s replica"
                        + " identity column(s) " + columns + ": every UPDATE and DELETE on " + publisher + " fails"
                        + " once it is published (column list used by the publication does not cover the replica"
                        + " identity)";
                case KEY_NOT_SENT -> subscriber + " finds updated and deleted rows by " + subscriberKeys
                        .lookupColumns() + " but " + publisher + " does not send " + columns + " as identity ("
                        + sent(publisherKeys) + "): the first UPDATE or DELETE stops " + replication
                        + " replication (publisher did not send replica identity column expected by the logical"
                        + " replication target relation)";
                case NO_KEY_WITHOUT_FULL -> subscriber + " has neither a primary key nor a replica identity index,"
                        + " and " + publisher + " sends only its key " + publisherKeys.keyColumns() + ", not whole"
                        + " rows: the first UPDATE or DELETE stops " + replication + " replication";
                case NO_EQUALITY -> subscriber + " has no primary key or replica identity index, so it finds each"
                        + " updated or deleted row by comparing every column, and " + columns + " have a type without"
                        + " equality (json, point, xml, ...): the first UPDATE or DELETE of a row with a value there"
                        + " stops " + replication + " replication (could not identify an equality operator for type"
                        + " ...); an index does not help (PostgreSQL 16+ may scan one, but still compares whole"
                        + " rows)";
                case UNSENT_COLUMNS -> subscriber + " has no primary key or replica identity index, so it finds each"
                        + " updated or deleted row by comparing every column, and " + publisher + " does not send "
                        + columns + ": a row with a value there is never found, so UPDATE and DELETE of it are"
                        + " skipped without an error and " + subscriber + " silently diverges";
            };
        }

        /** The fix, in the same terms. */
        public String fix(QualifiedName table, String publisher, String subscriber, TableKeys publisherKeys,
                TableKeys subscriberKeys) {
            String t = table.sql();
            return switch (kind) {
                case COLUMN_LIST_OMITS_IDENTITY -> "give " + subscriber + " the column(s) " + columns + " too, or"
                        + " make " + publisher + "'s replica identity a unique index on columns both sides have"
                        + " (ALTER TABLE " + t + " REPLICA IDENTITY USING INDEX <index>; on " + publisher + "), or"
                        + " --no-rollback";
                case KEY_NOT_SENT -> "give both sides the same key: add " + columns + " and the primary key on "
                        + publisher + " first (ALTER TABLE " + t + " ADD ...), or let " + subscriber + " find rows by"
                        + " columns " + publisher + " sends (ALTER TABLE " + t + " REPLICA IDENTITY USING INDEX"
                        + " <unique index on them>; on " + subscriber + "), or create " + subscriber + "'s primary"
                        + " key after switchover";
                case NO_KEY_WITHOUT_FULL -> "ALTER TABLE " + t + " ADD PRIMARY KEY (" + String.join(", ",
                        publisherKeys.keyColumns().stream().map(upshift.sql.Sql::ident).toList()) + "); on "
                        + subscriber + ", or ALTER TABLE " + t + " REPLICA IDENTITY FULL; on " + publisher;
                case NO_EQUALITY -> "ALTER TABLE " + t + " ADD PRIMARY KEY (...); on " + subscriber + " (a key "
                        + publisher + " sends), or change " + columns + " to a type with equality (json → jsonb)";
                case UNSENT_COLUMNS -> "ALTER TABLE " + t + " ADD PRIMARY KEY (...); on " + subscriber + " (a key "
                        + publisher + " sends), or add " + columns + " on " + publisher + " too";
            };
        }

        private static String sent(TableKeys publisherKeys) {
            return publisherKeys.identity() == 'f' ? "REPLICA IDENTITY FULL sends the columns it has"
                    : "its identity is " + publisherKeys.keyColumns();
        }
    }

    /**
     * The problems UPDATE and DELETE meet when {@code publisher} publishes {@code published} of its columns (all of
     * them, or a column list) to {@code subscriber}. A publisher without any replica identity is not reported here
     * ({@link #publishable()}): its UPDATE and DELETE fail before anything is sent.
     */
    public static List<ApplyProblem> applyProblems(TableKeys publisher, Collection<String> published,
            TableKeys subscriber) {
        List<ApplyProblem> problems = new ArrayList<>();
        if (!publisher.publishable()) {
            return problems;
        }
        Set<String> sentColumns = new LinkedHashSet<>(published);
        sentColumns.retainAll(publisher.columns());
        List<String> omitted = publisher.identityColumns().stream().filter(c -> !sentColumns.contains(c)).toList();
        if (!omitted.isEmpty()) {
            problems.add(new ApplyProblem(ApplyProblemKind.COLUMN_LIST_OMITS_IDENTITY, omitted));
        }
        Set<String> identity = new HashSet<>(publisher.sentIdentity(sentColumns));
        List<String> lookup = subscriber.lookupColumns();
        if (!lookup.isEmpty()) {
            List<String> notSent = lookup.stream().filter(c -> !identity.contains(c)).toList();
            if (!notSent.isEmpty()) {
                problems.add(new ApplyProblem(ApplyProblemKind.KEY_NOT_SENT, notSent));
            }
            return problems;
        }
        if (publisher.identity() != 'f') {
            problems.add(new ApplyProblem(ApplyProblemKind.NO_KEY_WITHOUT_FULL, List.of()));
            return problems;
        }
        if (!subscriber.noEquality().isEmpty()) {
            problems.add(new ApplyProblem(ApplyProblemKind.NO_EQUALITY, subscriber.noEquality()));
        }
        List<String> unsent = subscriber.columns().stream().filter(c -> !sentColumns.contains(c)).toList();
        if (!unsent.isEmpty()) {
            problems.add(new ApplyProblem(ApplyProblemKind.UNSENT_COLUMNS, unsent));
        }
        return problems;
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
        String sent = server.getMetaData().getDatabaseMajorVersion() >= 12 ? "a.attgenerated = ''" : "true";
        record Row(QualifiedName table, char identity, List<String> key, List<String> pk, List<String> columns,
                List<Long> types) {
        }
        List<Row> rows = new ArrayList<>();
        Set<Long> typeIds = new HashSet<>();
        try (PreparedStatement st = server.prepareStatement(String.format(TABLES, sent, sent))) {
            bindTables(server, st, tables);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    List<Long> types = longs(rs.getArray(7));
                    typeIds.addAll(types);
                    rows.add(new Row(new QualifiedName(rs.getString(1), rs.getString(2)), rs.getString(3).charAt(0),
                            strings(rs.getArray(4)), strings(rs.getArray(5)), strings(rs.getArray(6)), types));
                }
            }
        }
        Set<Long> withoutEquality = withoutEquality(server, typeIds);
        Map<QualifiedName, TableKeys> keys = new HashMap<>();
        for (Row r : rows) {
            List<String> noEquality = new ArrayList<>();
            for (int i = 0; i < r.columns().size(); i++) {
                if (withoutEquality.contains(r.types().get(i))) {
                    noEquality.add(r.columns().get(i));
                }
            }
            keys.put(r.table(), new TableKeys(r.table(), r.identity(), r.key(), unique.getOrDefault(r.table(),
                    List.of()), List.copyOf(noEquality), r.pk(), r.columns()));
        }
        return keys;
    }

    /** Of those types, the ones the type cache finds no equality operator for. */
    static Set<Long> withoutEquality(Connection server, Set<Long> typeIds) throws SQLException {
        Map<Long, Type> types = new HashMap<>();
        Set<Long> wanted = new HashSet<>(typeIds);
        while (!wanted.isEmpty()) {
            try (PreparedStatement st = server.prepareStatement(TYPES)) {
                st.setArray(1, server.createArrayOf("int8", wanted.toArray()));
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        types.put(rs.getLong(1), new Type(rs.getString(2), rs.getLong(3), rs.getLong(4),
                                rs.getString(5), rs.getBoolean(6), longs(rs.getArray(7))));
                    }
                }
            }
            Set<Long> next = new HashSet<>();
            for (Long id : wanted) {
                Type t = types.get(id);
                if (t == null) {
                    types.put(id, new Type("?", 0, 0, "", true, List.of()));
                    continue;
                }
                List<Long> refs = new ArrayList<>(t.fields());
                refs.add(t.base());
                refs.add(t.element());
                refs.stream().filter(r -> r != 0 && !types.containsKey(r)).forEach(next::add);
            }
            wanted = next;
        }
        Map<Long, Boolean> memo = new HashMap<>();
        Set<Long> without = new HashSet<>();
        for (Long id : typeIds) {
            if (!hasEquality(id, types, memo)) {
                without.add(id);
            }
        }
        return without;
    }

    private record Type(String kind, long base, long element, String category, boolean direct, List<Long> fields) {
    }

    private static boolean hasEquality(long id, Map<Long, Type> types, Map<Long, Boolean> memo) {
        Boolean known = memo.get(id);
        if (known != null) {
            return known;
        }
        memo.put(id, true); // a composite that contains itself: decided by its other fields
        Type t = types.get(id);
        boolean result;
        if (t == null || t.direct()) {
            result = true;
        } else if (t.kind().equals("d")) {
            result = hasEquality(t.base(), types, memo);
        } else if (t.category().equals("A") && t.element() != 0) {
            result = hasEquality(t.element(), types, memo);
        } else if (t.kind().equals("e") || t.kind().equals("r") || t.kind().equals("m")) {
            result = true; // the anyenum, anyrange and anymultirange operator classes
        } else if (t.kind().equals("c")) {
            result = t.fields().stream().allMatch(f -> hasEquality(f, types, memo)); // record_ops, by field
        } else {
            result = false;
        }
        memo.put(id, result);
        return result;
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

    private static List<Long> longs(Array array) throws SQLException {
        if (array == null) {
            return List.of();
        }
        return Arrays.stream((Object[]) array.getArray()).map(o -> ((Number) o).longValue()).toList();
    }
}
