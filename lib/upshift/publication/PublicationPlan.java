package upshift.publication;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import com.fasterxml.jackson.annotation.JsonProperty;

import upshift.migration.PublishedTables;
import upshift.schema.TableSelection;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;

/**
 * What create-publication does: create the publication FOR TABLE the selected tables, or bring an existing one up
 * to date (add tables that appeared since, switch publish_via_partition_root on when partitioned tables need it).
 * Tables published but no longer selected are reported, and removed only when asked.
 *
 * @param publication        the publication's name
 * @param exists             whether it existed before this run (JSON: {@code existed})
 * @param toAdd              selected tables not yet in it
 * @param notSelected        tables in it that the selection no longer picks
 * @param alreadyPublished   selected tables already in it
 * @param needsPartitionRoot a partitioned table is selected, so changes are published as the root's
 * @param statements         the SQL, in order
 */
public record PublicationPlan(String publication, @JsonProperty("existed") boolean exists, List<QualifiedName> toAdd,
        List<QualifiedName> notSelected, List<QualifiedName> alreadyPublished, boolean needsPartitionRoot,
        List<String> statements) {

    public static PublicationPlan of(String publication, List<TableSelection.Table> selected,
            Optional<PublishedTables> existing, boolean prune) {
        List<QualifiedName> wanted = selected.stream().map(TableSelection.Table::name).toList();
        boolean partitioned = selected.stream().anyMatch(TableSelection.Table::partitioned);
        String pub = Sql.ident(publication);
        List<String> statements = new ArrayList<>();
        if (existing.isEmpty()) {
            statements.add("CREATE PUBLICATION " + pub + " FOR TABLE " + list(wanted)
                    + (partitioned ? " WITH (publish_via_partition_root = true)" : ""));
            return new PublicationPlan(publication, false, wanted, List.of(), List.of(), partitioned, statements);
        }
        PublishedTables current = existing.get();
        List<QualifiedName> toAdd = wanted.stream().filter(t -> !current.tables().contains(t)).toList();
        List<QualifiedName> notSelected = current.tables().stream().filter(t -> !wanted.contains(t)).toList();
        List<QualifiedName> already = wanted.stream().filter(current.tables()::contains).toList();
        if (partitioned && !current.viaPartitionRoot()) {
            statements.add("ALTER PUBLICATION " + pub + " SET (publish_via_partition_root = true)");
        }
        if (!toAdd.isEmpty()) {
            statements.add("ALTER PUBLICATION " + pub + " ADD TABLE " + list(toAdd));
        }
        if (prune && !notSelected.isEmpty()) {
            statements.add("ALTER PUBLICATION " + pub + " DROP TABLE " + list(notSelected));
        }
        return new PublicationPlan(publication, true, toAdd, notSelected, already, partitioned, statements);
    }

    /** What the run does (or, under --dry-run, would do): {@code create}, {@code alter} or {@code none}. */
    @JsonProperty("action")
    public String action() {
        return !exists ? "create" : statements.isEmpty() ? "none" : "alter";
    }

    private static String list(List<QualifiedName> tables) {
        return tables.stream().map(QualifiedName::sql).collect(Collectors.joining(", "));
    }
}
