package upshift.rollback;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import upshift.columns.AddedColumns;
import upshift.connect.Cluster;
import upshift.connect.ConnectionStrings;
import upshift.migration.Direction;
import upshift.migration.MigrationNames;
import upshift.migration.PublishedTables;
import upshift.schema.Column;
import upshift.schema.SchemaComparison;
import upshift.schema.TableDrift;
import upshift.schema.TableKeys;
import upshift.schema.TypeChange;
import upshift.server.Capabilities;
import upshift.server.Feature;
import upshift.server.ServerFacts;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;

/**
 * Everything the way back needs, checked before anything is frozen: after the point of no return (the drained
 * subscription dropped) nothing may fail for a reason that was knowable before it.
 *
 * <p>For the replication {@code way} about to be started (rollback at switchover; forward again at a switchback
 * with --restart-forward), with the rows of the new primary (its publisher) flowing into the old one (its
 * subscriber):
 * <ul>
 * <li>rights: CREATE SUBSCRIPTION on the subscriber (a superuser on 13–15, rds_superuser on RDS and Aurora,
 * pg_create_subscription plus CREATE on the database on 16+), and CREATE PUBLICATION for the tables on the
 * publisher (their owner);</li>
 * <li>the connection: the subscriber's own server opens the replication connection the subscription will use
 * ({@code CREATE SUBSCRIPTION ... WITH (connect = true, slot_name = NONE, ...)} of a probe, dropped at once),
 * which proves the host, pg_hba, LOGIN, REPLICATION and the password as that server sees them;</li>
 * <li>columns: every subscriber column that is NOT NULL and has no default must get a value from every row the
 * new application writes; the publisher's types must fit the subscriber's; unique constraints only the subscriber
 * enforces; replica identities that let the subscriber find each updated or deleted row.</li>
 * </ul>
 */
public final class RollbackReadiness {

    /** How much a finding matters: the cutover refuses on BLOCKING, prints WARNING, and only preflight lists INFO. */
    public enum Level { BLOCKING, WARNING, INFO }

    /**
     * One thing that would break the way back, and its fix.
     *
     * @param side "origin" or "destination": where it is
     */
    public record Finding(Level level, String side, String subject, String problem, String fix) {
        public boolean blocking() {
            return level == Level.BLOCKING;
        }

        public String text() {
            return subject + ": " + problem + (fix == null ? "" : " → " + fix);
        }
    }

    /** Rows within this fraction of a narrower type's bound count as "near" it. */
    private static final double NEAR_BOUND = 0.9;

    private final Cluster subscriber;
    private final Cluster publisher;
    private final Direction way;
    private final MigrationNames names;
    private final List<Finding> findings = new ArrayList<>();

    private RollbackReadiness(Cluster origin, Cluster destination, Direction way, MigrationNames names) {
        this.subscriber = way.subscriber(origin, destination);
        this.publisher = way.publisher(origin, destination);
        this.way = way;
        this.names = names;
    }

    /**
     * Checks the way back for those tables.
     *
     * @param way       the replication to be started: ROLLBACK (switchover) or FORWARD (switchback's restart)
     * @param conninfo  how the subscriber's server reaches the publisher
     * @param probe     open the real connection from the subscriber's server (creates and drops a subscription
     *                  without a slot); false for a dry run
     */
    public static List<Finding> check(Cluster origin, Cluster destination, Direction way, MigrationNames names,
            List<QualifiedName> tables, String conninfo, boolean probe) throws SQLException {
        RollbackReadiness r = new RollbackReadiness(origin, destination, way, names);
        boolean subscribeRight = r.subscriptionRight();
        r.publicationRight(tables);
        if (probe && subscribeRight) {
            r.probe(conninfo);
        }
        r.columns(tables);
        return List.copyOf(r.findings);
    }

    // ---- rights -------------------------------------------------------------------------------------------

    private boolean subscriptionRight() throws SQLException {
        ServerFacts f = subscriber.facts();
        Capabilities caps = f.capabilities();
        if (f.superuser() || (caps.has(Feature.RDS_SUPERUSER_ROLE) && f.memberOf().contains("rds_superuser"))) {
            return true;
        }
        if (caps.has(Feature.PG_CREATE_SUBSCRIPTION_ROLE) && f.memberOf().contains("pg_create_subscription")) {
            if (databaseCreateRight(subscriber.connection())) {
                return true;
            }
            add(true, subscriber, "role " + f.user(), "is a member of pg_create_subscription but lacks CREATE on"
                    + " database " + f.database() + ", which CREATE SUBSCRIPTION needs",
                    "GRANT CREATE ON DATABASE " + Sql.ident(f.database()) + " TO " + Sql.ident(f.user()) + "; (on "
                            + subscriber.role() + ")");
            return false;
        }
        String who = caps.has(Feature.RDS_SUPERUSER_ROLE) ? "members of rds_superuser"
                : caps.has(Feature.PG_CREATE_SUBSCRIPTION_ROLE) ? "superusers and members of pg_create_subscription"
                        : "superusers (PostgreSQL " + f.major() + ")";
        String fix = caps.has(Feature.RDS_SUPERUSER_ROLE) ? "GRANT rds_superuser TO " + Sql.ident(f.user())
                : caps.has(Feature.PG_CREATE_SUBSCRIPTION_ROLE) ? "GRANT pg_create_subscription TO "
                        + Sql.ident(f.user()) + "; GRANT CREATE ON DATABASE " + Sql.ident(f.database()) + " TO "
                        + Sql.ident(f.user())
                        : "connect upshift to " + subscriber.role() + " as a superuser (--" + subscriber.role() + ")";
        add(true, subscriber, "role " + f.user(), "cannot create the " + way.label() + " subscription "
                + way.subscription(names) + " on " + subscriber.role() + ": only " + who + " may run CREATE"
                + " SUBSCRIPTION", fix + ", or pass --no-rollback to go without a way back");
        return false;
    }

    private static boolean databaseCreateRight(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_catalog.has_database_privilege(current_database(), 'CREATE')")) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    private static final String NOT_OWNED = """
            SELECT n.nspname, c.relname, pg_catalog.pg_get_userbyid(c.relowner)
              FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest(?::text[], ?::text[]))
               AND NOT pg_catalog.pg_has_role(c.relowner, 'USAGE')
             ORDER BY 1, 2
            """;

    private void publicationRight(List<QualifiedName> tables) throws SQLException {
        if (PublishedTables.read(publisher.connection(), way.publication(names)).isPresent()) {
            return;
        }
        ServerFacts f = publisher.facts();
        if (f.superuser()) {
            return;
        }
        List<String> notOwned = new ArrayList<>();
        Set<String> owners = new HashSet<>();
        Connection c = publisher.connection();
        try (PreparedStatement st = c.prepareStatement(NOT_OWNED)) {
            st.setArray(1, c.createArrayOf("text", tables.stream().map(QualifiedName::schema).toArray()));
            st.setArray(2, c.createArrayOf("text", tables.stream().map(QualifiedName::name).toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    notOwned.add(rs.getString(1) + "." + rs.getString(2));
                    owners.add(rs.getString(3));
                }
            }
        }
        if (!notOwned.isEmpty()) {
            add(true, publisher, "role " + f.user(), "does not own " + notOwned.size() + " table(s) the "
                    + way.label() + " publication " + way.publication(names) + " must list on " + publisher.role()
                    + " (" + String.join(", ", notOwned.subList(0, Math.min(5, notOwned.size())))
                    + (notOwned.size() > 5 ? ", ..." : "") + "): CREATE PUBLICATION ... FOR TABLE needs the owner",
                    "connect upshift to " + publisher.role() + " as the owner (" + String.join(", ", owners)
                            + "), or GRANT " + String.join(", ", owners.stream().map(Sql::ident).toList()) + " TO "
                            + Sql.ident(f.user()));
        }
        if (!databaseCreateRight(c)) {
            add(true, publisher, "role " + f.user(), "lacks CREATE on database " + f.database() + ", which CREATE"
                    + " PUBLICATION needs", "GRANT CREATE ON DATABASE " + Sql.ident(f.database()) + " TO "
                            + Sql.ident(f.user()));
        }
    }

    // ---- the connection, from the subscriber's server ------------------------------------------------------

    /** The probe subscription's name: never the real one, so a crash leaves nothing the steps would mistake. */
    public static String probeName(MigrationNames names) {
        return names.name() + "_probe";
    }

    private void probe(String conninfo) throws SQLException {
        String probe = Sql.ident(probeName(names));
        Connection c = subscriber.connection();
        try (Statement st = c.createStatement()) {
            st.execute("DROP SUBSCRIPTION IF EXISTS " + probe);
            st.execute("CREATE SUBSCRIPTION " + probe + " CONNECTION " + Sql.literal(conninfo) + " PUBLICATION "
                    + Sql.ident(way.publication(names)) + " WITH (connect = true, enabled = false, create_slot = false,"
                    + " slot_name = NONE, copy_data = false)");
        } catch (SQLException e) {
            add(true, subscriber, "the " + way.label() + " connection",
                    subscriber.role() + "'s server cannot open the replication connection to " + publisher.role()
                            + " that the " + way.label() + " subscription needs: " + firstLine(e.getMessage()),
                    connectionFix(e.getMessage(), conninfo));
        } finally {
            try (Statement st = c.createStatement()) {
                st.execute("DROP SUBSCRIPTION IF EXISTS " + probe);
            }
        }
    }

    private String connectionFix(String message, String conninfo) {
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        Map<String, String> params = ConnectionStrings.parse(conninfo);
        String user = params.getOrDefault("user", "?");
        String database = params.getOrDefault("dbname", publisher.facts().database());
        String option = way == Direction.ROLLBACK ? "--destination-conninfo" : "--origin-conninfo";
        if (m.contains("must be superuser") || m.contains("permission denied to create subscription")) {
            return "give upshift's role on " + subscriber.role() + " the right to create subscriptions";
        }
        if (m.contains("pg_hba.conf")) {
            return "allow it in " + publisher.role() + "'s pg_hba.conf (a line for database " + database + ", user "
                    + user + ", from " + subscriber.role() + "'s address), then SELECT pg_reload_conf()";
        }
        if (m.contains("replication role") || m.contains("start wal sender") || m.contains("walsender")) {
            return "ALTER ROLE " + Sql.ident(user) + " REPLICATION; (on " + publisher.role() + ")";
        }
        if (m.contains("not permitted to log in")) {
            return "ALTER ROLE " + Sql.ident(user) + " LOGIN; (on " + publisher.role() + ")";
        }
        if (m.contains("password authentication failed") || m.contains("no password supplied")
                || m.contains("password is required")) {
            return "put the right password for " + user + " into " + option + " (it replaces the conninfo derived"
                    + " from --" + publisher.role() + ", password included), or into the .pgpass of "
                    + subscriber.role() + "'s server";
        }
        if (m.contains("could not connect") || m.contains("connection refused") || m.contains("translate host")
                || m.contains("timeout")) {
            return "check " + option + ": it must name " + publisher.role() + " as " + subscriber.role()
                    + "'s server reaches it, which may differ from how upshift reaches it";
        }
        return "fix the connection described by " + option + ", then re-run";
    }

    // ---- columns and keys -----------------------------------------------------------------------------------

    private void columns(List<QualifiedName> tables) throws SQLException {
        Connection pub = publisher.connection();
        Connection sub = subscriber.connection();
        // compare(publisher, subscriber): "missingOnDestination" are publisher columns the subscriber lacks,
        // "destinationOnly" subscriber columns the publisher never sends.
        List<TableDrift> drifts = SchemaComparison.compare(pub, sub, tables);
        String marker = AddedColumns.marker(names);
        boolean columnLists = publisher.facts().capabilities().has(Feature.PUBLICATION_COLUMN_LISTS);
        List<QualifiedName> onBoth = new ArrayList<>();
        Map<QualifiedName, List<String>> published = new java.util.HashMap<>();
        for (TableDrift d : drifts) {
            if (!d.onDestination()) {
                add(false, subscriber, d.table().toString(), "is not on " + subscriber.role() + ": its rows are not"
                        + " carried back", null);
                continue;
            }
            onBoth.add(d.table());
            if (way == Direction.ROLLBACK && columnLists && !d.missingOnDestination().isEmpty()) {
                published.put(d.table(), d.columnList()); // the column list setup-rollback gives the publication
            }
            if (!d.missingOnDestination().isEmpty() && !columnLists) {
                add(true, subscriber, d.table().toString(), "has column(s) "
                        + d.missingOnDestination().stream().map(Column::name).toList() + " that " + subscriber.role()
                        + " lacks, and a PostgreSQL " + publisher.facts().major() + " publisher has no column lists",
                        "add them on " + subscriber.role() + ", or drop them on " + publisher.role());
            }
            for (Column c : d.destinationOnly()) {
                if (required(c)) {
                    add(true, subscriber, d.table() + "." + c.name(), "is NOT NULL without a database default on "
                            + subscriber.role() + ", and " + publisher.role() + " lacks it: every row the new"
                            + " application inserts there fails on " + subscriber.role() + " (null value violates"
                            + " not-null constraint)",
                            "ALTER TABLE " + d.table().sql() + " ALTER COLUMN " + Sql.ident(c.name()) + " SET DEFAULT "
                                    + zero(c) + "; (on " + subscriber.role() + (way == Direction.ROLLBACK
                                            ? "; add-missing-columns then carries it to destination), or"
                                                    + " add-missing-columns --default "
                                                    + qualifiedColumn(d.table(), c.name()) + "=" + zero(c)
                                            : ")"));
                }
            }
            for (TableDrift.ColumnChange ch : d.changes()) {
                typeFit(d.table(), ch.origin(), ch.destination());
            }
            nullability(d, marker);
        }
        keys(onBoth, published);
    }

    /** A subscriber column every inserted row must give a value. */
    private static boolean required(Column c) {
        return c.notNull() && c.defaultExpr() == null && !c.identity() && !c.generated();
    }

    /** Columns both have, NOT NULL on the subscriber, nullable on the publisher. */
    private void nullability(TableDrift d, String marker) throws SQLException {
        Map<String, Column> sub = upshift.schema.Catalog.columns(subscriber.connection(), List.of(d.table()))
                .getOrDefault(d.table(), List.of()).stream()
                .collect(java.util.stream.Collectors.toMap(Column::name, c -> c));
        Map<String, Column> pub = upshift.schema.Catalog.columns(publisher.connection(), List.of(d.table()))
                .getOrDefault(d.table(), List.of()).stream()
                .collect(java.util.stream.Collectors.toMap(Column::name, c -> c));
        for (String name : d.shared()) {
            Column s = sub.get(name);
            Column p = pub.get(name);
            if (s == null || p == null || !s.notNull() || s.identity() || s.generated() || p.notNull()) {
                continue;
            }
            String column = d.table() + "." + name;
            if (marker.equals(p.comment())) {
                if (p.defaultExpr() == null) {
                    add(true, subscriber, column, "is NOT NULL on " + subscriber.role() + " but the new model dropped"
                            + " it: add-missing-columns added it to " + publisher.role() + " nullable and without a"
                            + " default, so every row the new application inserts there arrives on "
                            + subscriber.role() + " with NULL and stops " + way.label() + " replication",
                            "add-missing-columns --default " + qualifiedColumn(d.table(), name) + "=" + zero(s)
                                    + " (a default on the added column)");
                }
            } else {
                boolean omittedGetsNull = p.defaultExpr() == null;
                add(omittedGetsNull, subscriber, column, "is NOT NULL on " + subscriber.role() + " but nullable in the"
                        + " new model on " + publisher.role() + (omittedGetsNull ? " and has no default there: every"
                                + " row inserted without it" : ": a NULL written explicitly") + " stops " + way.label()
                        + " replication",
                        "keep it NOT NULL in the new model, or ALTER TABLE " + d.table().sql() + " ALTER COLUMN "
                                + Sql.ident(name) + " DROP NOT NULL; (on " + subscriber.role() + ")");
            }
        }
    }

    /** Whether values of the publisher's type fit the subscriber's, and how many rows are near the bound. */
    private void typeFit(QualifiedName table, Column pub, Column sub) throws SQLException {
        TypeChange change = TypeChange.between(pub, sub);
        String column = table + "." + pub.name();
        switch (change) {
            case INCOMPATIBLE -> add(true, subscriber, column, publisher.role() + "'s " + pub.type() + " values do not"
                    + " convert to " + subscriber.role() + "'s " + sub.type() + ": the first row written stops "
                    + way.label() + " replication", "make the types compatible, or --no-rollback");
            case NARROWING -> {
                Long bound = integerBound(sub.baseType());
                if (bound == null) {
                    add(false, subscriber, column, "a " + pub.type() + " value beyond " + subscriber.role() + "'s "
                            + sub.type() + " written on " + publisher.role() + " stops " + way.label()
                            + " replication", null);
                    return;
                }
                long near = count(table, Sql.ident(pub.name()) + " NOT BETWEEN " + -(long) (bound * NEAR_BOUND)
                        + " AND " + (long) (bound * NEAR_BOUND));
                if (near > 0) {
                    add(true, subscriber, column, near + " row(s) on " + publisher.role() + " are within "
                            + Math.round((1 - NEAR_BOUND) * 100) + "% of " + subscriber.role() + "'s " + sub.type()
                            + " bound " + bound + ": the next values written there soon stop " + way.label()
                            + " replication", "widen " + subscriber.role() + "'s column first (ALTER TABLE "
                                    + table.sql() + " ALTER COLUMN " + Sql.ident(pub.name()) + " TYPE " + pub.type()
                                    + "), or --no-rollback");
                } else {
                    info(subscriber, column, "values beyond " + sub.type() + " (±" + bound + ") written on "
                            + publisher.role() + " would stop " + way.label() + " replication; none is near it now");
                }
            }
            case LENGTH_CHECK -> {
                if (sub.length() < 0) {
                    return;
                }
                long near = count(table, "char_length(" + Sql.ident(pub.name()) + ") > "
                        + (long) Math.floor(sub.length() * NEAR_BOUND));
                add(near > 0, subscriber, column, (near > 0 ? near + " row(s) on " + publisher.role()
                        + " are within " + Math.round((1 - NEAR_BOUND) * 100) + "% of " : "values longer than ")
                        + subscriber.role() + "'s " + sub.type() + (near > 0 ? "" : " written on " + publisher.role()
                                + " would") + " stop " + way.label() + " replication",
                        near > 0 ? "widen " + subscriber.role() + "'s column (ALTER TABLE " + table.sql()
                                + " ALTER COLUMN " + Sql.ident(pub.name()) + " TYPE " + pub.type()
                                + "), or --no-rollback" : null);
            }
            default -> {
                // lossless the way back, or a time-zone caution the forward checks already report
            }
        }
    }

    private static Long integerBound(String baseType) {
        return switch (baseType) {
            case "int2" -> (long) Short.MAX_VALUE;
            case "int4" -> (long) Integer.MAX_VALUE;
            default -> null;
        };
    }

    /** Rows of the publisher's table meeting the condition; -1 when this role may not read the table. */
    private long count(QualifiedName table, String condition) throws SQLException {
        try (Statement st = publisher.connection().createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table.sql() + " WHERE " + condition)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            if (!"42501".equals(e.getSQLState())) {
                throw e;
            }
            add(false, publisher, table.toString(), "not checked for values near " + subscriber.role() + "'s type"
                    + " bounds: upshift's role may not read it on " + publisher.role(), "GRANT SELECT on it, then"
                            + " re-run");
            return 0;
        }
    }

    private void keys(List<QualifiedName> tables, Map<QualifiedName, List<String>> published) throws SQLException {
        Map<QualifiedName, TableKeys> pub = TableKeys.read(publisher.connection(), tables);
        Map<QualifiedName, TableKeys> sub = TableKeys.read(subscriber.connection(), tables);
        for (QualifiedName t : tables) {
            TableKeys p = pub.get(t);
            TableKeys s = sub.get(t);
            if (p == null || s == null) {
                continue;
            }
            if (!p.publishable()) {
                add(true, publisher, t.toString(), "has no primary key or replica identity on " + publisher.role()
                        + ": once it is published, every UPDATE and DELETE there fails",
                        "ALTER TABLE " + t.sql() + " ADD PRIMARY KEY (...), or ALTER TABLE " + t.sql()
                                + " REPLICA IDENTITY FULL; (on " + publisher.role() + ")");
                continue;
            }
            for (TableKeys.ApplyProblem problem : TableKeys.applyProblems(p,
                    published.getOrDefault(t, p.columns()), s)) {
                Cluster where = problem.kind() == TableKeys.ApplyProblemKind.COLUMN_LIST_OMITS_IDENTITY ? publisher
                        : subscriber;
                add(true, where, t.toString(), problem.problem(publisher.role(), subscriber.role(), way.label(), p, s),
                        problem.fix(t, publisher.role(), subscriber.role(), p, s));
            }
            for (TableKeys.UniqueIndex u : s.uniqueIndexes()) {
                boolean enforcedByPublisher = p.uniqueIndexes().stream()
                        .anyMatch(pu -> new HashSet<>(u.columns()).containsAll(pu.columns()));
                if (!enforcedByPublisher) {
                    String drop = u.constraint() != null
                            ? "ALTER TABLE " + t.sql() + " DROP CONSTRAINT " + Sql.ident(u.constraint())
                            : "DROP INDEX " + Sql.qualified(t.schema(), u.index());
                    add(true, subscriber, t.toString(), subscriber.role() + " enforces UNIQUE " + u.columns()
                            + " (" + (u.constraint() != null ? u.constraint() : u.index()) + ") and the new model on "
                            + publisher.role() + " does not: a duplicate written there stops " + way.label()
                            + " replication", "keep the constraint in the new model, or " + drop + "; (on "
                                    + subscriber.role() + ", if the new model means it)");
                }
            }
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    /** A value of the column's type to suggest as a default: false, 0, '', now(), '{}'. */
    static String zero(Column c) {
        return switch (c.baseType()) {
            case "bool" -> "false";
            case "int2", "int4", "int8", "numeric", "float4", "float8", "money", "oid" -> "0";
            case "text", "varchar", "bpchar", "citext", "name" -> "''";
            case "timestamptz", "timestamp", "date", "time", "timetz" -> "now()";
            case "json", "jsonb" -> "'{}'";
            case "uuid" -> "gen_random_uuid()";
            case "bytea" -> "''::bytea";
            default -> c.baseType().startsWith("_") ? "'{}'" : "<value>";
        };
    }

    /** {@code schema.table.column} as add-missing-columns --default takes it (identifiers quoted where needed). */
    static String qualifiedColumn(QualifiedName table, String column) {
        return simple(table.schema()) + "." + simple(table.name()) + "." + simple(column);
    }

    private static String simple(String identifier) {
        return identifier.matches("[a-z_][a-z0-9_]*") ? identifier : Sql.ident(identifier);
    }

    private void add(boolean blocking, Cluster where, String subject, String problem, String fix) {
        findings.add(new Finding(blocking ? Level.BLOCKING : Level.WARNING, where.role(), subject, problem, fix));
    }

    private void info(Cluster where, String subject, String problem) {
        findings.add(new Finding(Level.INFO, where.role(), subject, problem, null));
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        String m = message.startsWith("ERROR: ") ? message.substring(7) : message;
        int nl = m.indexOf('\n');
        return nl >= 0 ? m.substring(0, nl) : m;
    }
}
