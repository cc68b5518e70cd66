package upshift.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

import upshift.ExitCode;
import upshift.cli.UpshiftCommand;
import upshift.connect.Environment;
import upshift.testing.Run;

/**
 * Rehearsal wall time per 100k generated rows: {@code rehearse --schema} on the 002_types-based fixture
 * (tests/resources/rehearse), 13 -> 16 embedded, with a workload at 100 writes/s, for 100k rows (override with
 * -Dupshift.bench.rows). Prints the time of generating, of each step and of the whole rehearsal.
 */
class RehearseSchemaBench {

    @Test
    void rehearsalWallTimePer100kRows() throws Exception {
        String rows = System.getProperty("upshift.bench.rows", "100000");
        Path fixture = Run.checkout().resolve("tests/resources/rehearse");
        long started = System.nanoTime();
        UpshiftCommand.Captured run = UpshiftCommand.capture(UpshiftCommand.newScript("Rehearse"),
                new Environment(Map.of(), Path.of(System.getProperty("user.home")), System.getProperty("user.name")),
                "--schema", fixture.resolve("types-old.sql").toString(), "--new-schema",
                fixture.resolve("types-new.sql").toString(), "--rows", rows, "--rate", "100", "--json");
        double seconds = (System.nanoTime() - started) / 1e9;
        assertEquals(ExitCode.OK, run.exitCode(), run.stdout() + run.stderr());
        JsonNode report = new ObjectMapper().readTree(run.stdout());
        long generated = 0;
        for (JsonNode t : report.get("data")) {
            generated += t.get("inserted").asLong();
        }
        System.out.printf(Locale.ROOT, "[bench] rehearse --schema: %,d rows generated, %,d workload writes, %d lost%n",
                generated, report.get("workloadWrites").asLong(), report.get("lostWrites").asLong());
        report.get("data").forEach(t -> System.out.printf(Locale.ROOT, "[bench]   generate %-41s %8.2f s %,8d rows%n",
                t.get("table").asText(), t.get("seconds").asDouble(), t.get("inserted").asLong()));
        report.get("steps").forEach(s -> System.out.printf(Locale.ROOT, "[bench]   %-50s %8.2f s%n",
                s.get("step").asText(), s.get("seconds").asDouble()));
        System.out.printf(Locale.ROOT, "[bench] wall %.1f s, %.1f s per 100k rows%n", seconds,
                seconds * 100_000 / Math.max(1, generated));
    }
}
