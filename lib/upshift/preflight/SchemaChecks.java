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
import java.util.Optional;
import java.util.stream.Collectors;

import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.migration.MigrationNames;
import upshift.schema.Column;
import upshift.schema.SchemaComparison;
import upshift.schema.TableDrift;
import upshift.schema.TableDrift.ColumnChange;
import upshift.schema.TableSelection;
import upshift.schema.TableSelection.Table;
import upshift.server.ServerFacts;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;

/** Schema drift between origin and destination, with checks of origin's data against narrower destination
 * columns (one SELECT per table), and the destination tables' own readiness (replica identity, leftover rows). */
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

    private static final String SQLSTATE_QUERY_CANCELED = "57014";
    private static final String SQLSTATE_INSUFFICIENT_PRIVILEGE = "42501";

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
            typeChanges(drift, byName.get(drift.table()));
        }
        destinationReplicaIdentity(drifts);
        destinationRows(drifts);
        return drifts;
    }

    private void missingColumns(TableDrift drift) {
        if (drift.missingOnDestination().isEmpty()) {
            return;
        }
        String list = drift.missingOnDestination().stream().map(Column::name).collect(Collectors.joining(", "));
        String sql = drift.missingOnDestination().stream()
                .map(c -> "ALTER TABLE " + drift.table().sql() + " ADD COLUMN " + Sql.ident(c.name()) + " "
                        + c.type() + ";")
                .collect(Collectors.joining("\n"));
        add(Severity.WARNING, "columns-missing", Side.DESTINATION, drift.table().toString(), "origin has column(s) "
                + list + " that destination lacks: the apply fails until they exist; add-missing-columns adds"
                + " them (must run before create-subscription)",
                "./jbang add-missing-columns   (before create-subscription), which runs:\n" + sql);
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

    private void typeChanges(TableDrift drift, Table table) {
        List<String> safe = new ArrayList<>();
        List<DataCheck.Probe> probes = new ArrayList<>();
        for (ColumnChange change : drift.changes()) {
            String subject = Fixes.column(drift.table(), change.column());
            String types = change.origin().type() + " → " + change.destination().type();
            switch (change.change()) {
                case WIDENING, CONVERTIBLE -> safe.add(change.column() + " " + types);
                case CAUTION -> add(Severity.WARNING, "type-change", Side.DESTINATION, subject, types + ": "
                        + caution(change), Fixes.alterColumn(drift.table(), change.column()) + " TYPE "
                        + change.origin().type() + ";  -- on destination: keep origin's type until after switchover");
                case INCOMPATIBLE -> add(Severity.BLOCKING, "type-change", Side.DESTINATION, subject, types
                        + ": the destination cannot read origin's values; the apply stops at the first row",
                        Fixes.alterColumn(drift.table(), change.column()) + " TYPE " + change.origin().type()
                                + ";  -- on destination; convert it after switchover");
                case LENGTH_CHECK, NARROWING -> {
                    Optional<DataCheck.Probe> probe = DataCheck.probe(change);
                    if (probe.isPresent()) {
                        probes.add(probe.get());
                    } else {
                        add(Severity.WARNING, "type-change", Side.DESTINATION, subject, types
                                + ": the destination holds less than origin; values that do not fit stop the apply",
                                Fixes.alterColumn(drift.table(), change.column()) + " TYPE "
                                        + change.origin().type() + ";  -- on destination, if origin has such values");
                    }
                }
                default -> {
                }
            }
        }
        if (!safe.isEmpty()) {
            add(Severity.INFO, "type-change", Side.BOTH, drift.table().toString(), "types change safely (every"
                    + " origin value converts): " + String.join(", ", safe), null);
        }
        if (!probes.isEmpty()) {
            checkData(drift.table(), table, probes);
        }
    }

    private static String caution(ColumnChange change) {
        String o = change.origin().baseType();
        String d = change.destination().baseType();
        if ((o.equals("timestamp") && d.equals("timestamptz")) || (o.equals("timestamptz") && d.equals("timestamp"))) {
            return "converted in the apply worker's TimeZone (the subscription owner's), which may shift the values";
        }
        if (o.startsWith("_")) {
            return "array elements convert one by one; an element longer or larger than the destination's element"
                    + " type allows stops the apply (existing values are not checked)";
        }
        return "the destination reads origin's text form, but the result may differ (precision, rounding, format)";
    }

    /** One SELECT over the table on origin for all its checked columns; --skip-data-checks turns them into warnings. */
    private void checkData(QualifiedName table, Table candidate, List<DataCheck.Probe> probes) {
        if (options.skipDataChecks()) {
            for (DataCheck.Probe p : probes) {
                notChecked(table, p, "not checked (--skip-data-checks)");
            }
            return;
        }
        options.progress().accept("checking existing values of " + table + " ("
                + probes.stream().map(DataCheck.Probe::column).collect(Collectors.joining(", ")) + ") on origin");
        List<DataCheck.Outcome> outcomes;
        try {
            outcomes = DataCheck.run(origin.connection(), table, candidate != null && !candidate.partitioned(),
                    probes);
        } catch (SQLException e) {
            if (SQLSTATE_QUERY_CANCELED.equals(e.getSQLState())
                    || SQLSTATE_INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
                String why = SQLSTATE_QUERY_CANCELED.equals(e.getSQLState()) ? "timed out" : "permission denied";
                for (DataCheck.Probe p : probes) {
                    notChecked(table, p, "not checked (" + why + ")");
                }
                return;
            }
            throw new UpshiftException("preflight could not check the values of " + table + " on origin: "
                    + e.getMessage(), "run again with --skip-data-checks to skip reading table data", e);
        }
        for (DataCheck.Outcome r : outcomes) {
            DataCheck.Probe p = r.probe();
            ColumnChange change = p.change();
            String subject = Fixes.column(table, p.column());
            String types = change.origin().type() + " → " + change.destination().type();
            if (r.offending() > 0) {
                add(Severity.BLOCKING, p.kind() == DataCheck.Kind.LENGTH ? "value-length" : "value-range",
                        Side.ORIGIN, subject, types + ": " + r.offending() + " of " + r.rows() + " row(s) on origin"
                                + " do not fit (" + p.extremeLabel(r.extreme()) + "; destination holds " + p.limit()
                                + "): the apply stops at the first one",
                        fitFix(table, p, r));
            } else {
                add(Severity.WARNING, p.kind() == DataCheck.Kind.LENGTH ? "value-length" : "value-range",
                        Side.ORIGIN, subject, types + ": every existing value fits (" + p.extremeLabel(r.extreme())
                                + "; destination holds " + p.limit() + "), but one written later that does not"
                                + " stops replication" + p.roundingNote(),
                        "optional, on origin, rejects such writes at the source: ALTER TABLE " + table.sql()
                                + " ADD CONSTRAINT " + Sql.ident(constraintName(table, p)) + " CHECK (NOT "
                                + p.offendingCondition() + ") NOT VALID;");
            }
        }
    }

    /**
     * Fix the rows on origin (the new model's own migration would reject them too), or make the destination
     * column hold them: varchar(longest) for a length, origin's type for a range.
     */
    private static String fitFix(QualifiedName table, DataCheck.Probe p, DataCheck.Outcome r) {
        ColumnChange change = p.change();
        String wider = change.origin().type();
        if (p.kind() == DataCheck.Kind.LENGTH && r.extreme() != null) {
            wider = (change.destination().baseType().equals("bpchar") ? "character(" : "character varying(")
                    + r.extreme() + ")";
        }
        return "fix those rows on origin, they are: " + DataCheck.rowsQuery(table, p) + "\n"
                + "-- or widen the column on destination: " + Fixes.alterColumn(table, p.column()) + " TYPE "
                + wider + ";";
    }

    private void notChecked(QualifiedName table, DataCheck.Probe p, String why) {
        ColumnChange change = p.change();
        add(Severity.WARNING, p.kind() == DataCheck.Kind.LENGTH ? "value-length" : "value-range", Side.ORIGIN,
                Fixes.column(table, p.column()), change.origin().type() + " → " + change.destination().type()
                        + ": existing values " + why + "; a value outside " + p.limit() + " stops the apply",
                "check by hand on origin: " + DataCheck.countQuery(table, p));
    }

    private static String constraintName(QualifiedName table, DataCheck.Probe p) {
        String name = table.name() + "_" + p.column() + "_upshift_fits";
        return name.length() <= 63 ? name : name.substring(name.length() - 63);
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
            if (SQLSTATE_INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
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
