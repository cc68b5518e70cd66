package upshift.cleanup;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import upshift.UpshiftException;
import upshift.cleanup.DropColumnsReport.Check;
import upshift.cleanup.DropColumnsReport.ColumnResult;
import upshift.columns.AddedColumn;
import upshift.columns.AddedColumns;
import upshift.connect.Cluster;
import upshift.migration.MigrationNames;
import upshift.migration.PublishedTables;
import upshift.migration.Subscription;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;
import upshift.sql.StatementRunner;

/**
 * drop-added-columns: removes, on destination, the columns add-missing-columns added (found by their COMMENT).
 * Per table, in one transaction: each column copied with the table's primary key into a backup table beside it,
 * then one ALTER TABLE ... DROP COLUMN for all of them. The copy only takes the lock a SELECT takes; the exclusive
 * lock is taken last, for the (catalog-only) DROP COLUMN, and waits at most upshift's lock_timeout.
 *
 * <p>Dropping is refused while replication that sends or receives these columns exists: the forward subscription
 * on destination (origin's rows still carry the column), the rollback publication on destination and the rollback
 * subscription on origin (origin would receive rows without the column).
 */
public final class AddedColumnsDrop {

    private static final String PRIMARY_KEY = """
            SELECT a.attname
              FROM pg_catalog.pg_index i
              JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
             WHERE n.nspname = ? AND c.relname = ? AND i.indisprimary
             ORDER BY pg_catalog.array_position(i.indkey::int2[], a.attnum)
            """;

    private static final String RELATION_EXISTS = """
            SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = ? AND c.relname = ?
            """;

    private final Cluster destination;
    private final Optional<Cluster> origin;
    private final MigrationNames names;
    private final StatementRunner runner;

    /** @param origin the origin, when given: only then is the rollback subscription there looked for */
    public AddedColumnsDrop(Cluster destination, Optional<Cluster> origin, MigrationNames names,
            StatementRunner runner) {
        this.destination = destination;
        this.origin = origin;
        this.names = names;
        this.runner = runner;
    }

    /** One marked column and where its backup goes. */
    record ColumnPlan(AddedColumn column, QualifiedName backup, boolean backupExists) {
    }

    /** One table's marked columns and its primary key (empty: it has none). */
    record TablePlan(QualifiedName table, List<String> primaryKey, List<ColumnPlan> columns) {
    }

    /** What drop-added-columns found: the checks and the columns, table by table. Nothing changed yet. */
    public record Plan(List<Check> checks, List<TablePlan> tables, boolean backup) {

        public boolean nothingToDrop() {
            return tables.isEmpty();
        }

        /** The checks that did not pass: replication objects that exist. */
        public List<Check> blockers() {
            return checks.stream().filter(Check::present).toList();
        }

        /** The columns this run can drop (the others are refused or would overwrite a backup). */
        List<ColumnPlan> droppable(TablePlan t) {
            if (backup && t.primaryKey().isEmpty()) {
                return List.of();
            }
            return t.columns().stream().filter(c -> !backup || !c.backupExists()).toList();
        }

        public boolean changesAnything() {
            return tables.stream().anyMatch(t -> !droppable(t).isEmpty());
        }

        public String question() {
            List<String> columns = new ArrayList<>();
            tables.forEach(t -> droppable(t).forEach(c -> columns.add(t.table() + "." + c.column().column())));
            StringBuilder text = new StringBuilder("drop-added-columns: drops " + columns.size()
                    + " added column(s) on destination, for good");
            columns.forEach(c -> text.append("\n    - ").append(c));
            return text.append(backup ? "\n  each copied first with its table's primary key into a backup table"
                    + " beside its table" : "\n  WITHOUT backup (--no-backup): their values are lost")
                    .append("\n  point of no return: each table's DROP COLUMN").toString();
        }
    }

    /** Reads the marked columns, primary keys, existing backups and the replication objects. Changes nothing. */
    public Plan plan(boolean backup) {
        try {
            Connection d = destination.connection();
            Map<QualifiedName, List<AddedColumn>> byTable = new LinkedHashMap<>();
            for (AddedColumn c : AddedColumns.marked(d, names)) {
                byTable.computeIfAbsent(c.table(), k -> new ArrayList<>()).add(c);
            }
            List<TablePlan> tables = new ArrayList<>();
            for (Map.Entry<QualifiedName, List<AddedColumn>> e : byTable.entrySet()) {
                List<ColumnPlan> columns = new ArrayList<>();
                for (AddedColumn c : e.getValue()) {
                    QualifiedName backupTable = BackupTableName.of(c.table(), c.column());
                    columns.add(new ColumnPlan(c, backupTable, exists(d, backupTable)));
                }
                tables.add(new TablePlan(e.getKey(), primaryKey(d, e.getKey()), columns));
            }
            return new Plan(checks(), tables, backup);
        } catch (SQLException e) {
            throw new UpshiftException("cannot read the destination's catalog: " + e.getMessage(),
                    "the role needs to read pg_catalog on destination", e);
        }
    }

    private List<Check> checks() throws SQLException {
        List<Check> checks = new ArrayList<>();
        Connection d = destination.connection();
        checks.add(new Check(destination.role(), "subscription", names.subscription(), true,
                Subscription.find(d, names.subscription()).isPresent(),
                "forward replication still applies origin's rows, which carry the column: the apply would fail"
                        + " (run cleanup --forward first)"));
        checks.add(new Check(destination.role(), "publication", names.rollbackPublication(), true,
                PublishedTables.read(d, names.rollbackPublication()).isPresent(),
                "rollback replication would send origin rows without the column (run cleanup --rollback first)"));
        if (origin.isPresent()) {
            checks.add(new Check(origin.get().role(), "subscription", names.rollbackSubscription(), true,
                    Subscription.find(origin.get().connection(), names.rollbackSubscription()).isPresent(),
                    "origin still subscribes to destination and would receive rows without the column"
                            + " (run cleanup --rollback first)"));
        } else {
            checks.add(new Check("origin", "subscription", names.rollbackSubscription(), false, false,
                    "not checked: origin not given (--origin or PGURL_ORIGIN)"));
        }
        return checks;
    }

    /**
     * Drops the droppable columns, table by table (or prints the script under --dry-run). A table whose
     * transaction fails is reported and the others go on.
     */
    public DropColumnsReport execute(Plan plan) {
        List<ColumnResult> results = new ArrayList<>();
        for (TablePlan t : plan.tables()) {
            List<ColumnPlan> droppable = plan.droppable(t);
            String failure = null;
            if (!droppable.isEmpty()) {
                try {
                    runner.transaction(destination, statements(t, droppable, plan.backup()));
                } catch (UpshiftException e) {
                    failure = e.getMessage();
                }
            }
            for (ColumnPlan c : t.columns()) {
                results.add(result(plan, t, c, droppable.contains(c), failure));
            }
        }
        return new DropColumnsReport(names.name(), runner.dryRun(), plan.backup(), plan.checks(), results);
    }

    /** SET LOCAL statement_timeout = 0 (a copy may take long), the backups, their comments, one ALTER TABLE. */
    static List<String> statements(TablePlan t, List<ColumnPlan> columns, boolean backup) {
        List<String> statements = new ArrayList<>();
        if (backup) {
            statements.add("SET LOCAL statement_timeout = 0");
            String key = String.join(", ", t.primaryKey().stream().map(Sql::ident).toList());
            for (ColumnPlan c : columns) {
                statements.add("CREATE TABLE " + c.backup().sql() + " AS SELECT " + key + ", "
                        + Sql.ident(c.column().column()) + " FROM " + t.table().sql());
                statements.add("COMMENT ON TABLE " + c.backup().sql() + " IS " + Sql.literal("upshift: backup of "
                        + t.table() + "." + c.column().column() + " (" + c.column().type() + ") with the primary key,"
                        + " made by drop-added-columns before dropping the column"));
            }
        }
        statements.add("ALTER TABLE " + t.table().sql() + " " + String.join(", ", columns.stream()
                .map(c -> "DROP COLUMN " + Sql.ident(c.column().column())).toList()));
        return statements;
    }

    private ColumnResult result(Plan plan, TablePlan t, ColumnPlan c, boolean attempted, String failure) {
        QualifiedName backupTable = plan.backup() ? c.backup() : null;
        QualifiedName table = t.table();
        String column = c.column().column();
        String type = c.column().type();
        if (plan.backup() && t.primaryKey().isEmpty()) {
            return new ColumnResult(table, column, type, null, null, null, "refused", "the table has no primary key"
                    + " to match a backup to its rows; --no-backup drops its columns without one");
        }
        if (!attempted) {
            return new ColumnResult(table, column, type, backupTable, null, null, "failed", "backup table "
                    + backupTable + " already exists: not overwritten; check what it holds, rename or drop it, then"
                    + " run again");
        }
        if (failure != null) {
            return new ColumnResult(table, column, type, backupTable, null, null, "failed", failure);
        }
        if (runner.dryRun()) {
            return new ColumnResult(table, column, type, backupTable, null, null, "would drop", "");
        }
        Object[] size = plan.backup() ? size(c.backup()) : new Object[2];
        return new ColumnResult(table, column, type, backupTable, (String) size[0], (Long) size[1], "dropped", "");
    }

    /** The table's total size: as a person reads it, and in bytes (nulls when it cannot be read). */
    private Object[] size(QualifiedName table) {
        try (PreparedStatement st = destination.connection().prepareStatement(
                "SELECT pg_catalog.pg_size_pretty(s), s FROM (SELECT"
                        + " pg_catalog.pg_total_relation_size(pg_catalog.to_regclass(?)) AS s) t")) {
            st.setString(1, table.sql());
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return new Object[2];
                }
                long bytes = rs.getLong(2);
                return new Object[] {rs.getString(1), rs.wasNull() ? null : bytes};
            }
        } catch (SQLException e) {
            return new Object[2];
        }
    }

    static List<String> primaryKey(Connection c, QualifiedName table) throws SQLException {
        List<String> key = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement(PRIMARY_KEY)) {
            st.setString(1, table.schema());
            st.setString(2, table.name());
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    key.add(rs.getString(1));
                }
            }
        }
        return key;
    }

    private static boolean exists(Connection c, QualifiedName relation) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(RELATION_EXISTS)) {
            st.setString(1, relation.schema());
            st.setString(2, relation.name());
            try (ResultSet rs = st.executeQuery()) {
                return rs.next();
            }
        }
    }
}
