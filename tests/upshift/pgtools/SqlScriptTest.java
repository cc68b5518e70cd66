package upshift.pgtools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import org.junit.jupiter.api.Test;

import upshift.sql.QualifiedName;

class SqlScriptTest {

    /** Shaped like pg_dump 15 output, with the traps: comments, dollar quotes, quoted names, COPY data. */
    static final String DUMP = String.join("\n",
            "--",                                                           // 1
            "-- PostgreSQL database dump",                                  // 2
            "--",                                                           // 3
            "",                                                             // 4
            "\\restrict abc123",                                            // 5
            "SET statement_timeout = 0;",                                   // 6
            "SELECT pg_catalog.set_config('search_path', '', false);",      // 7
            "CREATE FUNCTION public.f() RETURNS trigger",                   // 8
            "    LANGUAGE plpgsql",                                         // 9
            "    AS $$",                                                    // 10
            "BEGIN",                                                        // 11
            "  CREATE TABLE public.not_a_table (id int); -- inside a body", // 12
            "  RETURN NEW;",                                                // 13
            "END $$;",                                                      // 14
            "",                                                             // 15
            "-- Name: auth_user; Type: TABLE; Schema: public; Owner: -",    // 16
            "CREATE TABLE public.auth_user (",                              // 17
            "    id bigint NOT NULL,",                                      // 18
            "    note text DEFAULT 'a;b' /* ; */",                          // 19
            ");",                                                           // 20
            "CREATE TABLE \"Billing\".\"Invoice\" (",                       // 21
            "    \"Id\" bigint NOT NULL",                                   // 22
            ");",                                                           // 23
            "CREATE UNLOGGED TABLE public.\"we\"\"ird\" (x int);",          // 24
            "COMMENT ON TABLE public.auth_user IS 'it''s; fine';",          // 25
            "COPY public.django_migrations (id, app, name, applied) FROM stdin;", // 26
            "1\tauth\t0001_initial\t2025-01-01",                            // 27
            "2\tshop\t0001_initial\t2025-01-01",                            // 28
            "\\.",                                                          // 29
            "SELECT pg_catalog.setval('public.django_migrations_id_seq', 2, true);", // 30
            "\\unrestrict abc123",                                          // 31
            "");

    @Test
    void splitsIntoStatementsWithTheirLines() {
        List<SqlScript.Statement> s = SqlScript.parse(DUMP).statements();
        assertEquals(List.of(5, 6, 7, 8, 17, 21, 24, 25, 26, 30, 31),
                s.stream().map(SqlScript.Statement::firstLine).toList());
        assertEquals(14, s.get(3).lastLine());
        assertEquals(20, s.get(4).lastLine());
        assertEquals("CREATE TABLE public.auth_user (", s.get(4).head());
        assertEquals(SqlScript.Kind.META, s.get(0).kind());
        assertEquals(SqlScript.Kind.COPY, s.get(8).kind());
        assertEquals(29, s.get(8).lastLine());
        assertEquals(2, s.get(8).rows());
    }

    @Test
    void findsTheStatementOfALine() {
        SqlScript script = SqlScript.parse(DUMP);
        assertEquals(17, script.statementAt(20).firstLine());
        assertEquals(17, script.statementAt(18).firstLine());
        assertEquals(8, script.statementAt(14).firstLine());
        assertEquals(26, script.statementAt(28).firstLine());
        assertEquals(8, script.statementAt(15).firstLine()); // between statements: the one before
        assertNull(script.statementAt(2));
    }

    @Test
    void listsTheTablesItCreates() {
        SqlScript script = SqlScript.parse(DUMP);
        assertEquals(List.of(new QualifiedName("public", "auth_user"), new QualifiedName("Billing", "Invoice"),
                new QualifiedName("public", "we\"ird")), script.createdTables());
        assertEquals(2, script.copyRows());
    }

    @Test
    void namesAreFoldedUnlessQuoted() {
        assertEquals(new QualifiedName("public", "django_migrations"),
                SqlScript.qualifiedNameAt("Public.Django_Migrations", 0));
        assertEquals(new QualifiedName("public", "t"), SqlScript.qualifiedNameAt("t (", 0));
        assertEquals(new QualifiedName("My Schema", "T"), SqlScript.qualifiedNameAt("\"My Schema\".\"T\"", 0));
        assertNull(SqlScript.qualifiedNameAt("public.", 0));
        assertNull(SqlScript.qualifiedNameAt("(", 0));
    }

    @Test
    void escapeStringsAndNestedComments() {
        String sql = "SELECT E'it\\'s; here';\n/* a /* nested ; */ still */ SELECT 2;\nSELECT $fn$ ; $fn$;\n";
        List<SqlScript.Statement> s = SqlScript.parse(sql).statements();
        assertEquals(3, s.size(), s.toString());
        assertEquals("SELECT 2;", s.get(1).text());
        assertEquals(3, s.get(2).firstLine());
    }
}
