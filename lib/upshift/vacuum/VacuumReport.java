package upshift.vacuum;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnore;

import upshift.sql.QualifiedName;

/**
 * What vacuum-analyze did.
 *
 * @param source              "subscription" or "publication": where the table list came from
 * @param sourceName          its name
 * @param dryRun              statements printed, nothing run
 * @param tables              every table, in the order processed
 * @param failed              how many tables failed (or could not be vacuumed)
 * @param autovacuumResumed   tables whose autovacuum upshift had paused and this run switched back on
 * @param autovacuumStillOff  tables with autovacuum_enabled = false that upshift did not pause (left as they are)
 * @param seconds             the whole run
 */
public record VacuumReport(String source, String sourceName, boolean dryRun, List<TableResult> tables, int failed,
        List<QualifiedName> autovacuumResumed, List<QualifiedName> autovacuumStillOff, double seconds) {

    /**
     * One table.
     *
     * @param status  "vacuumed", "failed" or (under --dry-run) "planned"
     * @param seconds how long VACUUM (ANALYZE) took; null when it did not run
     * @param error   why it failed
     */
    public record TableResult(QualifiedName table, Long sizeBytes, @JsonIgnore String size, String status,
            Double seconds,
            String error) {
    }
}
