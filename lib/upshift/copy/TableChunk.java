package upshift.copy;

import upshift.sql.QualifiedName;

/**
 * One unit of the snapshot copy: the rows of one origin relation (the table itself, or one of its leaf partitions) in
 * one ctid or primary-key range (or all of them), copied into the destination table by one worker in one destination
 * transaction that also records it as done.
 *
 * @param table          the destination table (the publication's member, a partitioned root included)
 * @param source         the origin relation read, with ONLY: the table, or a leaf partition of it
 * @param index          the chunk's number within its table (0-based), stable for one plan
 * @param of             how many chunks the table has
 * @param where          the range condition on origin, or null for the whole table
 * @param estimatedBytes the share of the table's size on origin, for progress and ETA
 */
public record TableChunk(QualifiedName table, QualifiedName source, int index, int of, String where,
        long estimatedBytes, CopyPlan.TableCopy copy) {

    /** COPY (SELECT ...) TO STDOUT on origin, under the exported snapshot. */
    public String copyOutSql() {
        return "COPY (SELECT " + copy.selectList() + " FROM ONLY " + source.sql() + (where == null ? ""
                : " WHERE " + where)
                + ") TO STDOUT" + (copy.binary() ? " (FORMAT binary)" : "");
    }

    /** COPY ... FROM STDIN on destination. */
    public String copyInSql() {
        return "COPY " + table.sql() + " (" + copy.columnList() + ") FROM STDIN" + (copy.binary() ? " (FORMAT binary)"
                : "");
    }

    String key() {
        return table.sql() + "#" + index;
    }

    @Override
    public String toString() {
        return table + (source.equals(table) ? "" : " (partition " + source + ")") + (of > 1 ? " [" + (index + 1)
                + "/" + of + "]" : "");
    }
}
