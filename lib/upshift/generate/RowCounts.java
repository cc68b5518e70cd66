package upshift.generate;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import upshift.UpshiftException;
import upshift.sql.QualifiedName;

/**
 * How many rows each table gets: {@code --rows} as a total ({@code 100000}) and/or per table ({@code orders=5000},
 * {@code sales.orders=5000}), comma-separated; with statistics from a production server (reltuples and pg_stats
 * avg_width only, never a row of data), the total is shared in production's proportions, or production's own
 * counts are used when no total is given.
 */
public final class RowCounts {

    /** What a production server's statistics say: estimated rows per table, average width per column. */
    public record Stats(Map<QualifiedName, Long> rows, Map<QualifiedName, Map<String, Integer>> widths) {
        public static final Stats NONE = new Stats(Map.of(), Map.of());

        public int width(QualifiedName table, String column) {
            return widths.getOrDefault(table, Map.of()).getOrDefault(column, -1);
        }
    }

    private static final String RELTUPLES = """
            SELECT n.nspname, c.relname,
                   CASE WHEN c.relkind = 'p'
                        THEN coalesce((SELECT sum(greatest(p.reltuples, 0)) FROM pg_catalog.pg_inherits i
                                         JOIN pg_catalog.pg_class p ON p.oid = i.inhrelid
                                        WHERE i.inhparent = c.oid), 0)
                        ELSE greatest(c.reltuples, 0) END::int8
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p')
               AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            """;

    private static final String WIDTHS = """
            SELECT schemaname::text, tablename::text, attname::text, avg_width FROM pg_catalog.pg_stats
             WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
            """;

    private final Long total;
    private final Map<String, Long> perTable;

    private RowCounts(Long total, Map<String, Long> perTable) {
        this.total = total;
        this.perTable = perTable;
    }

    /** Parses {@code --rows}; null or blank means no total and no per-table count. */
    public static RowCounts parse(String spec) {
        Long total = null;
        Map<String, Long> perTable = new LinkedHashMap<>();
        if (spec != null && !spec.isBlank()) {
            for (String item : spec.split(",")) {
                String s = item.strip();
                if (s.isEmpty()) {
                    continue;
                }
                int eq = s.lastIndexOf('=');
                try {
                    if (eq < 0) {
                        total = Long.parseLong(s.replace("_", ""));
                    } else {
                        perTable.put(s.substring(0, eq).strip(),
                                Long.parseLong(s.substring(eq + 1).strip().replace("_", "")));
                    }
                } catch (NumberFormatException e) {
                    throw UpshiftException.usage("--rows: cannot read \"" + item.strip() + "\"",
                            "give a total (--rows 100000), per-table counts (--rows orders=5000,users=100), or both");
                }
            }
        }
        if ((total != null && total < 0) || perTable.values().stream().anyMatch(v -> v < 0)) {
            throw UpshiftException.usage("--rows: a row count is negative", "row counts are 0 or more");
        }
        return new RowCounts(total, perTable);
    }

    /** Reads production's statistics (never data) from the session's database. */
    public static Stats readStats(Connection c) throws SQLException {
        Map<QualifiedName, Long> rows = new HashMap<>();
        Map<QualifiedName, Map<String, Integer>> widths = new HashMap<>();
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery(RELTUPLES)) {
                while (rs.next()) {
                    rows.put(new QualifiedName(rs.getString(1), rs.getString(2)), rs.getLong(3));
                }
            }
            try (ResultSet rs = st.executeQuery(WIDTHS)) {
                while (rs.next()) {
                    widths.computeIfAbsent(new QualifiedName(rs.getString(1), rs.getString(2)), k -> new HashMap<>())
                            .put(rs.getString(3), rs.getInt(4));
                }
            }
        }
        return new Stats(rows, widths);
    }

    /**
     * The rows of each table: its own --rows count; else its share of the total (production's proportions with
     * statistics, equal shares without); else production's estimate; else {@code fallbackTotal} shared equally.
     */
    public Map<QualifiedName, Long> resolve(Collection<QualifiedName> tables, Stats stats, long fallbackTotal) {
        Map<QualifiedName, Long> result = new LinkedHashMap<>();
        List<QualifiedName> rest = new java.util.ArrayList<>();
        for (QualifiedName t : tables) {
            Long own = perTable.containsKey(t.toString()) ? perTable.get(t.toString()) : perTable.get(t.name());
            if (own != null) {
                result.put(t, own);
            } else {
                rest.add(t);
            }
        }
        boolean haveStats = !stats.rows().isEmpty();
        Long share = total != null ? total : haveStats ? null : Long.valueOf(fallbackTotal);
        if (share == null) {
            rest.forEach(t -> result.put(t, stats.rows().getOrDefault(t, 0L)));
            return result;
        }
        long weightSum = haveStats ? rest.stream().mapToLong(t -> stats.rows().getOrDefault(t, 0L)).sum() : 0;
        for (QualifiedName t : rest) {
            long n;
            if (weightSum > 0) {
                n = Math.round((double) share * stats.rows().getOrDefault(t, 0L) / weightSum);
            } else {
                n = share == 0 ? 0 : Math.max(1, share / rest.size());
            }
            result.put(t, n);
        }
        return result;
    }

    /** Table names given per table that the schema does not have, for a usage error. */
    public List<String> unknownTables(Collection<QualifiedName> tables) {
        return perTable.keySet().stream().filter(name -> tables.stream()
                .noneMatch(t -> t.toString().equals(name) || t.name().equals(name))).toList();
    }
}
