package upshift.rehearse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import upshift.ExitCode;
import upshift.cli.UpshiftCommand;
import upshift.connect.Environment;

/**
 * {@code rehearse} on the sample shop, as before the operator's schema had generated data: its own workload, the
 * round trip with switchback, 0 orders lost, and the same JUnit report.
 */
class RehearseSampleShopTest {

    @Test
    void sampleShopRoundTripLosesNoOrder(@TempDir Path dir) throws Exception {
        Path junit = dir.resolve("shop.xml");
        UpshiftCommand.Captured run = UpshiftCommand.capture(UpshiftCommand.newScript("Rehearse"),
                new Environment(Map.of(), Path.of(System.getProperty("user.home")), System.getProperty("user.name")),
                "--rows", "3000", "--rate", "50", "--json", "--junit", junit.toString());
        String where = run.stdout() + "\n" + run.stderr();
        assertEquals(ExitCode.OK, run.exitCode(), where);
        JsonNode report = new ObjectMapper().readTree(run.stdout());
        assertEquals(0, report.get("lostWrites").asLong(), where);
        assertTrue(report.get("workloadWrites").asLong() > 0, where);
        assertTrue(report.get("data").isNull() && report.get("writes").isNull(), where);
        String xml = Files.readString(junit);
        assertTrue(xml.contains("failures=\"0\""), xml);
        assertTrue(xml.contains("name=\"lost writes\""), xml);
    }
}
