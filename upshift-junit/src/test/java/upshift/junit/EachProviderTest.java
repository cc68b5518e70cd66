package upshift.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every provider that {@code -Dupshift.providers} lists after its first (upshift's CI passes
 * {@code embedded,testcontainers}): the annotation's tests ran on the first one, these run a shorter rehearsal
 * (no switchback) on each of the others, through the builder, so that CI exercises every provider it can run. A
 * single provider (the default auto, or embedded) makes no test here, and says so.
 */
class EachProviderTest {

    @TestFactory
    Stream<DynamicTest> eachFurtherProviderRehearses() {
        String listed = System.getProperty(ServerProvider.PROPERTY, "auto");
        List<String> further = Arrays.stream(listed.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .skip(1).toList();
        if (further.isEmpty()) {
            System.err.println("[upshift-junit] EachProviderTest: -D" + ServerProvider.PROPERTY + "=" + listed
                    + " names one provider; UpshiftRehearsalExtensionTest covered it");
        }
        return further.stream().map(provider -> DynamicTest.dynamicTest("rehearsal 13 -> 16 [" + provider + "]",
                () -> rehearseOn(provider)));
    }

    private void rehearseOn(String provider) throws Exception {
        RehearsalSpec spec = UpshiftRehearsalExtension.builder().versions(13, 16).schema("rehearsal/old.sql")
                .newSchema("rehearsal/new.sql").rows("1500").rate(20).switchback(false).provider(provider).spec();
        try (Rehearsed rehearsed = RehearsalRunner.run(spec, getClass().getClassLoader())) {
            assertEquals(provider, rehearsed.provider());
            assertTrue(rehearsed.passed(), rehearsed.reportText());
            assertEquals(0L, rehearsed.report().lostWrites(), rehearsed.reportText());
            try (Connection o = rehearsed.origin().connect(); Connection d = rehearsed.destination().connect();
                 Statement so = o.createStatement(); Statement sd = d.createStatement();
                 ResultSet ro = so.executeQuery("SELECT count(*) FROM account");
                 ResultSet rd = sd.executeQuery("SELECT count(*) FROM account")) {
                ro.next();
                rd.next();
                assertTrue(rd.getLong(1) >= ro.getLong(1), "destination has every origin account after switchover");
            }
        }
    }
}
