package upshift.verify;

import java.util.List;
import java.util.stream.Collectors;

import upshift.sql.QualifiedName;

/**
 * The one query verify runs per table and side: the row count, and with a checksum an order-independent hash of
 * every row's compared columns.
 *
 * <p>Each row is rendered as the text of a record of its columns' {@link ComparedColumn canonical text} on
 * its side: record output quotes any value holding a delimiter and writes NULL as nothing and an empty string as
 * {@code ""}, so no two different rows render the same. The row's md5 (of its UTF-8 bytes, so that servers
 * with different encodings agree) is cut into two 60-bit numbers (15 hex
 * digits each), and those are summed over the table: sums do not depend on row order, count duplicate rows,
 * and {@code sum(bigint)} returns numeric, which does not overflow. Works the same on PostgreSQL 10 to 18
 * ({@code bit_xor} arrived only in 14, and would cancel out duplicate rows).
 *
 * @param table       the table
 * @param partitioned a partitioned table is read through its root; any other table with ONLY, so that rows of
 *                    inheritance children (published as tables of their own) are not counted twice
 * @param columns     the compared columns; null for a count only (columns that are not compared are left out)
 * @param side        which side this query runs on: each side renders its own column types
 */
public record TableQuery(QualifiedName table, boolean partitioned, List<ComparedColumn> columns,
        ComparedColumn.Side side) {

    /** A count-only query (no columns, so the side does not matter). */
    public TableQuery(QualifiedName table, boolean partitioned) {
        this(table, partitioned, null, ComparedColumn.Side.ORIGIN);
    }

    public boolean checksum() {
        return columns != null;
    }

    public String sql() {
        String from = (partitioned ? "" : "ONLY ") + table.sql();
        if (!checksum()) {
            return "SELECT count(*) AS row_count FROM " + from;
        }
        String row = columns.stream().filter(ComparedColumn::compared).map(c -> c.expression(side))
                .collect(Collectors.joining(", "));
        return "SELECT count(*) AS row_count,"
                + " coalesce(sum(('x' || substr(h, 1, 15))::bit(60)::bigint), 0)::text AS sum1,"
                + " coalesce(sum(('x' || substr(h, 16, 15))::bit(60)::bigint), 0)::text AS sum2"
                + " FROM (SELECT md5(convert_to(ROW(" + row + ")::text, 'UTF8')) AS h FROM " + from + ") AS row_hashes";
    }
}
