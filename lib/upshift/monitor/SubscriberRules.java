package upshift.monitor;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import upshift.schema.Column;
import upshift.schema.TableKeys;
import upshift.schema.TableDrift;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;

/**
 * Rules the subscriber enforces on replicated rows that the publisher does not: a NOT NULL column the publisher has
 * nullable, a UNIQUE key the publisher lacks. (A subscriber-only NOT NULL column without default is
 * {@link TableDrift#destinationOnlyRequired()}.) A NULL the publisher sends is stored as NULL: the subscriber's
 * default does not apply to it, only to columns the publisher does not send. In the rollback direction these are
 * origin's rules that the new model dropped, e.g. a Django {@code BooleanField(default=False)} (NOT NULL, no database
 * default) that add-missing-columns re-added nullable on destination: the new application never writes it.
 */
public final class SubscriberRules {

    /** What the subscriber requires. */
    public enum Kind {
        NOT_NULL,
        UNIQUE
    }

    /**
     * One rule, and whether the publisher's rows break it.
     *
     * @param columns     the column (NOT_NULL), or the key's columns (UNIQUE)
     * @param constraint  UNIQUE: the subscriber's constraint or index name
     * @param isIndex     UNIQUE: a unique index without a constraint (DROP INDEX, not DROP CONSTRAINT)
     * @param addedColumn NOT_NULL: the publisher's column was added by add-missing-columns and has no default, so
     *                    the application never writes it and every INSERT sends NULL
     * @param violated    the publisher holds rows that break it (true), none (false), or unknown (null)
     * @param query       the query on the publisher that finds them
     */
    public record Rule(Kind kind, QualifiedName table, List<String> columns, String constraint, boolean isIndex,
            boolean addedColumn, Boolean violated, String query) {

        /** Whether it certainly fails rows: a never-written added column, or rows found that break it. */
        public boolean definite() {
            return addedColumn || Boolean.TRUE.equals(violated);
        }

        Rule checked(Boolean result) {
            return new Rule(kind, table, columns, constraint, isIndex, addedColumn, result, query);
        }
    }

    /** A unique index of a table: its name, its columns, whether a constraint owns it. */
    public record UniqueKey(String name, List<String> columns, boolean constraint) {
    }

    private SubscriberRules() {
    }

    /** Each table's plain unique keys on the server behind the session (read by {@link TableKeys}). */
    public static Map<QualifiedName, List<UniqueKey>> uniqueKeys(Connection connection, List<QualifiedName> tables)
            throws SQLException {
        Map<QualifiedName, List<UniqueKey>> keys = new LinkedHashMap<>();
        if (tables.isEmpty()) {
            return keys;
        }
        TableKeys.read(connection, tables).forEach((table, k) -> keys.put(table, k.uniqueIndexes().stream()
                .map(u -> new UniqueKey(u.index(), u.columns(), u.constraint() != null)).toList()));
        return keys;
    }

    /**
     * The rules of the tables both sides have.
     *
     * @param addedMarker the COMMENT add-missing-columns puts on the columns it adds (AddedColumns.marker)
     */
    public static List<Rule> find(List<QualifiedName> tables, Map<QualifiedName, List<Column>> publisherColumns,
            Map<QualifiedName, List<Column>> subscriberColumns, Map<QualifiedName, List<UniqueKey>> publisherKeys,
            Map<QualifiedName, List<UniqueKey>> subscriberKeys, String addedMarker) {
        List<Rule> rules = new ArrayList<>();
        for (QualifiedName table : tables) {
            List<Column> pub = publisherColumns.get(table);
            List<Column> sub = subscriberColumns.get(table);
            if (pub == null || sub == null) {
                continue;
            }
            Map<String, Column> published = pub.stream().filter(c -> !c.generated())
                    .collect(Collectors.toMap(Column::name, c -> c, (a, b) -> a, LinkedHashMap::new));
            for (Column s : sub) {
                Column p = published.get(s.name());
                if (s.notNull() && !s.generated() && p != null && !p.notNull()) {
                    boolean added = addedMarker != null && addedMarker.equals(p.comment()) && p.defaultExpr() == null;
                    rules.add(new Rule(Kind.NOT_NULL, table, List.of(s.name()), null, false, added, null,
                            "SELECT EXISTS (SELECT 1 FROM " + table.sql() + " WHERE " + Sql.ident(s.name())
                                    + " IS NULL)"));
                }
            }
            List<UniqueKey> pubKeys = publisherKeys.getOrDefault(table, List.of());
            for (UniqueKey key : subscriberKeys.getOrDefault(table, List.of())) {
                boolean sent = published.keySet().containsAll(key.columns());
                boolean covered = pubKeys.stream().anyMatch(k -> Set.copyOf(key.columns()).containsAll(k.columns()));
                if (sent && !covered) {
                    String cols = key.columns().stream().map(Sql::ident).collect(Collectors.joining(", "));
                    String notNull = key.columns().stream().map(c -> Sql.ident(c) + " IS NOT NULL")
                            .collect(Collectors.joining(" AND "));
                    rules.add(new Rule(Kind.UNIQUE, table, key.columns(), key.name(), !key.constraint(), false, null,
                            "SELECT EXISTS (SELECT 1 FROM " + table.sql() + " WHERE " + notNull + " GROUP BY "
                                    + cols + " HAVING count(*) > 1)"));
                }
            }
        }
        return rules;
    }

    /** The rules, each checked on the publisher when {@code run} is set (bounded like {@link ValueCheck}). */
    public static List<Rule> check(Connection publisher, List<Rule> rules, boolean run) {
        List<Rule> checked = new ArrayList<>();
        int runs = 0;
        for (Rule r : rules) {
            if (run && !r.addedColumn() && runs < ValueCheck.MAX_CHECKS) {
                runs++;
                Boolean fits = ValueCheck.runCheck(publisher, r.query());
                checked.add(r.checked(fits == null ? null : !fits));
            } else {
                checked.add(r);
            }
        }
        return checked;
    }
}
