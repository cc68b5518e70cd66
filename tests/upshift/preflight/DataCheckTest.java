package upshift.preflight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import upshift.schema.Conversion;
import upshift.schema.TypeDefinition;
import upshift.server.Capabilities;
import upshift.server.Flavour;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;

/** The data checks' SQL: one SELECT per table for all its columns, every identifier quoted. */
class DataCheckTest {

    private static final Conversion.Servers SERVERS = new Conversion.Servers(Capabilities.of(13, Flavour.COMMUNITY),
            Capabilities.of(16, Flavour.COMMUNITY), "UTC", "UTC");

    private static DataCheck.Probe probe(String column, TypeDefinition o, TypeDefinition d) {
        return new DataCheck.Probe(column, o.format() + " → " + d.format(), d.format(),
                Conversion.values(Sql.ident(column), o, d, SERVERS));
    }

    @Test
    void oneSelectForAllCheckedColumnsOfATableWithQuotedNames() {
        DataCheck.Probe memo = probe("Memo", TypeDefinition.builtin("text", "text"),
                TypeDefinition.builtin("character varying(20)", "varchar"));
        DataCheck.Probe amount = probe("Amount", TypeDefinition.builtin("numeric(12,4)", "numeric"),
                TypeDefinition.builtin("numeric(10,2)", "numeric"));

        String sql = DataCheck.query(new QualifiedName("Billing", "Invoice"), true,
                new DataCheck.Key(List.of("Id"), true), List.of(memo, amount));

        assertTrue(sql.startsWith("SELECT pg_catalog.count(*),"), sql);
        assertTrue(sql.endsWith("\n  FROM ONLY \"Billing\".\"Invoice\""), sql);
        assertEquals(1, sql.split("\n  FROM ").length - 1, "one scan:\n" + sql);
        assertTrue(sql.contains("pg_catalog.char_length(pg_catalog.rtrim((\"Memo\")::pg_catalog.text)) > 20"), sql);
        assertTrue(sql.contains("\"Amount\" <> pg_catalog.round(\"Amount\", 2)"), sql);
        assertTrue(sql.contains("pg_catalog.min(\"Id\") FILTER"), sql);
        // the lossy condition leaves out rows that fail: they are counted once, as failing
        assertTrue(memo.changing().contains("WHEN pg_catalog.char_length(pg_catalog.rtrim("), memo.changing());
    }

    @Test
    void keysFallBackToCtidAndNameEveryColumn() {
        assertEquals("ctid::pg_catalog.text", new DataCheck.Key(List.of(), false).expression());
        assertEquals("ARRAY[\"a\"::pg_catalog.text, \"B\"::pg_catalog.text]",
                new DataCheck.Key(List.of("a", "B"), false).expression());
        assertEquals("(a, B)", new DataCheck.Key(List.of("a", "B"), false).label());
    }
}
