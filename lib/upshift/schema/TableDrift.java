package upshift.schema;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import upshift.sql.QualifiedName;

/**
 * How one replicated table differs between origin and destination.
 *
 * @param table                  the table
 * @param onDestination          whether the destination has it at all
 * @param missingOnDestination   origin columns the destination lacks: the apply fails until they are added
 * @param destinationOnly        destination columns origin does not send
 * @param changes                columns both have, with different types
 * @param shared                 names of the columns both sides have, in origin's order
 * @param columnList             those of them a publication's column list names: generated on neither side (each
 *                               side computes its own; a column list may not name one before 18)
 */
public record TableDrift(QualifiedName table, boolean onDestination, List<Column> missingOnDestination,
        List<Column> destinationOnly, List<ColumnChange> changes, List<String> shared, List<String> columnList) {

    /** A column both sides have, with its two definitions and how the type changes. */
    public record ColumnChange(String column, Column origin, Column destination, TypeChange change) {
    }

    /** Compares one table's columns; {@code destination} is null when the destination lacks the table. */
    public static TableDrift compare(QualifiedName table, List<Column> origin, List<Column> destination) {
        if (destination == null) {
            return new TableDrift(table, false, List.copyOf(origin), List.of(), List.of(), List.of(), List.of());
        }
        Map<String, Column> dest = new LinkedHashMap<>();
        destination.forEach(c -> dest.put(c.name(), c));
        List<Column> missing = new ArrayList<>();
        List<ColumnChange> changes = new ArrayList<>();
        List<String> shared = new ArrayList<>();
        List<String> columnList = new ArrayList<>();
        for (Column o : origin) {
            Column d = dest.remove(o.name());
            if (d == null) {
                if (!o.generated()) {
                    missing.add(o);
                }
            } else {
                shared.add(o.name());
                if (!o.generated() && !d.generated()) {
                    columnList.add(o.name());
                }
                TypeChange change = TypeChange.between(o, d);
                if (change != TypeChange.SAME) {
                    changes.add(new ColumnChange(o.name(), o, d, change));
                }
            }
        }
        return new TableDrift(table, true, missing, List.copyOf(dest.values()), changes, shared, columnList);
    }

    /** Destination-only NOT NULL columns without a default: every replicated INSERT fails on them. */
    public List<Column> destinationOnlyRequired() {
        return destinationOnly.stream()
                .filter(c -> c.notNull() && c.defaultExpr() == null && !c.identity() && !c.generated())
                .toList();
    }

    /** Whether binary transfer is safe for this table: the same types everywhere. */
    public boolean binarySafe() {
        return onDestination && changes.stream().allMatch(c -> c.change().binarySafe());
    }
}
