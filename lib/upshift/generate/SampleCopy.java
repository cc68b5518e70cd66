package upshift.generate;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import upshift.UpshiftException;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;

/**
 * A sample of a real database's rows copied into the rehearsal's origin (rehearse --sample-from): in one
 * REPEATABLE READ READ ONLY transaction on the source (a consistent snapshot; the session is also
 * default_transaction_read_only), TABLESAMPLE BERNOULLI of every table, then the rows they reference through
 * foreign keys, again until nothing is missing (closed under foreign keys). Masked columns ({@link Mask}) are
 * replaced on their way in, so that their values never reach the rehearsal server.
 */
public final class SampleCopy {

    /** A masking kind: how a PII column's value is replaced (deterministically: equal values stay equal). */
    public enum Kind {
        EMAIL, NAME, PHONE, TEXT, NULL, HASH;

        /** The SQL of the replacement of {@code value} (an expression), cast to {@code type}. */
        String sql(String value, String type) {
            String h = "pg_catalog.md5((" + value + ")::text)";
            String e = switch (this) {
                case EMAIL -> "'user-' || pg_catalog.substr(" + h + ", 1, 12) || '@example.com'";
                case NAME -> "'Name ' || pg_catalog.substr(" + h + ", 1, 8)";
                case PHONE -> "'+1555' || pg_catalog.substr(pg_catalog.translate(" + h
                        + ", 'abcdef', '123456'), 1, 7)";
                case TEXT -> "'masked ' || pg_catalog.substr(" + h + ", 1, 12)";
                case NULL -> "NULL";
                case HASH -> h;
            };
            return this == NULL ? "NULL::" + type
                    : "CASE WHEN (" + value + ") IS NULL THEN NULL ELSE (" + e + ")::" + type + " END";
        }
    }

    /** --mask TABLE.COLUMN=KIND. */
    public record Mask(QualifiedName table, String column, Kind kind) {

        public static Mask parse(String spec) {
            int eq = spec.lastIndexOf('=');
            int dot = eq < 0 ? -1 : spec.lastIndexOf('.', eq);
            Kind kind = null;
            if (eq > 0) {
                try {
                    kind = Kind.valueOf(spec.substring(eq + 1).strip().toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    kind = null;
                }
            }
            if (dot <= 0 || kind == null) {
                throw UpshiftException.usage("--mask " + spec + ": not TABLE.COLUMN=KIND",
                        "e.g. --mask customer.email=email; kinds: email, name, phone, text, null, hash");
            }
            String t = spec.substring(0, dot).strip();
            QualifiedName table = t.contains(".") ? new QualifiedName(t.substring(0, t.indexOf('.')),
                    t.substring(t.indexOf('.') + 1)) : new QualifiedName("public", t);
            return new Mask(table, spec.substring(dot + 1, eq).strip(), kind);
        }
    }

    /** Rows copied per table, in the generator's report shape. */
    public record Result(List<DataGenerator.TableResult> tables, double seconds) {
        public long inserted() {
            return tables.stream().mapToLong(DataGenerator.TableResult::inserted).sum();
        }
    }

    private SampleCopy() {
    }

    /**
     * Copies a {@code percent} sample of {@code source}'s rows into {@code target}'s tables of the same names
     * (target's model: the rehearsal's origin, empty), closed under foreign keys, masked. {@code seed}: the
     * sample's REPEATABLE seed.
     */
    public static Result copy(Connection source, Connection target, double percent, List<Mask> masks, long seed)
            throws SQLException {
        long started = System.nanoTime();
        SchemaModel model = SchemaModel.read(target);
        for (Mask m : masks) {
            SchemaModel.Table t = model.table(m.table());
            if (t == null || t.column(m.column()) == null) {
                throw UpshiftException.usage("--mask " + m.table() + "." + m.column() + ": no such column in --schema",
                        "name a column of a table of the schema");
            }
        }
        try (Statement st = source.createStatement()) {
            st.execute("SET default_transaction_read_only = on");
        }
        source.setAutoCommit(false);
        source.setReadOnly(true);
        source.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        Map<QualifiedName, Map<String, String>> rows = new LinkedHashMap<>(); // table -> row key -> row as JSON
        List<QualifiedName> present = new ArrayList<>();
        try {
            try (Statement st = source.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
            }
            Set<QualifiedName> onSource = tablesOn(source);
            Set<QualifiedName> partitioned = partitioned(source);
            for (SchemaModel.Table t : model.tables().values()) {
                if (!onSource.contains(t.name())) {
                    continue;
                }
                present.add(t.name());
                Map<String, String> sampled = new LinkedHashMap<>();
                rows.put(t.name(), sampled);
                String sql = "SELECT " + keyExpr(t) + ", pg_catalog.row_to_json(x)::text FROM (SELECT "
                        + columnList(t) + " FROM " + from(t, partitioned) + " TABLESAMPLE BERNOULLI (?) REPEATABLE (?)) x";
                try (PreparedStatement ps = source.prepareStatement(sql)) {
                    ps.setDouble(1, percent);
                    ps.setLong(2, seed);
                    read(ps, sampled);
                }
            }
            // the rows the sample references, until every reference is in the copy
            boolean added = true;
            while (added) {
                added = false;
                for (QualifiedName name : present) {
                    SchemaModel.Table t = model.table(name);
                    for (SchemaModel.ForeignKey fk : t.foreignKeys()) {
                        if (!rows.containsKey(fk.parent())) {
                            continue;
                        }
                        added |= fetchReferenced(source, model.table(fk.parent()), fk, rows.get(name).values(),
                                rows.get(fk.parent()), partitioned);
                    }
                }
            }
        } finally {
            source.rollback();
        }
        List<DataGenerator.TableResult> results = new ArrayList<>();
        boolean autoCommit = target.getAutoCommit();
        target.setAutoCommit(false);
        try (Statement st = target.createStatement()) {
            // the copy is closed under foreign keys; its order does not matter while triggers are off
            st.execute("SET LOCAL session_replication_role = replica");
            for (QualifiedName name : present) {
                long t0 = System.nanoTime();
                SchemaModel.Table t = model.table(name);
                long n = insert(target, t, rows.get(name).values(), masks);
                results.add(new DataGenerator.TableResult(name, n, n, 0, List.of(),
                        (System.nanoTime() - t0) / 1e9));
            }
            st.execute("SET LOCAL session_replication_role = origin");
            advanceSequences(target, model, present);
            target.commit();
        } catch (SQLException | RuntimeException e) {
            target.rollback();
            throw e;
        } finally {
            target.setAutoCommit(autoCommit);
        }
        return new Result(results, (System.nanoTime() - started) / 1e9);
    }

    private static Set<QualifiedName> tablesOn(Connection c) throws SQLException {
        return new LinkedHashSet<>(SchemaModel.userTables(c));
    }

    /** The partitioned tables of the source: read with their partitions, which are no tables of the model. */
    private static Set<QualifiedName> partitioned(Connection c) throws SQLException {
        Set<QualifiedName> result = new LinkedHashSet<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT n.nspname, c.relname"
                + " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE c.relkind = 'p'")) {
            while (rs.next()) {
                result.add(new QualifiedName(rs.getString(1), rs.getString(2)));
            }
        }
        return result;
    }

    /**
     * The table's own rows: ONLY, because an inheritance parent's scan includes its children's rows, and the
     * children are tables of the model, copied on their own; a partitioned table with its partitions, which are
     * not.
     */
    private static String from(SchemaModel.Table t, Set<QualifiedName> partitioned) {
        return (partitioned.contains(t.name()) ? "" : "ONLY ") + t.name().sql();
    }

    /** The columns the copy carries: every column but generated ones. */
    private static List<SchemaModel.Col> carried(SchemaModel.Table t) {
        return t.columns().stream().filter(c -> !c.column().generated()).toList();
    }

    private static String columnList(SchemaModel.Table t) {
        return String.join(", ", carried(t).stream().map(c -> Sql.ident(c.name())).toList());
    }

    /** A row's identity: its primary key, or the whole row, as JSON text. */
    private static String keyExpr(SchemaModel.Table t) {
        List<String> key = t.primaryKey().isEmpty() ? carried(t).stream().map(SchemaModel.Col::name).toList()
                : t.primaryKey();
        return "pg_catalog.json_build_array(" + String.join(", ", key.stream()
                .map(k -> "x." + Sql.ident(k) + "::text").toList()) + ")::text";
    }

    private static void read(PreparedStatement ps, Map<String, String> into) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                into.putIfAbsent(rs.getString(1), rs.getString(2));
            }
        }
    }

    /** Adds the parent rows that {@code children} reference and the copy lacks; whether any was added. */
    private static boolean fetchReferenced(Connection source, SchemaModel.Table parent, SchemaModel.ForeignKey fk,
            java.util.Collection<String> children, Map<String, String> parentRows, Set<QualifiedName> partitioned)
            throws SQLException {
        Set<String> wanted = new LinkedHashSet<>();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String child : children) {
            try {
                com.fasterxml.jackson.databind.JsonNode row = json.readTree(child);
                com.fasterxml.jackson.databind.node.ArrayNode values = json.createArrayNode();
                boolean complete = true;
                for (String c : fk.columns()) {
                    com.fasterxml.jackson.databind.JsonNode v = row.get(c);
                    if (v == null || v.isNull()) {
                        complete = false;
                        break;
                    }
                    values.add(v);
                }
                if (complete) {
                    wanted.add(json.writeValueAsString(values));
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("a sampled row is not JSON: " + e.getMessage(), e);
            }
        }
        if (wanted.isEmpty()) {
            return false;
        }
        // the referenced columns as JSON values, as row_to_json rendered the child's (same session, same settings):
        // compared as jsonb, numbers by value (1.50 = 1.5), everything else by its JSON text (a timestamptz is
        // ISO 8601 on both sides, which its ::text is not)
        String refs = "pg_catalog.jsonb_build_array(" + String.join(", ", fk.refColumns().stream()
                .map(c -> "x." + Sql.ident(c)).toList()) + ")";
        String sql = "SELECT " + keyExpr(parent) + ", pg_catalog.row_to_json(x)::text FROM (SELECT "
                + columnList(parent) + " FROM " + from(parent, partitioned) + ") x WHERE " + refs
                + " = ANY (?::jsonb[])";
        int before = parentRows.size();
        try (PreparedStatement ps = source.prepareStatement(sql)) {
            ps.setArray(1, source.createArrayOf("text", wanted.toArray()));
            read(ps, parentRows);
        }
        return parentRows.size() > before;
    }

    private static long insert(Connection target, SchemaModel.Table t, java.util.Collection<String> rows,
            List<Mask> masks) throws SQLException {
        if (rows.isEmpty()) {
            return 0;
        }
        List<String> exprs = new ArrayList<>();
        for (SchemaModel.Col c : carried(t)) {
            String value = "r." + Sql.ident(c.name());
            Mask mask = masks.stream().filter(m -> m.table().equals(t.name()) && m.column().equals(c.name()))
                    .findFirst().orElse(null);
            exprs.add(mask == null ? value : mask.kind().sql(value, c.column().type()));
        }
        boolean identity = t.columns().stream().anyMatch(c -> c.column().identity());
        String sql = "INSERT INTO " + t.name().sql() + " (" + columnList(t) + ")"
                + (identity ? " OVERRIDING SYSTEM VALUE" : "") + " SELECT " + String.join(", ", exprs)
                + " FROM pg_catalog.json_populate_record(NULL::" + t.name().sql() + ", ?::json) r";
        long n = 0;
        try (PreparedStatement ps = target.prepareStatement(sql)) {
            for (String row : rows) {
                ps.setString(1, row);
                ps.addBatch();
                if (++n % 500 == 0) {
                    ps.executeBatch();
                }
            }
            ps.executeBatch();
        }
        return n;
    }

    /** Sequences behind the copied columns move past the copied values: the workload's inserts do not collide. */
    private static void advanceSequences(Connection target, SchemaModel model, List<QualifiedName> tables)
            throws SQLException {
        for (QualifiedName name : tables) {
            for (SchemaModel.Col c : model.table(name).columns()) {
                String sql = "SELECT pg_catalog.setval(s, m) FROM (SELECT pg_catalog.pg_get_serial_sequence(?, ?) s,"
                        + " (SELECT max(" + Sql.ident(c.name()) + ") FROM " + name.sql() + ")::bigint m) q"
                        + " WHERE s IS NOT NULL AND m IS NOT NULL";
                if (!c.column().defaultUsesSequence() && !c.column().identity()) {
                    continue;
                }
                try (PreparedStatement ps = target.prepareStatement(sql)) {
                    ps.setString(1, name.sql());
                    ps.setString(2, c.name());
                    ps.executeQuery().close();
                }
            }
        }
    }
}
