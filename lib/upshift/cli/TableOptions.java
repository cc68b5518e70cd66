package upshift.cli;

import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Option;
import upshift.connect.Cluster;
import upshift.schema.TableSelection;

/** Which origin tables the migration replicates; shared by every script that works table by table. */
public final class TableOptions {

    @Option(names = "--owner", paramLabel = "ROLE",
            description = "Replicate the tables this role owns. Default: the origin user.")
    String owner;

    @Option(names = "--exclude", paramLabel = "PATTERN", split = ",",
            description = "Leave out tables whose name or schema.name matches this SQL LIKE pattern (repeatable)."
                    + " Default: django_migrations, spatial_ref_sys; giving any replaces the defaults.")
    List<String> excludes;

    @Option(names = "--schema", paramLabel = "SCHEMA", split = ",",
            description = "Only tables in this schema (repeatable). Default: every schema.")
    List<String> schemas = new ArrayList<>();

    /** The selection, with the owner defaulting to the role upshift connects to origin as. */
    public TableSelection selection(Cluster origin) {
        return new TableSelection(owner != null ? owner : origin.facts().user(),
                excludes != null ? excludes : TableSelection.DEFAULT_EXCLUDES, schemas);
    }
}
