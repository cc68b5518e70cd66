package upshift.preflight;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.migration.MigrationNames;
import upshift.schema.Column;
import upshift.schema.SchemaComparison;
import upshift.schema.TableDrift;
import upshift.schema.TableSelection;
import upshift.schema.TableSelection.Table;
import upshift.server.ServerFacts;
import upshift.sql.QualifiedName;
import upshift.sql.Queries;
import upshift.sql.Sql;

/** Schema drift between origin and destination, with the conversion model's checks of origin's data against the
 * destination's columns ({@link ConversionChecks}, one SELECT per table), and the destination tables' own readiness
 * (replica identity, leftover rows). */
final class SchemaChecks {

    private final Context ctx;
    private final Cluster origin;
    private final Cluster destination;
    private final ServerFacts o;
    private final ServerFacts d;
    private final TableSelection selection;
    private final PreflightOptions options;
    private final MigrationNames names;
    private final boolean subscriptionExists;

    static final String QUERY_CANCELED = "57014";
    static final String INSUFFICIENT_PRIVILEGE = "42501";

    SchemaChecks(Context ctx, boolean subscriptionExists) {
        this.ctx = ctx;
        this.origin = ctx.origin;
        this.destination = ctx.destination;
        this.o = ctx.o;
        this.d = ctx.d;
        this.selection = ctx.selection;
        this.options = ctx.options;
        this.names = ctx.names;
        this.subscriptionExists = subscriptionExists;
    }

    /** Compares the selected tables' schemas, checks origin's data where the destination is narrower. */
    List<TableDrift> run(List<Table> selected) throws SQLException {
        if (selected.isEmpty()) {
            return List.of();
        }
        List<QualifiedName> tableNames = selected.stream().map(Table::name).toList();
        List<TableDrift> drifts = SchemaComparison.compare(origin.connection(), destination.connection(),
                tableNames);
        if (drifts.stream().noneMatch(TableDrift::onDestination)) {
            add(Severity.WARNING, "schema-not-restored", Side.DESTINATION, "database " + d.database(),
                    "none of the " + selected.size() + " tables to replicate exists on destination: the new"
                            + " model's schema is not restored yet, so the column checks were skipped",
                    "./jbang dump-schema   (from a database with the new model)\n./jbang restore-schema"
                            + "   (into destination), then run preflight again");
            return drifts;
        }
        ConversionChecks conversions = new ConversionChecks(ctx);
        conversions.prepare(drifts.stream().filter(TableDrift::onDestination).map(TableDrift::table).toList());
        Map<QualifiedName, Table> byName = selected.stream()
                .collect(Collectors.toMap(Table::name, t -> t, (a, b) -> a, LinkedHashMap::new));
        for (TableDrift drift : drifts) {
            if (!drift.onDestination()) {
                add(Severity.BLOCKING, "table-missing", Side.DESTINATION, drift.table().toString(),
                        "the table exists on origin and will be published, but destination has no such table:"
                                + " the initial sync fails for it",
                        "create it on destination (restore-schema from the new model), or leave it out:"
                                + " --exclude " + Sql.literal(drift.table().toString()));
                continue;
            }
            missingColumns(drift);
            destinationOnly(drift);
            conversions.check(drift, byName.get(drift.table()));
        }
        conversions.finish();
        destinationReplicaIdentity(drifts);
        destinationRows(drifts);
        return drifts;
    }

    private void missingColumns(TableDrift drift) {
        if (drift.missingOnDestination().isEmpty()) {
            return;
        }
        String list = drift.missingOnDestination().stream().map(Column::name).collect(Collectors.joining(", "));
        // exactly what add-missing-columns runs for these columns (without --default): one code for both
        String sql = upshift.columns.AddedColumns.statements(upshift.columns.AddedColumns.plan(List.of(drift)), names)
                .stream().map(s -> s + ";").collect(Collectors.joining("\n"));
        add(Severity.WARNING, "columns-missing", Side.DESTINATION, drift.table().toString(), "origin has column(s) "
                + list + " that destination lacks: the apply fails until they exist; add-missing-columns adds"
                + " them (must run before create-subscription)",
                "./jbang add-missing-columns   (before create-subscription), which runs on destination:\n" + sql);
    }

    private void destinationOnly(TableDrift drift) {
        List<Column> required = drift.destinationOnlyRequired();
        for (Column c : required) {
            add(Severity.BLOCKING, "not-null-without-default", Side.DESTINATION,
                    Fixes.column(drift.table(), c.name()), "destination-only column " + c.name() + " (" + c.type()
                            + ") is NOT NULL without a default: origin does not send it, so every replicated"
                            + " INSERT fails",
                    Fixes.alterColumn(drift.table(), c.name()) + " DROP NOT NULL;\n-- or: "
                            + Fixes.alterColumn(drift.table(), c.name()) + " SET DEFAULT <value>;");
        }
        List<Column> filled = drift.destinationOnly().stream().filter(c -> !required.contains(c)).toList();
        if (!filled.isEmpty()) {
            add(Severity.INFO, "destination-only", Side.DESTINATION, drift.table().toString(),
                    "destination-only column(s) " + filled.stream().map(c -> c.name() + " (" + filledWith(c) + ")")
                            .collect(Collectors.joining(", ")) + " are filled on destination for replicated rows",
                    null);
        }
    }

    private static String filledWith(Column c) {
        if (c.identity()) {
            return "identity";
        }
        if (c.generated()) {
            return "generated";
        }
        return c.defaultExpr() != null ? "default " + c.defaultExpr() : "NULL";
    }

    /** After switchover destination publishes the same tables (rollback): it needs replica identities too. */
    private void destinationReplicaIdentity(List<TableDrift> drifts) throws SQLException {
        List<QualifiedName> onDestination = drifts.stream().filter(TableDrift::onDestination)
                .map(TableDrift::table).toList();
        if (onDestination.isEmpty()) {
            return;
        }
        String sql = """
                SELECT n.nspname, c.relname, c.relkind, c.relreplident,
                       EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indisprimary),
                       EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indisreplident)
                  FROM pg_catalog.pg_class c
                  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind IN ('r', 'p')
                   AND (n.nspname, c.relname) IN (SELECT * FROM unnest(?::text[], ?::text[]))
                 ORDER BY 1, 2
                """;
        Connection c = destination.connection();
        try (PreparedStatement st = c.prepareStatement(sql)) {
            Queries.bindNames(c, st, onDestination);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    Table t = new Table(new QualifiedName(rs.getString(1), rs.getString(2)),
                            rs.getString(3).charAt(0), false, rs.getString(4).charAt(0), rs.getBoolean(5),
                            rs.getBoolean(6), false);
                    if (!t.hasReplicaIdentity()) {
                        add(Severity.WARNING, "replica-identity", Side.DESTINATION, t.name().toString(),
                                "no primary key or replica identity on destination: once rollback replication"
                                        + " publishes it (setup-rollback), UPDATE/DELETE on the new production fail",
                                "ALTER TABLE " + t.name().sql() + " ADD PRIMARY KEY (<columns>);  -- on destination\n"
                                        + "-- or: ALTER TABLE " + t.name().sql() + " REPLICA IDENTITY FULL;");
                    }
                }
            }
        }
    }

    /** Rows already on destination collide with the initial copy (unless the subscription already did it). */
    private void destinationRows(List<TableDrift> drifts) throws SQLException {
        if (subscriptionExists) {
            return;
        }
        List<QualifiedName> onDestination = drifts.stream().filter(TableDrift::onDestination)
                .map(TableDrift::table).toList();
        if (onDestination.isEmpty()) {
            return;
        }
        String sql = onDestination.stream()
                .map(t -> "SELECT " + Sql.literal(t.schema()) + ", " + Sql.literal(t.name())
                        + " WHERE EXISTS (SELECT 1 FROM " + t.sql() + ")")
                .collect(Collectors.joining("\nUNION ALL\n"));
        List<QualifiedName> withRows = new ArrayList<>();
        try (Statement st = destination.connection().createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                withRows.add(new QualifiedName(rs.getString(1), rs.getString(2)));
            }
        } catch (SQLException e) {
            if (INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
                return; // the subscription owner's rights are checked above; this check is best effort
            }
            throw e;
        }
        for (QualifiedName t : withRows) {
            add(Severity.WARNING, "destination-rows", Side.DESTINATION, t.toString(), "destination already has"
                    + " rows in this table: the initial copy adds origin's rows to them and fails on duplicate keys",
                    "TRUNCATE " + t.sql() + ";  -- on destination, if these rows are leftovers");
        }
    }


    private void add(Severity severity, String check, Side side, String subject, String problem, String fix) {
        ctx.add(severity, check, side, subject, problem, fix);
    }
}
