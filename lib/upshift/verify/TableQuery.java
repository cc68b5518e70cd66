package upshift.verify;

import java.util.List;
import java.util.stream.Collectors;

import upshift.sql.QualifiedName;

/**
 * The one query verify runs per table (or per range of a large table) and side: the row count, and with a checksum
 * an order-independent sum of a 64-bit hash of every row's compared columns.
 *
 * <p>Each row is rendered as the text of a record of its columns' {@link ComparedColumn canonical text}
 * on its side: record output quotes any value holding a delimiter and writes NULL as nothing and an empty string as
 * {@code ""}, so no two different rows render the same. That text is hashed once with PostgreSQL's 64-bit
 * {@code hash_any_extended} (Bob Jenkins' lookup3, the hash of hash partitioning), in one of two spellings that
 * hash the same bytes, the row text's UTF-8 form ({@link RowHash}):
 * <ul>
 * <li>{@link RowHash#UTF8_TEXT} when both servers' encoding is UTF8: {@code hashtextextended(row COLLATE "C", 1)},
 * straight over the text (its bytes are its UTF-8 form; the C collation is deterministic, so no sort key enters
 * the hash), with no conversion and no array per row;</li>
 * <li>{@link RowHash#UTF8_BYTES} otherwise (a LATIN1 side): {@code hash_array_extended(ARRAY[convert_to(row,
 * 'UTF8')], 1)}, which converts the text to UTF-8 first (bytea has neither encoding nor collation) and hashes the
 * one-element array, i.e. {@code 31 + hash_any_extended(bytes, 1)}. Both sides use the same spelling.</li>
 * </ul>
 * The hashes are summed over the table with {@code sum(bigint)}, which returns numeric: an exact integer, no
 * wrap-around. Sums do not depend on row order and count duplicate rows as often as they appear ({@code bit_xor},
 * only from 14, would cancel {x, x} against {y, y}); being sums, the parts of a table read in ranges by several
 * sessions add up to the same total (see {@link Verification}).
 *
 * <p>Why these functions: they are the hash functions of hash partitioning, whose partitions pg_upgrade keeps as
 * they are, so they give the same value on every major version (11 to 18; proved on 13 to 18 by TableQueryTest).
 * They depend on the CPU's byte order: a little-endian origin and a big-endian destination would disagree, which
 * verify reports as a difference, never as a false "equal".
 *
 * <p><b>Exactness, the probability bound.</b> The row counts are compared, and so are the exact sums. Let the two
 * sides' multisets of rows differ, with the same count, and let m(r) be the net multiplicity of row text r (its
 * count on origin minus on destination; some m(r) ≠ 0). The sums agree only if Σ m(r)·h(r) = 0 over the integers.
 * Treat h as a uniformly random 64-bit value per distinct text and fix every h but that of one r0 with m(r0) ≠ 0:
 * then m(r0)·h(r0) must equal one given integer, which at most one of the 2^64 values of h(r0) does. So a
 * difference goes unnoticed with probability at most 2^-64 per table (about 5·10^-20), whatever the number,
 * size or multiplicity of the changed rows; the digest that carries the count and sum to the report adds at most
 * 2^-128 ({@link Verification#digest}). The form used before summed two such hashes under two seeds; its digest
 * kept only 64 bits, so its bound was ~2^-64 as well, at twice the hashing. lookup3 is not a cryptographic hash:
 * the bound is for data that is not crafted to collide, as it was for the forms before.
 *
 * <p>A column whose rendering is its type's own output (an integer, text, a timestamp of the same type on both
 * sides: {@link ComparedColumn#plainOutput}) goes into the record as it is: record output calls that output function
 * itself, so the row's text is the same, without an intermediate text value per column.
 *
 * <p>The shape needs no subquery: the row text is used once, in the one hash. The plan stays parallel (partial
 * aggregates on parallel workers). The bench (VerifyBench, BENCHMARKS.md) measures it against the form before.
 *
 * @param table       the table
 * @param partitioned a partitioned table is read through its root; any other table with ONLY, so that rows of
 *                    inheritance children (published as tables of their own) are not counted twice
 * @param columns     the compared columns; null for a count only (columns that are not compared are left out)
 * @param side        which side this query runs on: each side renders its own column types
 * @param hash        how the row text is hashed; the same on both sides
 * @param range       a condition on the table's rows (a ctid or primary-key range), or null for every row
 */
public record TableQuery(QualifiedName table, boolean partitioned, List<ComparedColumn> columns,
        ComparedColumn.Side side, RowHash hash, String range) {

    /** A count-only query (no columns, so the side does not matter). */
    public TableQuery(QualifiedName table, boolean partitioned) {
        this(table, partitioned, null, ComparedColumn.Side.ORIGIN, RowHash.UTF8_BYTES, null);
    }

    /** The whole table, hashed in the spelling any pair of encodings can use. */
    public TableQuery(QualifiedName table, boolean partitioned, List<ComparedColumn> columns,
            ComparedColumn.Side side) {
        this(table, partitioned, columns, side, RowHash.UTF8_BYTES, null);
    }

    /** The hash seed (any value; both sides must use the same). */
    static final long SEED = 1;

    /** How a row's text is hashed: two spellings of a 64-bit hash of its UTF-8 bytes. */
    public enum RowHash {
        /** {@code hashtextextended} over the text itself: both servers' encoding is UTF8. */
        UTF8_TEXT,
        /** {@code hash_array_extended} over the text converted to UTF-8: any encodings. */
        UTF8_BYTES;

        /** The spelling for two servers, from their {@code server_encoding}. */
        public static RowHash forEncodings(String originEncoding, String destinationEncoding) {
            return "UTF8".equalsIgnoreCase(originEncoding) && "UTF8".equalsIgnoreCase(destinationEncoding)
                    ? UTF8_TEXT : UTF8_BYTES;
        }

        /** The 64-bit hash of {@code rowText}, a text expression. */
        String sql(String rowText) {
            return switch (this) {
                case UTF8_TEXT -> "hashtextextended((" + rowText + ") COLLATE \"C\", " + SEED + ")";
                case UTF8_BYTES -> "hash_array_extended(ARRAY[convert_to(" + rowText + ", 'UTF8')], " + SEED + ")";
            };
        }
    }

    public boolean checksum() {
        return columns != null;
    }

    /** The same query restricted to a range of rows (a condition on the table's columns or ctid). */
    public TableQuery inRange(String condition) {
        return new TableQuery(table, partitioned, columns, side, hash, condition);
    }

    public String sql() {
        return "SELECT " + selectList() + " FROM " + from();
    }

    /**
     * What the query returns: the row count, and with a checksum the hash sum as text. {@link Verification} puts it
     * straight into a branch of its UNION ALL (no subquery around each table: planning 500 subqueries takes several
     * times as long as planning 500 plain aggregates, which is most of a freeze window's verify).
     */
    String selectList() {
        if (!checksum()) {
            return "count(*) AS row_count";
        }
        String row = columns.stream().filter(ComparedColumn::compared).map(c -> c.recordExpression(side))
                .collect(Collectors.joining(", "));
        return checksumList(hash, "ROW(" + row + ")::text");
    }

    /** The rows read: the table (ONLY unless partitioned), with the range's condition. */
    String from() {
        return (partitioned ? "" : "ONLY ") + table.sql() + (range == null ? "" : " WHERE " + range);
    }

    /**
     * The count and the hash sum over {@code rowText}, a text expression evaluated once per row of {@code from}
     * (the aggregation part of {@link #sql()}, on its own so that tests can hash given texts).
     */
    static String checksumSql(RowHash hash, String rowText, String from) {
        return "SELECT " + checksumList(hash, rowText) + " FROM " + from;
    }

    private static String checksumList(RowHash hash, String rowText) {
        return "count(*) AS row_count, coalesce(sum(" + hash.sql(rowText) + "), 0)::text AS row_hash_sum";
    }
}
