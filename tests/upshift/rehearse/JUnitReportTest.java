package upshift.rehearse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import upshift.sql.QualifiedName;
import upshift.generate.DataGenerator;
import upshift.generate.TableWorkload;

/**
 * The JUnit XML of a rehearsal: one test case per step, per table's writes and data; a failed step, a lost write and
 * a stopped rehearsal are failure elements with their messages; preflight's first run, fixed by the step after it,
 * is not; markup in messages is escaped.
 */
class JUnitReportTest {

    @Test
    void failuresAreFailureElementsWithMessages() throws Exception {
        List<Timeline.Step> steps = List.of(new Timeline.Step("preflight", 1.5, 3, "2 blocking"),
                new Timeline.Step("add-missing-columns", 0.2, 0, ""),
                new Timeline.Step("preflight (after the fix)", 1.1, 0, ""),
                new Timeline.Step("switchover", 4.0, 1, "drain timed out <after 5m> & more"));
        Timeline.Summary s = new Timeline.Summary(13, 16, 1000, steps, List.of(), null, 0.4, null, null, 10, 2, 3L,
                12.5, List.of(new DataGenerator.TableResult(new QualifiedName("public", "t"), 10, 8, 2, List.of("2 row(s) skipped: check"),
                        0.5)),
                List.of(new TableWorkload.TableAccount(new QualifiedName("public", "t"), 5, 3, 2, 1, 0, 7, 3, List.of("missing (4)")),
                        new TableWorkload.TableAccount(new QualifiedName("public", "u"), 5, 0, 0, 0, 0, 5, 0, List.of())),
                "rehearsal stopped: switchover exited 1");
        String xml = JUnitReport.xml(s);
        Element suite = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))).getDocumentElement();
        NodeList cases = suite.getElementsByTagName("testcase");
        assertEquals(Integer.toString(cases.getLength()), suite.getAttribute("tests"));
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < cases.getLength(); i++) {
            Element c = (Element) cases.item(i);
            NodeList failure = c.getElementsByTagName("failure");
            if (failure.getLength() > 0) {
                failed.add(c.getAttribute("classname") + "/" + c.getAttribute("name") + ": "
                        + ((Element) failure.item(0)).getAttribute("message"));
            }
        }
        assertEquals(List.of("rehearse.steps/04 switchover: exit 1: drain timed out <after 5m> & more",
                "rehearse.writes/public.t: 3 acknowledged write(s) lost: missing (4)",
                "rehearse/lost writes: 3 acknowledged write(s) missing on the final server",
                "rehearse/rehearsal: rehearsal stopped: switchover exited 1"), failed);
        assertEquals("4", suite.getAttribute("failures"));
        assertTrue(xml.contains("2 row(s) skipped: check"), xml);
        assertFalse(s.passed());
    }
}
