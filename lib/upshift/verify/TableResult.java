package upshift.verify;

import java.util.List;

import upshift.sql.QualifiedName;

/**
 * One table compared.
 *
 * @param table                  the table
 * @param status                 the verdict
 * @param originRows             rows on origin; null when origin lacks the table or the query failed
 * @param destinationRows        rows on destination; null likewise
 * @param originChecksum         a digest of origin's row count and row hashes; null without --checksum
 * @param destinationChecksum    the same on destination
 * @param checksumMatch          whether the digests are equal; null when not checked
 * @param compared               the columns hashed, with both types and how values were compared (empty without
 *                               a checksum)
 * @param originOnlyColumns      columns only origin has: not compared (e.g. legacy columns the new model dropped)
 * @param destinationOnlyColumns columns only destination has: not compared (e.g. columns the new model added)
 * @param originSeconds          how long origin's query took
 * @param destinationSeconds     how long destination's query took
 * @param error                  why the table could not be verified (status ERROR)
 */
public record TableResult(QualifiedName table, Status status, Long originRows, Long destinationRows,
        String originChecksum, String destinationChecksum, Boolean checksumMatch, List<ComparedColumn> compared,
        List<String> originOnlyColumns, List<String> destinationOnlyColumns, Double originSeconds,
        Double destinationSeconds, String error) {

    /** The verdict for one table. */
    public enum Status {
        EQUAL("equal"),
        ROW_COUNT_DIFFERS("row counts differ"),
        CHECKSUM_DIFFERS("rows differ (checksum)"),
        MISSING_ON_DESTINATION("missing on destination"),
        MISSING_ON_ORIGIN("missing on origin"),
        ERROR("not verified: error");

        private final String label;

        Status(String label) {
            this.label = label;
        }

        /** How the human report says it. */
        public String label() {
            return label;
        }
    }

    /** Whether the table is known to differ (an error is not a difference: nothing is known). */
    public boolean differs() {
        return status != Status.EQUAL && status != Status.ERROR;
    }
}
