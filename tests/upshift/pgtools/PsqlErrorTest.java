package upshift.pgtools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import org.junit.jupiter.api.Test;

class PsqlErrorTest {

    @Test
    void serverErrorWithDetails() {
        String stderr = """
                psql:/tmp/x/schema.sql:45: ERROR:  relation "public.no_such_table" does not exist
                LINE 2:     id integer REFERENCES public.no_such_table (id)
                                                  ^
                HINT:  something
                psql:/tmp/x/schema.sql:46: ERROR:  current transaction is aborted
                """;
        PsqlError e = PsqlError.parse(stderr);
        assertEquals("/tmp/x/schema.sql", e.file());
        assertEquals(45, e.line());
        assertEquals("ERROR", e.severity());
        assertEquals("relation \"public.no_such_table\" does not exist", e.message());
        assertEquals(3, e.details().size(), e.details().toString());
        assertEquals("HINT:  something", e.details().get(2));
    }

    @Test
    void psqlsOwnError() {
        PsqlError e = PsqlError.parse("psql:dir/schema.sql:5: error: invalid command \\restrict\n");
        assertEquals("dir/schema.sql", e.file());
        assertEquals(5, e.line());
        assertEquals("error", e.severity());
        assertEquals(List.of(), e.details());
    }

    @Test
    void connectionFailureHasNoLocation() {
        String stderr = "psql: error: connection to server at \"localhost\" (127.0.0.1), port 1 failed:"
                + " Connection refused\n";
        assertNull(PsqlError.parse(stderr));
        assertEquals(stderr.strip(), PsqlError.firstProblem(stderr));
    }
}
