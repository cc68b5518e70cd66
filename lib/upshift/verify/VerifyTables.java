package upshift.verify;

import java.sql.SQLException;
import java.util.List;

import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.migration.Publications;
import upshift.schema.TableSelection;
import upshift.sql.QualifiedName;

/**
 * Which tables verify compares: the tables of origin's publication (exactly what is replicated) or the table
 * selection the publication is built from (--owner/--exclude/--schema), optionally narrowed by --table patterns.
 *
 * @param source      where the list came from, for the report: "publication NAME" or "selection"
 * @param tables      in schema/name order
 * @param notCompared tables of the source that --table patterns leave out
 */
public record VerifyTables(String source, List<QualifiedName> tables, List<QualifiedName> notCompared) {

    public VerifyTables(String source, List<QualifiedName> tables) {
        this(source, tables, List.of());
    }

    /** Every table the source replicates, compared or not. */
    public List<QualifiedName> replicated() {
        return java.util.stream.Stream.concat(tables.stream(), notCompared.stream()).sorted().toList();
    }

    /** Where the table list comes from. */
    public enum From {
        /** The publication when it exists on origin (and no selection option was given), else the selection. */
        AUTO,
        SELECTION,
        PUBLICATION
    }

    /**
     * Finds the tables.
     *
     * @param selectionGiven whether the operator gave --owner, --exclude or --schema: AUTO then means the
     *                       selection, since that is what the operator asked for
     * @param publication    origin's publication (NAME_pub)
     * @param patterns       SQL LIKE patterns on {@code name} or {@code schema.name}; empty for every table
     */
    public static VerifyTables find(Cluster origin, From from, TableSelection selection, boolean selectionGiven,
            String publication, List<String> patterns) {
        VerifyTables all;
        try {
            boolean published = from != From.SELECTION && !Publications.existing(
                    origin.connection(), List.of(publication)).isEmpty();
            if (from == From.PUBLICATION && !published) {
                throw new UpshiftException("publication " + publication + " does not exist on origin",
                        "check --name, or pass --tables-from selection to compare the tables the selection"
                                + " options pick");
            }
            if (published && (from == From.PUBLICATION || !selectionGiven)) {
                all = new VerifyTables("publication " + publication, Publications.tables(
                        origin.connection(), List.of(publication)).stream().sorted().toList());
            } else {
                all = new VerifyTables("selection", selection.select(origin.connection()).stream()
                        .map(TableSelection.Table::name).sorted().toList());
            }
        } catch (SQLException e) {
            throw new UpshiftException("cannot list the tables to verify on origin: " + e.getMessage(),
                    "the role needs to read pg_class and pg_publication_tables on origin", e);
        }
        if (all.tables.isEmpty()) {
            throw new UpshiftException("no tables to verify: " + (all.source.equals("selection")
                    ? "the selection (owner " + selection.owner() + ") picks none" : all.source + " has none"),
                    "check --owner, --exclude and --schema, or --tables-from");
        }
        if (patterns.isEmpty()) {
            return all;
        }
        TableSelection matcher = new TableSelection(selection.owner(), patterns, List.of());
        List<QualifiedName> matching = all.tables.stream().filter(matcher::excluded).toList();
        if (matching.isEmpty()) {
            throw UpshiftException.usage("--table " + String.join(",", patterns) + " matches none of the "
                    + all.tables.size() + " table(s) of the " + all.source,
                    "patterns are SQL LIKE patterns on name or schema.name, e.g. auth_% or Billing.%; tables: "
                            + preview(all.tables));
        }
        return new VerifyTables(all.source, matching,
                all.tables.stream().filter(t -> !matching.contains(t)).toList());
    }

    private static String preview(List<QualifiedName> tables) {
        List<String> names = tables.stream().limit(10).map(QualifiedName::toString).toList();
        return String.join(", ", names) + (tables.size() > 10 ? ", ..." : "");
    }
}
