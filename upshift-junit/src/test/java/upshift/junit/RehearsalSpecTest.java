package upshift.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import upshift.switchover.WriteFreeze;

/** The annotation and the builder say the same thing the same way; what cannot be rehearsed is refused early. */
class RehearsalSpecTest {

    @UpshiftRehearsal(origin = 14, destination = 17, schema = "a.sql", newSchema = "b.sql", rows = "500,t=20",
            rate = 7, seed = 9, freeze = "soft", switchback = false, defaults = "t.c=0", junitReport = "r.xml")
    private static final class Annotated {
    }

    @Test
    void theAnnotationAndTheBuilderMakeTheSameSpec() {
        RehearsalSpec annotated = RehearsalSpec.of(Annotated.class.getAnnotation(UpshiftRehearsal.class));
        RehearsalSpec built = UpshiftRehearsalExtension.builder().versions(14, 17).schema("a.sql").newSchema("b.sql")
                .rows("500,t=20").rate(7).seed(9).freeze("soft").switchback(false).defaultValue("t.c=0")
                .junitReport("r.xml").spec();
        assertEquals(built, annotated);
        assertEquals(WriteFreeze.Mode.SOFT, annotated.freeze());
        assertEquals(null, annotated.provider(), "an empty provider leaves the choice to -Dupshift.providers");
        assertEquals(null, annotated.newModelCommand());
        assertEquals(List.of("t.c=0"), annotated.defaults());
    }

    @Test
    void refusesWhatCannotBeRehearsed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> UpshiftRehearsalExtension.builder()
                .versions(16, 13).schema("a.sql").spec()).getMessage().contains("newer"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> UpshiftRehearsalExtension.builder()
                .spec()).getMessage().contains("schema"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> UpshiftRehearsalExtension.builder()
                .schema("a.sql").newSchema("b.sql").newModelCommand("make migrate", null).spec()).getMessage()
                .contains("not both"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> UpshiftRehearsalExtension.builder()
                .freeze("frozen")).getMessage().contains("frozen"));
    }

    @Test
    void filesAreClasspathResourcesFirstThenPaths(@TempDir Path dir) throws Exception {
        ClassLoader loader = getClass().getClassLoader();
        Path resource = RehearsalRunner.file("rehearsal/old.sql", loader, dir);
        assertTrue(Files.readString(resource).contains("CREATE TABLE public.account"), resource.toString());
        Path file = Files.writeString(dir.resolve("mine.sql"), "SELECT 1;");
        assertEquals(file, RehearsalRunner.file(file.toString(), loader, dir));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RehearsalRunner.file("no/such.sql", loader, dir));
        assertTrue(e.getMessage().contains("no/such.sql"), e.getMessage());
    }
}
