package upshift.preflight;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.migration.MigrationNames;
import upshift.migration.MigrationState;
import upshift.schema.TableDrift;
import upshift.schema.TableSelection;
import upshift.schema.TableSelection.Table;
import upshift.server.Feature;
import upshift.server.ServerFacts;
import upshift.sql.QualifiedName;
import upshift.sql.Queries;
import upshift.sql.Sql;

/**
 * The readiness and compatibility analysis behind {@code preflight}: settings and capacity, rights, tables
 * without a replica identity, schema drift with checks of existing data, objects logical replication does not
 * carry, and whether binary transfer is safe. Reads only; changes nothing on either server.
 *
 * <p>Callable without the script: {@code Preflight.run(origin, destination, selection, options)}.
 */
public final class Preflight {

    private final Context ctx;
    private final Cluster origin;
    private final Cluster destination;
    private final TableSelection selection;
    private final MigrationNames names;
    private final ServerFacts o;
    private final ServerFacts d;
    private boolean subscriptionExists;

    private Preflight(Context ctx) {
        this.ctx = ctx;
        this.origin = ctx.origin;
        this.destination = ctx.destination;
        this.selection = ctx.selection;
        this.names = ctx.names;
        this.o = ctx.o;
        this.d = ctx.d;
    }

    /**
     * Analyses both servers for the given table selection. Throws a usage error when the selection names a schema
     * or owner origin does not have; every other problem is a finding in the report.
     */
    public static PreflightReport run(Cluster origin, Cluster destination, TableSelection selection,
            PreflightOptions options) {
        return new Preflight(new Context(origin, destination, selection, options)).analyse();
    }

    // ---- the analysis, in report order ----------------------------------------------------------------------

    private PreflightReport analyse() {
        try {
            validateSelection();
            List<Table> candidates = selection.candidates(origin.connection());
            List<Table> selected = candidates.stream().filter(t -> !t.excluded() && !t.unlogged()).toList();

            new ServerChecks(ctx).run();
            inPlace();
            tables(candidates, selected);
            replicaIdentity(selected);
            List<TableDrift> drifts = new SchemaChecks(ctx, subscriptionExists).run(selected);
            new IdentityChecks(ctx).run(drifts);
            new ConstraintChecks(ctx).run(drifts);
            wayBack(selected, drifts);
            unloggedTables(candidates);
            largeObjects();
            unpublishedWrites(selected);
            sequences();
            boolean binarySafe = binary(selected, drifts);
            return report(selected, drifts, binarySafe);
        } catch (SQLException e) {
            throw new UpshiftException("preflight could not read the catalog: " + e.getMessage(),
                    "run with -v for the statement; the roles need to read pg_catalog and the replicated tables", e);
        }
    }

    private PreflightReport report(List<Table> selected, List<TableDrift> drifts, boolean binarySafe) {
        List<Finding> sorted = ctx.findings.stream().sorted(Comparator.comparing(Finding::severity)).toList();
        int blocking = count(Severity.BLOCKING);
        PreflightReport.Summary summary = new PreflightReport.Summary(blocking, count(Severity.WARNING),
                count(Severity.INFO), binarySafe, blocking == 0);
        return new PreflightReport(names.name(), server(origin, ctx.o), server(destination, ctx.d),
                selected.stream().map(Table::name).toList(), sorted, summary, drifts);
    }

    private int count(Severity severity) {
        return (int) ctx.findings.stream().filter(f -> f.severity() == severity).count();
    }

    private static PreflightReport.Server server(Cluster cluster, ServerFacts facts) {
        return new PreflightReport.Server(cluster.endpoint().toString(), facts.version(), facts.major(),
                facts.flavour().label(), facts.database(), facts.user());
    }

    /** --schema and --owner must name things origin has: a typo would otherwise look like "nothing to do". */
    private void validateSelection() throws SQLException {
        Connection c = origin.connection();
        if (!selection.schemas().isEmpty()) {
            List<String> unknown = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("SELECT s FROM unnest(?::text[]) s WHERE NOT EXISTS"
                    + " (SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.nspname = s)")) {
                st.setArray(1, c.createArrayOf("text", selection.schemas().toArray()));
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        unknown.add(rs.getString(1));
                    }
                }
            }
            if (!unknown.isEmpty()) {
                String existing = Queries.queryString(c, "SELECT string_agg(nspname, ', ' ORDER BY nspname)"
                        + " FROM pg_catalog.pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'");
                throw UpshiftException.usage("schema " + unknown.stream().map(s -> "\"" + s + "\"")
                        .collect(Collectors.joining(", ")) + " does not exist on origin (" + o.database() + ")",
                        "--schema takes the exact, case-sensitive name; origin has: " + existing);
            }
        }
        try (PreparedStatement st = c.prepareStatement(
                "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ?)")) {
            st.setString(1, selection.owner());
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    throw UpshiftException.usage("role \"" + selection.owner() + "\" does not exist on origin",
                            "--owner takes the role that owns the application's tables (default: the origin user)");
                }
            }
        }
    }

    // ---- the way back ----------------------------------------------------------------------------------------

    /**
     * What rollback replication will need after switchover (switchover checks it again before freezing): rights,
     * the replication connection from origin's server (a probe subscription without slot, created and dropped),
     * and the column rules in reverse.
     */
    private void wayBack(List<Table> selected, List<TableDrift> drifts) throws SQLException {
        if (ctx.options.rollbackConninfo() == null) {
            ctx.add(Severity.INFO, "rollback", Side.BOTH, "rollback replication", "not checked (--no-rollback)",
                    null);
            return;
        }
        List<QualifiedName> onBoth = drifts.stream().filter(TableDrift::onDestination).map(TableDrift::table)
                .toList();
        if (onBoth.isEmpty()) {
            return;
        }
        ctx.options.progress().accept("checking the way back (rollback replication) for " + onBoth.size()
                + " table(s)");
        for (upshift.rollback.RollbackReadiness.Finding f : upshift.rollback.RollbackReadiness.check(origin,
                destination, upshift.migration.Direction.ROLLBACK, names, onBoth, ctx.options.rollbackConninfo(),
                true)) {
            ctx.add(switch (f.level()) {
                case BLOCKING -> Severity.BLOCKING;
                case WARNING -> Severity.WARNING;
                case INFO -> Severity.INFO;
            }, "rollback",
                    f.side().equals("origin") ? Side.ORIGIN : Side.DESTINATION, f.subject(), f.problem(), f.fix());
        }
    }

    // ---- what exists already ----------------------------------------------------------------------------------

    /**
     * This migration's publications, subscriptions and slots that exist already, read through MigrationState (which
     * a non-superuser on PostgreSQL 13, where pg_subscription.oid is hidden, may read too).
     */
    private void inPlace() throws SQLException {
        for (Cluster cluster : List.of(origin, destination)) {
            Side side = cluster == origin ? Side.ORIGIN : Side.DESTINATION;
            MigrationState state = MigrationState.read(cluster.connection(), names);
            List<String> found = new ArrayList<>();
            state.publications().forEach(p -> found.add("publication " + p.name()));
            state.subscriptions().forEach(sub -> found.add("subscription " + sub.name()));
            state.slots().forEach(slot -> found.add("replication slot " + slot.name()));
            if (cluster == destination && state.subscription(names.subscription()).isPresent()) {
                subscriptionExists = true;
            }
            for (String object : found) {
                add(Severity.INFO, "in-place", side, object, object
                        + " already exists: preflight is being re-run part-way through the migration", null);
            }
        }
    }

    // ---- tables -----------------------------------------------------------------------------------------------

    private void tables(List<Table> candidates, List<Table> selected) {
        String where = "owned by " + selection.owner()
                + (selection.schemas().isEmpty() ? "" : " in schema(s) " + String.join(", ", selection.schemas()));
        if (selected.isEmpty()) {
            add(Severity.BLOCKING, "tables", Side.ORIGIN, "table selection", "nothing to replicate: no table "
                    + where + " remains after the exclusions (" + String.join(", ", selection.excludes()) + ")",
                    "pass --owner ROLE (the role that owns the application's tables), --schema or --exclude");
            return;
        }
        List<String> excluded = candidates.stream().filter(Table::excluded).map(t -> t.name().toString()).toList();
        add(Severity.INFO, "tables", Side.ORIGIN, "table selection", selected.size() + " table(s) " + where
                + " will be published" + (excluded.isEmpty() ? "" : "; excluded by pattern: "
                + String.join(", ", excluded)), null);
    }

    private void replicaIdentity(List<Table> selected) throws SQLException {
        List<Table> without = selected.stream().filter(t -> !t.hasReplicaIdentity()).toList();
        if (without.isEmpty()) {
            return;
        }
        Map<QualifiedName, String> usableIndex = usableUniqueIndexes(origin.connection(),
                without.stream().map(Table::name).toList());
        for (Table t : without) {
            String fix;
            if (t.replicaIdentity() == 'n' && t.hasPrimaryKey()) {
                fix = "ALTER TABLE " + t.name().sql() + " REPLICA IDENTITY DEFAULT;";
            } else if (usableIndex.containsKey(t.name())) {
                fix = "ALTER TABLE " + t.name().sql() + " REPLICA IDENTITY USING INDEX "
                        + Sql.ident(usableIndex.get(t.name())) + ";\n-- or: ALTER TABLE " + t.name().sql()
                        + " ADD PRIMARY KEY USING INDEX " + Sql.ident(usableIndex.get(t.name())) + ";";
            } else {
                fix = "ALTER TABLE " + t.name().sql() + " ADD PRIMARY KEY (<unique, not null columns>);\n"
                        + "-- or, when no key exists: ALTER TABLE " + t.name().sql() + " REPLICA IDENTITY FULL;"
                        + "  (every UPDATE/DELETE then logs and matches whole rows)";
            }
            add(Severity.BLOCKING, "replica-identity", Side.ORIGIN, t.name().toString(),
                    "no primary key or replica identity: UPDATE/DELETE on the production origin fail the moment"
                            + " it is published", fix);
        }
    }

    /** For each table, a unique, non-partial, immediate index on NOT NULL columns that can be the replica identity. */
    private static Map<QualifiedName, String> usableUniqueIndexes(Connection c, List<QualifiedName> tables)
            throws SQLException {
        String sql = """
                SELECT DISTINCT ON (i.indrelid) n.nspname, t.relname, x.relname AS index
                  FROM pg_catalog.pg_index i
                  JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
                  JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
                  JOIN pg_catalog.pg_class x ON x.oid = i.indexrelid
                 WHERE i.indisunique AND i.indimmediate AND i.indisvalid
                   AND i.indpred IS NULL AND i.indexprs IS NULL
                   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                                    WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) AND NOT a.attnotnull)
                   AND (n.nspname, t.relname) IN (SELECT * FROM unnest(?::text[], ?::text[]))
                 ORDER BY i.indrelid, i.indnatts, x.relname
                """;
        Map<QualifiedName, String> found = new LinkedHashMap<>();
        try (PreparedStatement st = c.prepareStatement(sql)) {
            Queries.bindNames(c, st, tables);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    found.put(new QualifiedName(rs.getString(1), rs.getString(2)), rs.getString(3));
                }
            }
        }
        return found;
    }

    // ---- what logical replication does not carry ----------------------------------------------------------------

    private void unloggedTables(List<Table> candidates) {
        for (Table t : candidates) {
            if (t.unlogged() && !t.excluded()) {
                add(Severity.WARNING, "unlogged-table", Side.ORIGIN, t.name().toString(), "unlogged tables cannot be"
                        + " published: its rows are not replicated",
                        "ALTER TABLE " + t.name().sql() + " SET LOGGED;  -- on origin (rewrites the table)\n"
                                + "-- or accept that destination starts with it empty (e.g. a cache)");
            }
        }
    }

    private void largeObjects() throws SQLException {
        long count = Queries.queryLong(origin.connection(), "SELECT count(*) FROM pg_catalog.pg_largeobject_metadata");
        if (count > 0) {
            add(Severity.BLOCKING, "large-objects", Side.ORIGIN, "pg_largeobject", count + " large object(s) in use:"
                    + " logical replication does not carry large objects, so destination would lack them",
                    "move them into bytea columns before the migration, or copy them at switchover with"
                            + " pg_dump --data-only --large-objects (-b) and pg_restore, then run preflight again");
        }
    }

    /** Tables outside the publication that the application writes: their changes would stay behind. */
    private void unpublishedWrites(List<Table> selected) throws SQLException {
        String sql = """
                SELECT n.nspname, c.relname, pg_catalog.pg_get_userbyid(c.relowner) AS owner,
                       sum(s.n_tup_ins + s.n_tup_upd + s.n_tup_del) AS writes
                  FROM pg_catalog.pg_stat_user_tables s
                  JOIN pg_catalog.pg_class c ON c.oid = coalesce(pg_catalog.pg_partition_root(s.relid), s.relid)
                  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relpersistence = 'p'
                   AND (cardinality(?::text[]) = 0 OR n.nspname = ANY (?::text[]))
                 GROUP BY 1, 2, 3
                HAVING sum(s.n_tup_ins + s.n_tup_upd + s.n_tup_del) > 0
                 ORDER BY 1, 2
                """;
        Connection c = origin.connection();
        List<QualifiedName> published = selected.stream().map(Table::name).toList();
        List<String> written = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setArray(1, c.createArrayOf("text", selection.schemas().toArray()));
            st.setArray(2, c.createArrayOf("text", selection.schemas().toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    QualifiedName t = new QualifiedName(rs.getString(1), rs.getString(2));
                    if (published.contains(t)) {
                        continue;
                    }
                    String owner = rs.getString("owner");
                    long writes = rs.getLong("writes");
                    String why = !owner.equals(selection.owner()) ? "owned by " + owner
                            : "excluded by pattern";
                    if (TableSelection.DEFAULT_EXCLUDES.contains(t.name())) {
                        add(Severity.INFO, "unpublished-writes", Side.ORIGIN, t.toString(), expected(t.name())
                                + " (" + why + ", " + writes + " write(s) since the statistics were reset)", null);
                    } else {
                        written.add(t + " (" + why + ", " + writes + " write(s))");
                    }
                }
            }
        }
        if (!written.isEmpty()) {
            add(Severity.WARNING, "unpublished-writes", Side.ORIGIN, written.size() + " table(s) outside the publication",
                    "written since the statistics were reset but not replicated, so their changes stay on origin: "
                            + String.join(", ", written),
                    "replicate them (--owner / --exclude; GRANT or ALTER TABLE ... OWNER TO " + Sql.ident(
                            selection.owner()) + "), or copy them at switchover");
        }
    }

    private static String expected(String table) {
        return switch (table) {
            case "django_migrations" -> "expected: restore-schema brings the new model's django_migrations rows";
            case "spatial_ref_sys" -> "expected: PostGIS fills spatial_ref_sys on destination (CREATE EXTENSION"
                    + " postgis); copy any rows you added yourself";
            default -> "excluded by default";
        };
    }

    private void sequences() throws SQLException {
        Connection c = origin.connection();
        long count;
        try (PreparedStatement st = c.prepareStatement("""
                SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                   AND (cardinality(?::text[]) = 0 OR n.nspname = ANY (?::text[]))
                """)) {
            st.setArray(1, c.createArrayOf("text", selection.schemas().toArray()));
            st.setArray(2, c.createArrayOf("text", selection.schemas().toArray()));
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                count = rs.getLong(1);
            }
        }
        if (count > 0) {
            add(Severity.INFO, "sequences", Side.ORIGIN, count + " sequence(s)", count + " sequence(s): logical"
                    + " replication does not carry their values; switchover syncs them (sync-sequences)", null);
        }
    }

    // ---- binary transfer --------------------------------------------------------------------------------------

    private boolean binary(List<Table> selected, List<TableDrift> drifts) {
        List<String> why = new ArrayList<>();
        if (!o.capabilities().has(Feature.PUBLISHER_BINARY)) {
            why.add("origin (PostgreSQL " + o.major() + ") cannot send binary data (needs 14)");
        }
        if (!d.capabilities().has(Feature.SUBSCRIPTION_BINARY)) {
            why.add("destination (PostgreSQL " + d.major() + ") has no binary subscription option (needs 14)");
        }
        if (selected.isEmpty()) {
            why.add("no tables selected");
        } else if (drifts.stream().noneMatch(TableDrift::onDestination)) {
            why.add("the destination schema is not restored yet");
        } else {
            List<String> differing = new ArrayList<>();
            for (TableDrift drift : drifts) {
                if (!drift.onDestination()) {
                    differing.add(drift.table() + " (missing)");
                    continue;
                }
                drift.changes().stream().filter(c -> !c.change().binarySafe()).forEach(c -> differing.add(
                        drift.table() + "." + c.column() + " " + c.origin().type() + " → " + c.destination().type()));
            }
            if (!differing.isEmpty()) {
                why.add(differing.size() + " column type(s) differ, e.g. "
                        + String.join(", ", differing.subList(0, Math.min(3, differing.size()))));
            }
        }
        if (why.isEmpty()) {
            add(Severity.INFO, "binary", Side.BOTH, "subscription option binary",
                    "binary = true is safe: both servers support it and every replicated column has the same type"
                            + " on both sides (faster initial copy and apply)", null);
            return true;
        }
        add(Severity.INFO, "binary", Side.BOTH, "subscription option binary", "binary = true is not safe: "
                + String.join("; ", why) + "; the subscription uses text transfer", null);
        return false;
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private void add(Severity severity, String check, Side side, String subject, String problem, String fix) {
        ctx.add(severity, check, side, subject, problem, fix);
    }

}
