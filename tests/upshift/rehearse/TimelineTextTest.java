package upshift.rehearse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import upshift.sql.QualifiedName;
import upshift.ExitCode;
import upshift.cli.UpshiftCommand;
import upshift.connect.Environment;
import upshift.generate.DataGenerator;
import upshift.generate.TableWorkload;
import upshift.report.Output;

/**
 * The rehearsal's text report with the operator's schema: per table the rows generated and the workload's writes,
 * what the generator could not satisfy, the lost writes named; and rehearse's option rules that need no server.
 */
class TimelineTextTest {

    @Test
    void textReportHasTablesWhatWasNotSatisfiedAndLostWrites() {
        Timeline.Summary s = new Timeline.Summary(13, 16, 1200, List.of(new Timeline.Step("switchover", 4.0, 0, "")),
                List.of(), 5000.0, 0.4, 0.3, true, 10, 2, 1L, 20.0,
                List.of(new DataGenerator.TableResult(new QualifiedName("public", "orders"), 1000, 990, 10,
                        List.of("10 row(s) skipped: new row violates check constraint \"c\""), 0.5),
                        new DataGenerator.TableResult(new QualifiedName("public", "users"), 200, 200, 0, List.of(), 0.1)),
                List.of(new TableWorkload.TableAccount(new QualifiedName("public", "orders"), 6, 2, 1, 2, 0, 7, 1, List.of("missing (17)"))),
                null);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Timeline.print(new Output(stream, stream, false, false), s);
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.matches("(?s).*public\\.orders[ |]+990[ |]+10[ |]+6[ |]+2[ |]+1[ |]+2[ |]+1\n.*"), text);
        assertTrue(text.matches("(?s).*public\\.users[ |]+200[ |]+0[ |]+-.*"), text);
        assertTrue(text.contains("the generator could not satisfy:\n  public.orders: 10 row(s) skipped"), text);
        assertTrue(text.contains("LOST in public.orders: 1, e.g. missing (17)"), text);
        assertTrue(text.contains("lost writes:    1"), text);
    }

    @Test
    void statsFromNeedsTheOperatorsSchema() {
        UpshiftCommand.Captured run = UpshiftCommand.capture(UpshiftCommand.newScript("Rehearse"),
                new Environment(Map.of(), Path.of(System.getProperty("user.home")), System.getProperty("user.name")),
                "--stats-from", "postgresql://u@127.0.0.1:1/db");
        assertEquals(ExitCode.USAGE, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("--stats-from needs --schema"), run.stderr());
    }
}
