package upshift.verify;

import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonProperty;

import upshift.verify.TableResult.Status;

/**
 * What verify found.
 *
 * @param checksum   whether rows were hashed (--checksum) or only counted
 * @param source     where the table list came from ("publication NAME_pub", "selection", "given")
 * @param tables     every table, in the order given
 * @param seconds       wall time of the comparison (both sides run at once)
 * @param notReplicated what the verdict does not cover: the database's tables replication does not carry
 *                      (unlogged, other owners, excluded...), and those this run left out; empty when not looked up
 *                      (the library call compares the tables it is given)
 */
public record VerifyReport(boolean checksum, String source, List<TableResult> tables, double seconds,
        List<NotReplicated> notReplicated) {

    public VerifyReport {
        tables = List.copyOf(tables);
        notReplicated = List.copyOf(notReplicated);
    }

    public VerifyReport(boolean checksum, String source, List<TableResult> tables, double seconds) {
        this(checksum, source, tables, seconds, List.of());
    }

    /** The same report, saying where its table list came from. */
    public VerifyReport from(String tableSource) {
        return new VerifyReport(checksum, tableSource, tables, seconds, notReplicated);
    }

    /** The same report, saying what it does not cover. */
    public VerifyReport scope(List<NotReplicated> outside) {
        return new VerifyReport(checksum, source, tables, seconds, outside);
    }

    /** The columns accepted with --accept-lossy, as "schema.table.column", for the JSON document. */
    public List<String> acceptedLossy() {
        return tables.stream().flatMap(t -> t.compared().stream().filter(ComparedColumn::acceptedLossy)
                .map(c -> t.table() + "." + c.name())).toList();
    }

    /** A column compared as the destination converts it (--accept-lossy). */
    public record LossyColumn(upshift.sql.QualifiedName table, String column) {
    }

    /** The columns accepted with --accept-lossy, for the JSON document. */
    @JsonProperty("acceptedLossy")
    public List<LossyColumn> acceptedLossyColumns() {
        return tables.stream().flatMap(t -> t.compared().stream().filter(ComparedColumn::acceptedLossy)
                .map(c -> new LossyColumn(t.table(), c.name()))).toList();
    }

    /** Tables known to differ: row counts, checksums, or missing on one side. */
    public List<TableResult> differences() {
        return tables.stream().filter(TableResult::differs).toList();
    }

    /** Tables that could not be verified (a query failed): neither equal nor known to differ. */
    public List<TableResult> errors() {
        return tables.stream().filter(t -> t.status() == Status.ERROR).toList();
    }

    /** Every table verified and equal. */
    @JsonProperty("equal")
    public boolean equal() {
        return tables.stream().allMatch(t -> t.status() == Status.EQUAL);
    }

    /** The differing tables' names, for the JSON document. */
    public List<String> differingTables() {
        return differences().stream().map(t -> t.table().toString()).toList();
    }

    @JsonProperty("differing")
    List<upshift.sql.QualifiedName> differingNames() {
        return differences().stream().map(TableResult::table).toList();
    }

    /** The tables that could not be verified, for the JSON document. */
    public List<String> failedTables() {
        return errors().stream().map(t -> t.table().toString()).toList();
    }

    @JsonProperty("failed")
    List<upshift.sql.QualifiedName> failedNames() {
        return errors().stream().map(TableResult::table).toList();
    }

    /** One line: how many tables, what was compared, the verdict. */
    @JsonProperty("summary")
    public String summary() {
        String what = checksum ? "row counts and checksums" : "row counts";
        String time = String.format(Locale.ROOT, "%.1f s", seconds);
        int differing = differences().size();
        int failed = errors().size();
        if (differing == 0 && failed == 0) {
            return "all " + tables.size() + " table(s) equal (" + what + ", " + time + ")";
        }
        StringBuilder sb = new StringBuilder();
        if (differing > 0) {
            sb.append(differing).append(" of ").append(tables.size()).append(" table(s) differ");
        }
        if (failed > 0) {
            sb.append(sb.isEmpty() ? "" : ", ").append(failed).append(" of ").append(tables.size())
                    .append(" table(s) could not be verified");
        }
        return sb.append(" (").append(what).append(", ").append(time).append(")").toString();
    }
}
