package upshift.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import upshift.ExitCode;
import upshift.testing.Run;

/**
 * The catalog as a new user adds it: by URL. The checkout is served over loopback HTTP, {@code jbang catalog add
 * --name upshift URL} runs with an empty private JBang directory, and three aliases run from another directory
 * through JBang itself (which fetches every source the scripts and the library's manifests name, relative to the
 * URL: a {@code **} glob would be ignored there and the library would not compile).
 */
class CatalogByUrlTest {

    private static final long FIRST_RUN_SECONDS = 900;

    @Test
    void aCatalogAddedByUrlRunsItsAliasesFromAnotherDirectory(@TempDir Path dir) throws Exception {
        Path checkout = Run.checkout().toRealPath();
        List<String> served = new ArrayList<>();
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", exchange -> serve(checkout, exchange, served));
        http.start();
        try {
            String url = "http://127.0.0.1:" + http.getAddress().getPort() + "/jbang-catalog.json";
            Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
            Map<String, String> env = Map.of("JBANG_DIR", dir.resolve("jbang").toString());

            Run add = Run.jbangIn(elsewhere, env, FIRST_RUN_SECONDS, "catalog", "add", "--name", "upshift", url);
            assertEquals(ExitCode.OK, add.exitCode(), add.stderr());
            for (String alias : List.of("status", "verify", "rehearse")) {
                Run help = Run.jbangIn(elsewhere, env, FIRST_RUN_SECONDS, alias + "@upshift", "--help");
                assertEquals(ExitCode.OK, help.exitCode(), alias + ":\n" + help.stderr());
                assertTrue(help.stdout().contains("Usage: " + alias), help.stdout());
                // the catalog's alias property reaches the step: its examples are written as run from the catalog
                assertTrue(help.stdout().contains("  jbang " + alias + "@upshift"), help.stdout());
                assertFalse(help.stdout().contains("./jbang "), help.stdout());
            }
            Run usage = Run.jbangIn(elsewhere, env, FIRST_RUN_SECONDS, "status@upshift", "--no-such-option");
            assertEquals(ExitCode.USAGE, usage.exitCode(), "the step's own exit code:\n" + usage.stderr());
        } finally {
            http.stop(0);
        }
        assertTrue(served.contains("/lib/upshift/Library.java"), "the library came over HTTP: " + served);
        assertTrue(served.contains("/lib/upshift/rehearse/RehearsalLibrary.java"), served.toString());
        assertTrue(served.stream().noneMatch(p -> p.contains("**")), served.toString());
    }

    /** GET of a file under the checkout, nothing else. */
    private static void serve(Path root, HttpExchange exchange, List<String> served) throws IOException {
        String path = exchange.getRequestURI().getPath();
        Path file = root.resolve(path.substring(1)).normalize();
        synchronized (served) {
            served.add(path);
        }
        if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")
                || !file.startsWith(root) || !Files.isRegularFile(file)) {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
            return;
        }
        byte[] body = Files.readAllBytes(file);
        exchange.sendResponseHeaders(200, exchange.getRequestMethod().equals("HEAD") ? -1 : body.length);
        if (!exchange.getRequestMethod().equals("HEAD")) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
        exchange.close();
    }
}
