package upshift.junit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A rehearsal that cannot run fails with the reason and the report so far; it never hands over half a result. */
class FailedRehearsalTest {

    @Test
    void aSchemaThatDoesNotLoadFailsWithTheServersError() {
        RehearsalSpec spec = UpshiftRehearsalExtension.builder().versions(13, 16).schema("rehearsal/broken.sql")
                .rows("100").spec();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> RehearsalRunner.run(spec, getClass().getClassLoader()).close());
        String message = e.getMessage();
        assertTrue(message.contains("the upshift rehearsal 13 -> 16") && message.contains("failed"), message);
        assertTrue(message.contains("no_such_table"), message);
        assertTrue(java.util.regex.Pattern.compile("rehearsal 13 -> 16, \\d+ rows").matcher(message).find(),
                "the report so far: " + message);
    }
}
