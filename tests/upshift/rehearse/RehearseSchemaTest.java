package upshift.rehearse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import upshift.ExitCode;
import upshift.cli.UpshiftCommand;
import upshift.connect.Environment;
import upshift.testing.Run;

/**
 * {@code rehearse --schema --new-schema} on a schema this repository's model did not write (after PostgreSQL's
 * 002_types.pl, plus keys and constraints: tests/resources/rehearse), 13 -> 16 on embedded servers, end to end in
 * this JVM as the script runs it: generated data on origin, a workload inserting, updating and deleting on the
 * operator's tables during initial sync, switchover, the rollback direction and switchback, and a report with 0
 * writes lost, as text in JSON and as JUnit XML.
 */
class RehearseSchemaTest {

    static final Path FIXTURE = Run.checkout().resolve("tests/resources/rehearse");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void rehearsesAnUnknownSchemaWithGeneratedDataAndAWorkloadAndLosesNoWrite(@TempDir Path dir) throws Exception {
        Path junit = dir.resolve("reports/rehearsal.xml");
        long started = System.nanoTime();
        UpshiftCommand.Captured run = UpshiftCommand.capture(UpshiftCommand.newScript("Rehearse"),
                new Environment(Map.of(), Path.of(System.getProperty("user.home")), System.getProperty("user.name")),
                "--from", "13", "--to", "16", "--schema", FIXTURE.resolve("types-old.sql").toString(),
                "--new-schema", FIXTURE.resolve("types-new.sql").toString(), "--rows", "22000,rt_customer=4000",
                "--rate", "40", "--seed", "3", "--json", "--junit", junit.toString());
        double seconds = (System.nanoTime() - started) / 1e9;
        String where = run.stdout() + "\n" + run.stderr();
        assertEquals(ExitCode.OK, run.exitCode(), where);
        JsonNode report = JSON.readTree(run.stdout());
        assertEquals(0, report.get("lostWrites").asLong(), where);
        assertTrue(report.get("verified").asBoolean(), where);
        assertTrue(report.get("failure").isNull(), where);

        // the generator filled every table it could, and said what it could not satisfy
        long generated = 0;
        List<String> unsatisfied = new ArrayList<>();
        for (JsonNode t : report.get("data")) {
            generated += t.get("inserted").asLong();
            if (t.get("problems").size() > 0) {
                unsatisfied.add(t.get("table").get("schema").asText() + "." + t.get("table").get("name").asText() + ": "
                        + t.get("problems"));
            }
        }
        assertTrue(unsatisfied.stream().anyMatch(p -> p.startsWith("public.rt_unsatisfiable:")),
                unsatisfied.toString());
        assertTrue(generated > 15_000, "rows generated: " + generated);

        // the workload wrote every kind of write, on many tables, and the final server (origin) has every one
        long inserted = 0;
        long updated = 0;
        long deleted = 0;
        int tablesWritten = 0;
        for (JsonNode w : report.get("writes")) {
            assertEquals(0, w.get("lost").asLong(), w.toString());
            inserted += w.get("inserted").asLong();
            updated += w.get("updated").asLong();
            deleted += w.get("deleted").asLong();
            if (w.get("checked").asLong() > 0) {
                tablesWritten++;
            }
        }
        assertTrue(inserted > 0 && updated > 0 && deleted > 0, report.get("writes").toString());
        assertTrue(tablesWritten >= 10, report.get("writes").toString());
        assertTrue(report.get("workloadWrites").asLong() == inserted + updated + deleted, report.toString());
        assertTrue(report.get("freezeWindowSeconds").asDouble() > 0, report.toString());
        assertTrue(report.get("switchbackFreezeWindowSeconds").asDouble() > 0, report.toString());

        // JUnit XML a CI system reads: every step a test case, none failed
        Document xml = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(junit.toFile());
        Element suite = xml.getDocumentElement();
        assertEquals("testsuite", suite.getTagName());
        assertEquals("0", suite.getAttribute("failures"), Files.readString(junit));
        NodeList cases = suite.getElementsByTagName("testcase");
        assertEquals(Integer.parseInt(suite.getAttribute("tests")), cases.getLength());
        List<String> steps = new ArrayList<>();
        for (int i = 0; i < cases.getLength(); i++) {
            Element c = (Element) cases.item(i);
            if (c.getAttribute("classname").equals("rehearse.steps")) {
                steps.add(c.getAttribute("name"));
            }
        }
        assertEquals(report.get("steps").size(), steps.size(), steps.toString());
        assertTrue(steps.stream().anyMatch(s -> s.endsWith("switchback")), steps.toString());
        assertFalse(Files.readString(junit).contains("rehearsal-app"), "no password in the report");
        report.get("steps").forEach(st -> System.out.printf("  %-45s %7.2f s  exit %d%n", st.get("step").asText(),
                st.get("seconds").asDouble(), st.get("exitCode").asInt()));
        unsatisfied.forEach(u -> System.out.println("  not satisfied: " + u));
        report.get("writes").forEach(w -> System.out.println("  writes: " + w));
        System.out.printf("rehearsal of %,d generated rows: %.1f s wall (%.1f s per 100k rows)%n", generated,
                seconds, seconds * 100_000 / generated);
    }
}
