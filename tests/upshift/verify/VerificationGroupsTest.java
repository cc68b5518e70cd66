package upshift.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import upshift.sql.QualifiedName;

/** How verify cuts a side's tables into statements: by size and count, never one statement per small table. */
class VerificationGroupsTest {

    @Test
    void smallTablesShareAStatementUpToTheCountLimit() {
        List<TableQuery> queries = new ArrayList<>();
        for (int i = 0; i < 2500; i++) {
            queries.add(new TableQuery(new QualifiedName("public", "t" + i), false));
        }
        List<List<TableQuery>> groups = Verification.groups(queries, Map.of());
        assertEquals(List.of(1000, 1000, 500), groups.stream().map(List::size).toList());
        assertEquals(queries, groups.stream().flatMap(List::stream).toList(), "every table once, in order");
    }

    @Test
    void aLargeTableHasAStatementOfItsOwnAndSizesAddUp() {
        QualifiedName a = new QualifiedName("public", "a");
        QualifiedName big = new QualifiedName("public", "big");
        QualifiedName b = new QualifiedName("public", "b");
        QualifiedName c = new QualifiedName("public", "c");
        Map<QualifiedName, Long> pages = new HashMap<>();
        pages.put(a, 10L);
        pages.put(big, Verification.GROUP_PAGES);
        pages.put(b, Verification.GROUP_PAGES - 10);
        pages.put(c, 10L);
        List<TableQuery> queries = List.of(new TableQuery(a, false), new TableQuery(big, false),
                new TableQuery(b, false), new TableQuery(c, false));
        List<List<QualifiedName>> groups = Verification.groups(queries, pages).stream()
                .map(g -> g.stream().map(TableQuery::table).toList()).toList();
        // big alone (at once); a and b fit together (10 + GROUP_PAGES - 10 = GROUP_PAGES); c would pass the limit
        assertEquals(List.of(List.of(big), List.of(a, b), List.of(c)), groups);
    }

    @Test
    void oneStatementTagsEachTableAndQuotesItsName() {
        QualifiedName odd = new QualifiedName("Mixed Case", "we\"ird");
        QualifiedName plain = new QualifiedName("public", "plain");
        String sql = Verification.groupSql(List.of(new TableQuery(odd, false), new TableQuery(plain, true)));
        assertTrue(sql.startsWith("SELECT 0 AS table_index, count(*) AS row_count, NULL::pg_catalog.text"
                + " FROM ONLY \"Mixed Case\".\"we\"\"ird\"\nUNION ALL\n"), sql);
        assertTrue(sql.contains("UNION ALL\nSELECT 1 AS table_index"), sql);
        assertTrue(sql.contains("FROM \"public\".\"plain\""), "a partitioned table is read through its root: " + sql);
    }
}
