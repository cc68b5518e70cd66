package upshift.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import upshift.architecture.LayersTest;
import upshift.testing.Run;

/**
 * The library's two source manifests, which every script pulls in with one {@code //SOURCES} line (JBang follows
 * explicit //SOURCES and //DEPS of sourced files, also when the catalog is added by URL, where a {@code **} glob is
 * ignored):
 * <ul>
 * <li>{@code lib/upshift/Library.java}: the runbook core, every file outside the rehearsal part;</li>
 * <li>{@code lib/upshift/rehearse/RehearsalLibrary.java}: embedded servers, the sample application, rehearse and
 * console, pulled in only by rehearse and console (and the tests).</li>
 * </ul>
 * Each must list exactly the files of its part; {@code -Dupshift.manifests=write} rewrites their //SOURCES lines
 * after files were added or removed. That the core never uses the rehearsal part is LayersTest's rule.
 */
class LibraryManifestTest {

    static final Path LIB = Run.checkout().resolve("lib/upshift");
    static final Path CORE = LIB.resolve("Library.java");
    static final Path REHEARSAL = LIB.resolve("rehearse/RehearsalLibrary.java");
    static final Set<String> REHEARSAL_PACKAGES = LayersTest.REHEARSAL_PACKAGES;

    @Test
    void manifestsListEveryFileOfTheirPart() throws IOException {
        boolean write = "write".equals(System.getProperty("upshift.manifests"));
        List<String> problems = new ArrayList<>();
        for (Path manifest : List.of(CORE, REHEARSAL)) {
            Map<String, List<String>> expected = expected(manifest);
            List<String> lines = expectedLines(expected);
            List<String> actual = Files.readAllLines(manifest).stream().filter(l -> l.startsWith("//SOURCES "))
                    .toList();
            if (!actual.equals(lines)) {
                if (write) {
                    rewrite(manifest, lines);
                } else {
                    problems.add(Run.checkout().relativize(manifest) + " lists other files than its part has;"
                            + " expected:\n" + String.join("\n", lines));
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n\n", problems)
                + "\n\nrewrite them with: mvn -q -o test -Dtest=LibraryManifestTest -Dupshift.manifests=write");
    }

    @Test
    void scriptsPullTheLibraryInThroughTheManifestsOnly() throws IOException {
        for (Path script : DepsInStepTest.scripts()) {
            List<String> sources = Files.readAllLines(script).stream().filter(l -> l.startsWith("//SOURCES "))
                    .flatMap(l -> Stream.of(l.substring("//SOURCES ".length()).trim().split("\\s+")))
                    .filter(s -> s.startsWith("../lib/")).toList();
            String name = script.getFileName().toString();
            boolean rehearsalPart = upshift.runbook.Step.all().stream()
                    .anyMatch(s -> s.rehearsalPart() && s.scriptRef().equals("scripts/" + name));
            List<String> expected = rehearsalPart
                    ? List.of("../lib/upshift/Library.java", "../lib/upshift/rehearse/RehearsalLibrary.java")
                    : List.of("../lib/upshift/Library.java");
            assertEquals(expected, sources, name);
        }
    }

    /** The files of a manifest's part, by directory relative to the manifest, sorted. */
    private static Map<String, List<String>> expected(Path manifest) throws IOException {
        boolean rehearsalPart = manifest.equals(REHEARSAL);
        Map<String, List<String>> byDirectory = new TreeMap<>();
        for (Path file : javaFiles()) {
            if (file.equals(CORE) || file.equals(REHEARSAL) || rehearsal(file) != rehearsalPart) {
                continue;
            }
            String relative = manifest.getParent().relativize(file).toString();
            String dir = relative.contains("/") ? relative.substring(0, relative.lastIndexOf('/')) : "";
            byDirectory.computeIfAbsent(dir, d -> new ArrayList<>()).add(relative);
        }
        byDirectory.values().forEach(l -> l.sort(null));
        return byDirectory;
    }

    /** One //SOURCES line per directory, wrapped at 120 characters. */
    private static List<String> expectedLines(Map<String, List<String>> byDirectory) {
        List<String> lines = new ArrayList<>();
        for (List<String> files : byDirectory.values()) {
            StringBuilder line = new StringBuilder("//SOURCES");
            for (String f : files) {
                if (line.length() + 1 + f.length() > 120 && !line.toString().equals("//SOURCES")) {
                    lines.add(line.toString());
                    line = new StringBuilder("//SOURCES");
                }
                line.append(' ').append(f);
            }
            lines.add(line.toString());
        }
        return lines;
    }

    private static void rewrite(Path manifest, List<String> sources) throws IOException {
        List<String> out = new ArrayList<>();
        boolean placed = false;
        for (String line : Files.readAllLines(manifest)) {
            if (line.startsWith("//SOURCES ")) {
                if (!placed) {
                    out.addAll(sources);
                    placed = true;
                }
            } else {
                out.add(line);
            }
        }
        Files.write(manifest, out);
    }

    private static boolean rehearsal(Path file) {
        Path relative = LIB.relativize(file);
        return relative.getNameCount() > 1 && REHEARSAL_PACKAGES.contains(relative.getName(0).toString());
    }

    static List<Path> javaFiles() throws IOException {
        try (Stream<Path> files = Files.walk(LIB)) {
            return files.filter(p -> p.toString().endsWith(".java")).sorted().collect(Collectors.toList());
        }
    }

}
