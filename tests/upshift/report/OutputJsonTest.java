package upshift.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import upshift.sql.QualifiedName;

/** The JSON contract's header and casing, as {@link Output} writes every document. */
class OutputJsonTest {

    enum Verdict { EQUAL, ROW_COUNT_DIFFERS }

    record Report(QualifiedName table, Verdict status, List<Verdict> seen) {
    }

    record Claims(String step, String migration) {
    }

    private static JsonNode print(Object value, boolean line) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Output output = new Output(out, out, true, false).describing("verify", "shop");
        if (line) {
            output.jsonLine(value);
        } else {
            output.json(value);
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(line ? 1 : text.lines().count(), text.lines().count(), text);
        return new ObjectMapper().readTree(text);
    }

    @Test
    void everyDocumentStartsWithVersionStepAndMigration() throws Exception {
        for (boolean line : List.of(false, true)) {
            JsonNode doc = print(new Report(new QualifiedName("public", "Order"), Verdict.EQUAL, List.of()), line);
            assertEquals(List.of("version", "step", "migration", "table", "status", "seen"),
                    List.copyOf(iterable(doc)), doc.toString());
            assertEquals(Output.CONTRACT_VERSION, doc.get("version").asInt());
            assertEquals("verify", doc.get("step").asText());
            assertEquals("shop", doc.get("migration").asText());
            assertEquals("{\"schema\":\"public\",\"name\":\"Order\"}", doc.get("table").toString());
        }
    }

    @Test
    void enumsAreLowerKebabCase() throws Exception {
        JsonNode doc = print(new Report(new QualifiedName("public", "t"), Verdict.ROW_COUNT_DIFFERS,
                List.of(Verdict.EQUAL, Verdict.ROW_COUNT_DIFFERS)), false);
        assertEquals("row-count-differs", doc.get("status").asText());
        assertEquals("[\"equal\",\"row-count-differs\"]", doc.get("seen").toString());
        assertEquals("row-count-differs", Output.enumValue(Verdict.ROW_COUNT_DIFFERS));
    }

    @Test
    void aDocumentThatNamesAnotherStepOrMigrationIsRefused() throws Exception {
        assertEquals("verify", print(new Claims("verify", "shop"), false).get("step").asText());
        assertThrows(IllegalStateException.class, () -> print(new Claims("switchover", "shop"), false));
        assertThrows(IllegalStateException.class, () -> print(new Claims("verify", "other"), false));
    }

    private static List<String> iterable(JsonNode doc) {
        List<String> names = new java.util.ArrayList<>();
        doc.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
