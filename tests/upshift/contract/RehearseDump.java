package upshift.contract;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import upshift.testing.Run;

class RehearseDump {
    @Test
    void dump() throws Exception {
        long t = System.nanoTime();
        Run r = Run.script("Rehearse", "--rows", "500", "--rate", "20", "--json");
        Files.createDirectories(Path.of("target/json-dump"));
        Files.writeString(Path.of("target/json-dump/rehearse.json"), r.stdout());
        Files.writeString(Path.of("target/json-dump/rehearse.err"), "exit " + r.exitCode() + " in "
                + (System.nanoTime() - t) / 1e9 + " s\n" + r.stderr());
    }
}
