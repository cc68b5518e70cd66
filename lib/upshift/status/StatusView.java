package upshift.status;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import upshift.report.Output;
import upshift.report.Table;
import upshift.server.Feature;
import upshift.server.ServerFacts;
import upshift.verify.VerifyView;

/** Prints a {@link StatusReport} for a person: the two servers side by side, then this migration's objects. */
public final class StatusView {

    private StatusView() {
    }

    public static void print(Output out, StatusReport report) {
        List<ClusterStatus> sides = new ArrayList<>();
        if (report.origin() != null) {
            sides.add(report.origin());
        }
        if (report.destination() != null) {
            sides.add(report.destination());
        }
        out.heading("upshift status: migration \"" + report.migration() + "\"");
        for (ClusterStatus side : sides) {
            out.line(String.format("%-12s %s", side.role(), side.endpoint()));
        }
        if (report.phase() != null) {
            out.line("phase        " + report.phase());
        }
        out.blank();

        Table servers = grid(sides, "server");
        addRow(servers, sides, "version", s -> "PostgreSQL " + s.version());
        addRow(servers, sides, "flavour", ClusterStatus::flavour);
        addRow(servers, sides, "user", s -> s.user() + rights(s));
        addRow(servers, sides, "logical replication", s -> s.logicalReplicationEnabled() ? "on" : "OFF");
        Set<String> settingNames = new LinkedHashSet<>(ServerFacts.REPLICATION_SETTINGS);
        for (String name : settingNames) {
            if (sides.stream().anyMatch(s -> s.settings().containsKey(name))) {
                addRow(servers, sides, name, s -> s.settings().getOrDefault(name, "-"));
            }
        }
        out.table(servers);
        out.blank();

        Table capabilities = grid(sides, "capability");
        for (Feature f : Feature.values()) {
            if (sides.stream().anyMatch(s -> s.capabilities().contains(f))) {
                addRow(capabilities, sides, f.description(),
                        s -> s.capabilities().contains(f) ? "yes" : "no");
            }
        }
        out.table(capabilities);
        out.blank();

        Table objects = Table.of("where", "kind", "name", "state", "detail");
        for (ClusterStatus side : sides) {
            for (MigrationObject o : side.objects()) {
                objects.row(side.role(), o.kind(), o.name(), o.state(), o.detail());
            }
        }
        if (objects.isEmpty()) {
            out.line("No publication, subscription or slot of migration \"" + report.migration() + "\" exists.");
        } else {
            out.table(objects);
        }
        for (ClusterStatus side : sides) {
            if (side.frozenTables() > 0) {
                out.line("Writes frozen on " + side.role() + ": " + side.frozenTables() + " published table(s) reject"
                        + " the application's writes (upshift's freeze triggers; apply workers are not affected).");
            }
            if (!side.frozenRoles().isEmpty()) {
                out.line("Writes frozen on " + side.role() + " for roles " + side.frozenRoles()
                        + " (default_transaction_read_only in this database).");
            }
            if (!side.addedColumns().isEmpty()) {
                out.line("Columns added by add-missing-columns on " + side.role() + ": " + side.addedColumns());
            }
            VerifyView.scope(out, side.notReplicated(), "outside the publication");
        }
    }

    private static String rights(ClusterStatus s) {
        List<String> rights = new ArrayList<>();
        if (s.superuser()) {
            rights.add("superuser");
        }
        if (s.replicationRole()) {
            rights.add("replication");
        }
        rights.addAll(s.memberOf());
        return rights.isEmpty() ? "" : " (" + String.join(", ", rights) + ")";
    }

    private static Table grid(List<ClusterStatus> sides, String firstColumn) {
        String[] headers = new String[sides.size() + 1];
        headers[0] = firstColumn;
        for (int i = 0; i < sides.size(); i++) {
            headers[i + 1] = sides.get(i).role();
        }
        return Table.of(headers);
    }

    private static void addRow(Table table, List<ClusterStatus> sides, String label,
            Function<ClusterStatus, String> value) {
        Object[] cells = new Object[sides.size() + 1];
        cells[0] = label;
        for (int i = 0; i < sides.size(); i++) {
            cells[i + 1] = value.apply(sides.get(i));
        }
        table.row(cells);
    }
}
