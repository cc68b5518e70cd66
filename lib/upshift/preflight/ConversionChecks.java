package upshift.preflight;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import upshift.UpshiftException;
import upshift.schema.AcceptedLossy;
import upshift.schema.ColumnRef;
import upshift.schema.ColumnTypes;
import upshift.schema.ColumnTypes.ColumnType;
import upshift.schema.Conversion;
import upshift.schema.Conversion.Verdict;
import upshift.schema.ServerTimeZone;
import upshift.schema.TableDrift;
import upshift.schema.TableKeys;
import upshift.schema.TableSelection.Table;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;

/**
 * The exact conversion model applied to every column both servers have ({@link Conversion}): pairs that lose or
 * reject values are counted on origin's data, one scan per table, and block with the count, two example keys and
 * the fix; {@code --accept-lossy TABLE.COLUMN} turns an intended loss into a warning.
 */
final class ConversionChecks {

    private final Context ctx;
    private final AcceptedLossy accepted;
    private final Set<ColumnRef> lossyColumns = new HashSet<>();
    private Map<QualifiedName, Map<String, ColumnType>> originTypes = Map.of();
    private Map<QualifiedName, Map<String, ColumnType>> destinationTypes = Map.of();
    private Map<QualifiedName, TableKeys> keys = Map.of();
    private Conversion.Servers servers;
    private ServerTimeZone originZone;
    private ServerTimeZone destinationZone;

    ConversionChecks(Context ctx) {
        this.ctx = ctx;
        this.accepted = ctx.options.acceptLossy();
    }

    /** Reads both servers' type definitions, origin's keys and both servers' default TimeZone. */
    void prepare(List<QualifiedName> tables) throws SQLException {
        Connection origin = ctx.origin.connection();
        Connection destination = ctx.destination.connection();
        originTypes = ColumnTypes.read(origin, tables);
        destinationTypes = ColumnTypes.read(destination, tables);
        keys = TableKeys.read(origin, tables);
        originZone = ServerTimeZone.of(origin, ctx.o.user());
        destinationZone = ServerTimeZone.of(destination, ctx.d.user());
        servers = new Conversion.Servers(ctx.o.capabilities(), ctx.d.capabilities(), originZone.zone(),
                destinationZone.zone());
    }

    /** Classifies the table's shared columns, counts the offending rows on origin, and reports. */
    void check(TableDrift drift, Table candidate) {
        QualifiedName table = drift.table();
        Map<String, ColumnType> o = originTypes.getOrDefault(table, Map.of());
        Map<String, ColumnType> d = destinationTypes.getOrDefault(table, Map.of());
        Set<String> renamed = drift.changes().stream().map(TableDrift.ColumnChange::column)
                .collect(Collectors.toSet());
        List<String> safe = new ArrayList<>();
        List<DataCheck.Probe> probes = new ArrayList<>();
        for (String column : drift.shared()) {
            ColumnType ot = o.get(column);
            ColumnType dt = d.get(column);
            if (ot == null || dt == null) {
                continue;
            }
            Conversion conversion = Conversion.between(Sql.ident(column), ot, dt, servers);
            String types = describe(ot) + " → " + describe(dt);
            String subject = Fixes.column(table, column);
            switch (conversion.verdict()) {
                case LOSSLESS -> {
                    if (renamed.contains(column)) {
                        safe.add(column + " " + ot.type().format() + " → " + dt.type().format());
                    }
                }
                case IMPOSSIBLE -> {
                    boolean generated = ot.generated() != dt.generated();
                    add(Severity.BLOCKING, generated ? "generated-column" : "type-change", Side.DESTINATION,
                            subject, types + ": " + conversion.what() + notAcceptable(table, column),
                            generated ? generatedFix(table, column, ot, dt) : keepTypeFix(table, column, ot));
                }
                default -> {
                    if (conversion.failsWhen() == null && conversion.changesWhen() == null
                            && !conversion.nullFails()) {
                        add(Severity.WARNING, "type-change", Side.DESTINATION, subject, types + ": "
                                + conversion.what() + (conversion.note() == null ? "" : " (" + conversion.note()
                                + ")"), keepTypeFix(table, column, ot)
                                + "\n-- or check the values by hand before the initial copy");
                    } else {
                        probes.add(new DataCheck.Probe(column, types, "", conversion));
                    }
                }
            }
        }
        if (!safe.isEmpty()) {
            add(Severity.INFO, "type-change", Side.BOTH, table.toString(), "types change safely (every"
                    + " origin value converts unchanged): " + String.join(", ", safe), null);
        }
        if (!probes.isEmpty()) {
            checkData(table, candidate, probes);
        }
    }

    /** Accepted columns that are not a lossy conversion: say so, the option does nothing for them. */
    void finish() {
        for (ColumnRef c : accepted.columns()) {
            if (!lossyColumns.contains(c)) {
                add(Severity.WARNING, "accept-lossy", Side.BOTH, c.toString(), "--accept-lossy names a column whose"
                        + " values no conversion changes (or that is not replicated): nothing to accept", null);
            }
        }
    }

    private static String describe(ColumnType c) {
        return (c.generated() ? "generated " : "") + c.type().describe();
    }

    private String notAcceptable(QualifiedName table, String column) {
        return accepted.accepts(table, column) ? " (--accept-lossy does not apply: this is not a change of values"
                + " but a stop or a loss of every value)" : "";
    }

    private void checkData(QualifiedName table, Table candidate, List<DataCheck.Probe> probes) {
        if (ctx.options.skipDataChecks()) {
            probes.forEach(p -> notChecked(table, p, "not checked (--skip-data-checks)"));
            return;
        }
        ctx.options.progress().accept("checking existing values of " + table + " ("
                + probes.stream().map(DataCheck.Probe::column).collect(Collectors.joining(", ")) + ") on origin");
        List<DataCheck.Outcome> outcomes;
        try {
            outcomes = DataCheck.run(ctx.origin.connection(), table, candidate != null && !candidate.partitioned(),
                    key(table), probes);
        } catch (SQLException e) {
            if (SchemaChecks.QUERY_CANCELED.equals(e.getSQLState())
                    || SchemaChecks.INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
                String why = SchemaChecks.QUERY_CANCELED.equals(e.getSQLState()) ? "timed out" : "permission denied";
                probes.forEach(p -> notChecked(table, p, "not checked (" + why + ")"));
                return;
            }
            throw new UpshiftException("preflight could not check the values of " + table + " on origin: "
                    + e.getMessage(), "run again with --skip-data-checks to skip reading table data", e);
        }
        for (DataCheck.Outcome r : outcomes) {
            report(table, r);
        }
    }

    private DataCheck.Key key(QualifiedName table) {
        TableKeys k = keys.get(table);
        if (k == null || !k.hasKey()) {
            return new DataCheck.Key(List.of(), false);
        }
        boolean integral = false;
        if (k.keyColumns().size() == 1) {
            ColumnType t = originTypes.getOrDefault(table, Map.of()).get(k.keyColumns().get(0));
            integral = t != null && Set.of("int2", "int4", "int8").contains(t.type().withoutDomains().name());
        }
        return new DataCheck.Key(k.keyColumns(), integral);
    }

    private void report(QualifiedName table, DataCheck.Outcome r) {
        DataCheck.Probe p = r.probe();
        Conversion c = p.conversion();
        String subject = Fixes.column(table, p.column());
        String types = p.originType();
        ColumnType ot = originTypes.get(table).get(p.column());
        boolean isAccepted = accepted.accepts(table, p.column());
        String note = c.note() == null ? "" : " (" + c.note() + ")";
        if (c.changesWhen() != null) {
            lossyColumns.add(new ColumnRef(table, p.column()));
        }
        if (r.error() != null) {
            boolean dataError = r.errorState() != null && (r.errorState().startsWith("22")
                    || r.errorState().startsWith("23"));
            if (dataError) {
                add(Severity.BLOCKING, "value-rejected", Side.ORIGIN, subject, types + ": converting origin's"
                        + " values as the destination does fails on at least one row (" + r.error() + "): the apply"
                        + " stops there", keepTypeFix(table, p.column(), ot) + "\n-- or fix the rows on origin");
            } else {
                add(Severity.WARNING, "value-rejected", Side.ORIGIN, subject, types + ": " + c.what()
                        + "; the check could not be evaluated on origin (" + r.error() + ")",
                        "check by hand on origin (with what the expression needs created there):\n"
                                + DataCheck.countQuery(table, p.failing()));
            }
            return;
        }
        String extreme = c.extreme() == null ? "" : " (" + c.extreme().label(r.extreme()) + "; destination holds "
                + c.extreme().limit() + ")";
        boolean clean = true;
        if (r.failing() > 0) {
            clean = false;
            add(Severity.BLOCKING, c.failCheck(), Side.ORIGIN, subject, types + ": " + r.failing() + " of " + r.rows()
                    + " row(s) on origin " + c.failLabel() + extreme + ": the apply stops at the first one; "
                    + examples(table, r.failingKeys()) + note
                    + (isAccepted ? " (--accept-lossy does not apply: rejected rows stop replication)" : ""),
                    failFix(table, p, r));
        }
        if (r.changing() > 0) {
            clean = false;
            String what = r.changing() + " of " + r.rows() + " row(s) on origin change on the way: they "
                    + c.changeLabel() + "; " + examples(table, r.changingKeys()) + note;
            if (isAccepted) {
                add(Severity.WARNING, "value-lossy", Side.ORIGIN, subject, types + ": accepted (--accept-lossy): "
                        + what, null);
            } else {
                add(Severity.BLOCKING, "value-lossy", Side.ORIGIN, subject, types + ": " + what
                        + "; verify would report them as different", lossyFix(table, p, ot));
            }
        }
        if (clean) {
            List<String> parts = new ArrayList<>();
            if (p.checksFailures()) {
                parts.add("every existing value fits" + extreme + ", but one written later that "
                        + c.failLabel().replaceFirst("^are ", "is ").replaceFirst("^have ", "has ")
                        + " stops replication");
            }
            if (p.checksChanges()) {
                parts.add((p.checksFailures() ? "and no" : "no") + " existing value changes, but later values that "
                        + c.changeLabel() + " will");
            }
            if (c.verdict() == Verdict.UNVERIFIED) {
                parts.add("every existing value converts; " + c.what());
            }
            String fix = null;
            if (p.checksFailures() && !c.fragile()) {
                fix = "optional, on origin, rejects such writes at the source: ALTER TABLE " + table.sql()
                        + " ADD CONSTRAINT " + Sql.ident(constraintName(table, p.column())) + " CHECK (NOT "
                        + p.failing() + ") NOT VALID;";
            } else if (isAccepted) {
                fix = null;
            } else if (p.checksChanges()) {
                fix = "if later changes are intended: " + AcceptedLossy.option(table, p.column());
            }
            add(Severity.WARNING, p.checksFailures() ? c.failCheck() : "value-lossy", Side.ORIGIN, subject,
                    types + ": " + String.join("; ", parts) + note, fix);
        }
    }

    private static String examples(QualifiedName table, List<String> keys) {
        if (keys.isEmpty()) {
            return "no example key";
        }
        return "e.g. " + String.join(" and ", keys);
    }

    private String failFix(QualifiedName table, DataCheck.Probe p, DataCheck.Outcome r) {
        Conversion c = p.conversion();
        ColumnType ot = originTypes.get(table).get(p.column());
        ColumnType dt = destinationTypes.get(table).get(p.column());
        String wider = ot.type().format();
        if (c.extreme() != null && c.extreme().measure() == Conversion.Measure.LENGTH && r.extreme() != null
                && !dt.type().isArray() && !dt.type().isDomain()) {
            wider = (dt.type().name().equals("bpchar") ? "character(" : "character varying(") + r.extreme() + ")";
        }
        return "fix those rows on origin, they are: " + DataCheck.rowsQuery(table, p.failing()) + "\n"
                + "-- or widen the column on destination (keep a type that holds them until after switchover): "
                + Fixes.alterColumn(table, p.column()) + " TYPE " + wider + ";";
    }

    private static String lossyFix(QualifiedName table, DataCheck.Probe p, ColumnType ot) {
        return keepTypeFix(table, p.column(), ot) + "\n-- or fix those rows on origin, they are: "
                + DataCheck.rowsQuery(table, p.changing()) + "\n-- or, if the change is intended, run preflight (and"
                + " verify) with " + AcceptedLossy.option(table, p.column());
    }

    private static String keepTypeFix(QualifiedName table, String column, ColumnType ot) {
        return Fixes.alterColumn(table, column) + " TYPE " + ot.type().format()
                + ";  -- on destination: keep origin's type until after switchover, convert it then";
    }

    private static String generatedFix(QualifiedName table, String column, ColumnType ot, ColumnType dt) {
        if (dt.generated()) {
            return Fixes.alterColumn(table, column) + " DROP EXPRESSION;  -- on destination, until after"
                    + " switchover (PostgreSQL 13+); make it generated again then";
        }
        return "make the column generated on destination as well (the same GENERATED ALWAYS AS (...) STORED), or"
                + " fill it on destination after the initial copy";
    }

    private void notChecked(QualifiedName table, DataCheck.Probe p, String why) {
        Conversion c = p.conversion();
        List<String> queries = new ArrayList<>();
        if (p.checksFailures()) {
            queries.add(DataCheck.countQuery(table, p.failing()));
        }
        if (p.checksChanges()) {
            queries.add(DataCheck.countQuery(table, p.changing()));
        }
        add(Severity.WARNING, p.checksFailures() ? c.failCheck() : "value-lossy", Side.ORIGIN,
                Fixes.column(table, p.column()), p.originType() + ": existing values " + why + "; " + c.what()
                        + (c.extreme() == null ? "" : " (destination holds " + c.extreme().limit() + ")"),
                "check by hand on origin: " + String.join("\n", queries));
        if (c.changesWhen() != null) {
            lossyColumns.add(new ColumnRef(table, p.column()));
        }
    }

    private static String constraintName(QualifiedName table, String column) {
        String name = table.name() + "_" + column + "_upshift_fits";
        return name.length() <= 63 ? name : name.substring(name.length() - 63);
    }

    private void add(Severity severity, String check, Side side, String subject, String problem, String fix) {
        ctx.add(severity, check, side, subject, problem, fix);
    }
}
