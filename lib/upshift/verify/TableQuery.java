package upshift.verify;

import java.util.List;
import java.util.stream.Collectors;

import upshift.sql.QualifiedName;

/**
 * The one query verify runs per table and side: the row count, and with a checksum an order-independent hash of
 * every row's compared columns.
 *
 * <p>Each row is rendered as the text of a record of its columns' {@link ComparedColumn canonical text}
 * on its side: record output quotes any value holding a delimiter and writes NULL as nothing and an empty string as
 * {@code ""}, so no two different rows render the same. That text is converted to its UTF-8 bytes (so that
 * servers with different encodings agree) and hashed twice with PostgreSQL's 64-bit extended hash, under two
 * seeds: {@code hash_array_extended(ARRAY[bytes], seed)} hashes the one bytea element with
 * {@code hash_any_extended} (bytea has no collation, so neither encoding nor collation enters the hash). The two
 * hashes are summed over the table: sums do not depend on row order, count duplicate rows ({@code bit_xor},
 * only from 14, would cancel them out), and {@code sum(bigint)} returns numeric, which does not overflow.
 *
 * <p>Why these functions: they are the hash functions of hash partitioning, whose partitions pg_upgrade keeps as
 * they are, so they give the same value on every major version (11 to 18; proved on 13 to 18 by
 * TableQueryTest). They depend on the CPU's byte order: a little-endian origin and a big-endian destination
 * would disagree, which verify reports as a difference, never as a false "equal". Exactness: the sums are exact
 * integers, so a table with a changed, missing or extra row (and the same row count) goes unnoticed only if the
 * changed rows' hashes sum to the same number; with two 64-bit hashes that is about 1 in 2^128 per table if the
 * two seeds behave as independent hashes, and at most 1 in 2^64 if they did not (the md5 form used before kept
 * 120 bits).
 *
 * <p>Why this shape: each row's text is built once, in the subquery; a plain subquery would be flattened into
 * the aggregate and the row built once per hash (the former md5 form built it twice). {@code unnest} of a
 * one-element array keeps the subquery from being flattened (a set-returning function in its select list)
 * while, unlike {@code OFFSET 0}, it still allows a parallel plan (partial aggregates on parallel workers).
 * The bench (VerifyBench, BENCHMARKS.md) measures this against the md5 form.
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

    /** The two hash seeds (any two different values; both sides must use the same). */
    static final long SEED1 = 1;
    static final long SEED2 = 2;

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
        return checksumSql("ROW(" + row + ")::text", from);
    }

    /**
     * The count and the two hash sums over {@code rowText}, a text expression evaluated once per row of
     * {@code from} (the aggregation part of {@link #sql()}, on its own so that tests can hash given texts).
     */
    static String checksumSql(String rowText, String from) {
        return "SELECT count(*) AS row_count,"
                + " coalesce(sum(hash_array_extended(ARRAY[row_bytes], " + SEED1 + ")), 0)::text AS sum1,"
                + " coalesce(sum(hash_array_extended(ARRAY[row_bytes], " + SEED2 + ")), 0)::text AS sum2"
                + " FROM (SELECT unnest(ARRAY[convert_to(" + rowText + ", 'UTF8')]) AS row_bytes"
                + " FROM " + from + ") AS row_texts";
    }
}
