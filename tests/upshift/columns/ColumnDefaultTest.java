package upshift.columns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import upshift.ExitCode;
import upshift.UpshiftException;
import upshift.sql.QualifiedName;

class ColumnDefaultTest {

    @Test
    void tableAloneMeansPublic() {
        ColumnDefault d = ColumnDefault.parse("shop_product.is_legacy=false");
        assertEquals(new QualifiedName("public", "shop_product"), d.table());
        assertEquals("is_legacy", d.column());
        assertEquals("false", d.expression());
        assertEquals("public.shop_product.is_legacy", d.target());
    }

    @Test
    void unquotedNamesFoldQuotedNamesKeepCaseDotsAndEquals() {
        ColumnDefault d = ColumnDefault.parse("\"Billing\".\"Invoice\".\"Col\"=0");
        assertEquals(new QualifiedName("Billing", "Invoice"), d.table());
        assertEquals("Col", d.column());
        assertEquals("0", d.expression());

        ColumnDefault folded = ColumnDefault.parse("  Shop.Product.IsLegacy = 'a=b'  ");
        assertEquals(new QualifiedName("shop", "product"), folded.table());
        assertEquals("islegacy", folded.column());
        assertEquals("'a=b'", folded.expression());

        ColumnDefault odd = ColumnDefault.parse("\"a.b\".\"x=\"\"y\"\"\"=now()");
        assertEquals(new QualifiedName("public", "a.b"), odd.table());
        assertEquals("x=\"y\"", odd.column());
        assertEquals("now()", odd.expression());
        assertEquals("public.\"a.b\".\"x=\"\"y\"\"\"", odd.targetSql());
    }

    @Test
    void malformedValuesAreUsageErrors() {
        for (String bad : List.of("", "is_legacy=false", "shop_product.is_legacy", "shop_product.is_legacy=",
                "a.b.c.d=1", "\"open.is_legacy=1", "shop_product.=1", "shop_product.is_legacy false")) {
            UpshiftException e = assertThrows(UpshiftException.class, () -> ColumnDefault.parse(bad), bad);
            assertEquals(ExitCode.USAGE, e.exitCode(), bad);
        }
    }

    @Test
    void oneExpressionOnly() {
        assertTrue(ColumnDefault.singleExpression("false"));
        assertTrue(ColumnDefault.singleExpression("'it''s; fine'"));
        assertTrue(ColumnDefault.singleExpression("$$a;b$$"));
        assertTrue(ColumnDefault.singleExpression("/* c */ 0"));
        assertTrue(ColumnDefault.singleExpression("coalesce(1, 2) - 1"));
        assertTrue(ColumnDefault.singleExpression("'a,b(' || \"Col\"\",\" || E'x\\'y'"));
        assertTrue(ColumnDefault.singleExpression("now() - interval '1 day'"));
        for (String bad : List.of("false; DROP TABLE x", "(false; DROP TABLE x)", "false -- rest", "'open",
                "$$open", "/* open 0", "false, DROP COLUMN id", "(false", "false) NOT NULL CHECK (true",
                "\"open")) {
            assertEquals(false, ColumnDefault.singleExpression(bad), bad);
            UpshiftException e = assertThrows(UpshiftException.class,
                    () -> ColumnDefault.parse("t.c=" + bad), bad);
            assertEquals(ExitCode.USAGE, e.exitCode());
            assertTrue(e.getMessage().startsWith("invalid --default for public.t.c: "), e.getMessage());
        }
    }

    @Test
    void aColumnTwiceIsAUsageError() {
        UpshiftException e = assertThrows(UpshiftException.class,
                () -> ColumnDefault.parseAll(List.of("t.c=1", "public.\"t\".c=2")));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertEquals(2, ColumnDefault.parseAll(List.of("t.c=1", "t.d=2")).size());
    }

    @Test
    void theSuggestedOptionIsShellQuotedWhenItMustBe() {
        assertEquals("--default public.shop_product.is_legacy=false",
                ColumnDefault.option(new QualifiedName("public", "shop_product"), "is_legacy", "false"));
        assertEquals("--default '\"Billing\".\"Invoice\".\"Legacy Ref\"=0'",
                ColumnDefault.option(new QualifiedName("Billing", "Invoice"), "Legacy Ref", "0"));
        assertEquals("--default 'public.t.c='\\'''\\'''",
                ColumnDefault.option(new QualifiedName("public", "t"), "c", "''"));
    }

    @Test
    void suggestionsByType() {
        assertEquals("false", MissingColumnsReport.suggestion("boolean"));
        assertEquals("0", MissingColumnsReport.suggestion("numeric(10,2)"));
        assertEquals("''", MissingColumnsReport.suggestion("character varying(20)"));
        assertEquals("now()", MissingColumnsReport.suggestion("timestamp with time zone"));
    }
}
