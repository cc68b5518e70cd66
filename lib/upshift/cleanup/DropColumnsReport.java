package upshift.cleanup;

import java.util.List;

/**
 * What drop-added-columns checked, found and did, for --json and the summary.
 *
 * @param migration the migration name
 * @param dryRun    whether the SQL was only printed
 * @param backup    whether columns are copied to backup tables first (false with --no-backup)
 * @param checks    the replication objects looked for before dropping anything
 * @param columns   one entry per marked column
 */
public record DropColumnsReport(String migration, boolean dryRun, boolean backup, List<Check> checks,
        List<ColumnResult> columns) {

    /**
     * One replication object whose existence blocks the drop.
     *
     * @param server  where it was looked for
     * @param kind    "subscription" or "publication"
     * @param name    its name
     * @param checked false when that server was not given (origin is optional)
     * @param present whether it exists
     * @param why     what goes wrong while it exists
     */
    public record Check(String server, String kind, String name, boolean checked, boolean present, String why) {
    }

    /**
     * One column add-missing-columns added.
     *
     * @param table       the table
     * @param column      the column
     * @param type        its type
     * @param backupTable the backup table (null with --no-backup)
     * @param backupSize  the backup table's size once made, as a person reads it (text report only)
     * @param backupSizeBytes the same in bytes
     * @param result      "dropped", "would drop", "refused" (a check did not pass), "failed"
     * @param detail      why, when not dropped
     */
    public record ColumnResult(upshift.sql.QualifiedName table, String column, String type,
            upshift.sql.QualifiedName backupTable,
            @com.fasterxml.jackson.annotation.JsonIgnore String backupSize, Long backupSizeBytes,
            String result, String detail) {
    }

    public boolean anyFailed() {
        return columns.stream().anyMatch(c -> c.result().equals("failed"));
    }

    public boolean anyRefused() {
        return columns.stream().anyMatch(c -> c.result().equals("refused"));
    }
}
