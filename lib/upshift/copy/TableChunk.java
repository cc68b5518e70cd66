package upshift.copy;

import upshift.sql.QualifiedName;

/**
 * One unit of the snapshot copy: a table's rows in one ctid or primary-key range (or all of them), copied by one
 * worker in one destination transaction that also records it as done.
 *
 * @param index          the chunk's number within its table (0-based), stable for one plan
 * @param of             how many chunks the table has
 * @param where          the range condition on origin, or null for the whole table
 * @param estimatedBytes the share of the table's size on origin, for progress and ETA
 */
public record TableChunk(QualifiedName table, int index, int of, String where, long estimatedBytes,
        CopyPlan.TableCopy copy) {

    /** COPY (SELECT ...) TO STDOUT on origin, under the exported snapshot. */
    public String copyOutSql() {
        return "COPY (SELECT " + copy.selectList() + " FROM " + table.sql() + (where == null ? "" : " WHERE " + where)
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
        return table + (of > 1 ? " [" + (index + 1) + "/" + of + "]" : "");
    }
}
