package upshift.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import upshift.testing.Run;

/**
 * The dependency rule of ARCHITECTURE.md, read from the library's sources: every {@code import} and every fully
 * qualified name in code (comments and string literals do not count).
 * <ul>
 * <li>Only the command layer ({@code upshift.cli}) and the two drivers that run the steps in-process as the scripts
 * do ({@code upshift.rehearse}, {@code upshift.console}) use {@code upshift.cli}; the step engines and everything
 * under them report through {@code upshift.report}.</li>
 * <li>picocli is used in {@code lib/upshift/cli} only (and in the scripts, which this test does not read).</li>
 * <li>No cycle between the library's packages.</li>
 * <li>The runbook core never uses the rehearsal part (embedded, sample, generate, rehearse, console), which the
 * steps do not compile (LibraryManifestTest keeps the two source manifests).</li>
 * </ul>
 */
public class LayersTest {

    static final Path LIB = Run.checkout().resolve("lib/upshift");

    /** The rehearsal part: pulled in by the rehearse and console scripts and the tests, never by a step. */
    public static final Set<String> REHEARSAL_PACKAGES = Set.of("embedded", "sample", "generate", "rehearse",
            "console");

    static final String CLI = "upshift.cli";

    /** The packages that may use the command layer: itself, and the drivers that run steps through it. */
    static final Set<String> ABOVE_CLI = Set.of(CLI, "upshift.rehearse", "upshift.console");

    @Test
    void onlyTheCommandLayerAndItsDriversUseCli() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Source source : library()) {
            if (ABOVE_CLI.contains(source.pkg())) {
                continue;
            }
            source.references().stream().filter(r -> r.target().equals(CLI)).forEach(r -> offenders.add(r.toString()));
        }
        assertEquals(List.of(), offenders, "below the command layer nothing uses upshift.cli: report through"
                + " upshift.report (Output, Progress, Table, Units) instead");
    }

    @Test
    void picocliLivesInTheCommandLayerOnly() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Source source : library()) {
            if (!source.pkg().equals(CLI)) {
                source.picocli().forEach(r -> offenders.add(r.toString()));
            }
        }
        assertEquals(List.of(), offenders, "picocli belongs to lib/upshift/cli and the scripts");
    }

    @Test
    void noCycleBetweenPackages() throws IOException {
        List<String> cycles = cycles(library());
        assertTrue(cycles.isEmpty(), cycles.size() + " package cycle(s):\n\n" + String.join("\n\n", cycles));
    }

    @Test
    void theCoreNeverUsesTheRehearsalPart() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Source source : library()) {
            if (rehearsal(source.pkg())) {
                continue;
            }
            source.references().stream().filter(r -> rehearsal(r.target())).forEach(r -> offenders.add(r.toString()));
        }
        assertEquals(List.of(), offenders, "the runbook core must not depend on the rehearsal part");
    }

    /**
     * The JUnit 5 extension (module upshift-junit) sits on the rehearsal part like the rehearse script, but it is a
     * library, not a command line: it drives {@code upshift.rehearse} and never {@code upshift.cli} or picocli.
     */
    @Test
    void theJUnitExtensionUsesNeitherCliNorPicocli() throws IOException {
        Path root = Run.checkout().resolve("upshift-junit/src/main/java");
        List<String> offenders = new ArrayList<>();
        int files = 0;
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path file : paths.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                files++;
                Source source = Source.parse("upshift-junit/" + root.getParent().getParent().relativize(file),
                        Files.readString(file));
                source.references().stream().filter(r -> r.target().equals(CLI))
                        .forEach(r -> offenders.add(r.toString()));
                source.picocli().forEach(r -> offenders.add(r.toString()));
            }
        }
        assertTrue(files > 0, "no source under " + root);
        assertEquals(List.of(), offenders, "upshift-junit drives upshift.rehearse, never the command layer");
    }

    // ---- the rules can fail: the scanner and the cycle search on sources written here ---------------------------

    @Test
    void theScannerSeesImportsAndQualifiedNamesButNotCommentsOrStrings() {
        Source s = Source.parse("x/A.java", String.join("\n",
                "package upshift.x;",
                "import upshift.cli.Output;",
                "import static upshift.sql.Sql.ident;",
                "import upshift.report.*;",
                "/** {@link upshift.embedded.EmbeddedPostgres} */",
                "class A { // upshift.sample.SampleApp",
                "  String s = \"upshift.console.Steps\" + '\"' + \"\\\" upshift.rehearse.Rehearsal\";",
                "  String t = \"\"\"",
                "      upshift.rehearse.Timeline picocli.CommandLine",
                "      \"\"\";",
                "  Object o = upshift.connect.Secrets.redact(\"\");",
                "  /* upshift.verify.VerifyView */ picocli.CommandLine.Option opt;",
                "  upshift.ExitCode code;",
                "}"));
        assertEquals("upshift.x", s.pkg());
        assertEquals(List.of("x/A.java:2 upshift.cli.Output", "x/A.java:3 upshift.sql.Sql",
                "x/A.java:4 upshift.report.*", "x/A.java:11 upshift.connect.Secrets", "x/A.java:13 upshift.ExitCode"),
                s.references().stream().map(Reference::toString).toList());
        assertEquals(List.of("x/A.java:12 picocli.CommandLine"), s.picocli().stream().map(Reference::toString).toList());
    }

    @Test
    void aCycleIsReportedWithTheFilesCausingIt() {
        List<Source> sources = List.of(
                Source.parse("cli/C.java", "package upshift.cli;\nimport upshift.sql.S;\nclass C {}"),
                Source.parse("sql/S.java", "package upshift.sql;\nclass S { upshift.cli.Output o; }"),
                Source.parse("sql/T.java", "package upshift.sql;\nimport upshift.connect.K;\nclass T {}"),
                Source.parse("connect/K.java", "package upshift.connect;\nclass K {}"));
        assertEquals(List.of("upshift.cli -> upshift.sql -> upshift.cli\n"
                + "  upshift.cli -> upshift.sql: cli/C.java:2 upshift.sql.S\n"
                + "  upshift.sql -> upshift.cli: sql/S.java:2 upshift.cli.Output"), cycles(sources));
        assertEquals(List.of(), cycles(sources.subList(1, 4)));
    }

    // ---- reading the sources ------------------------------------------------------------------------------------

    /** A use of another package: where it is and the name used. */
    record Reference(String file, int line, String target, String name) {
        @Override
        public String toString() {
            return file + ":" + line + " " + name;
        }
    }

    /** A source file: its package and what it uses of the upshift packages and of picocli. */
    record Source(String file, String pkg, List<Reference> references, List<Reference> picocli) {

        private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
        /** {@code upshift.cli.Output}, {@code upshift.ExitCode}, {@code upshift.report.*}: the package, the name. */
        private static final Pattern UPSHIFT = Pattern.compile(
                "(?<![\\w.$])(upshift(?:\\.[a-z_][a-z0-9_]*)*)\\.([A-Z][\\w$]*|\\*)");
        private static final Pattern PICOCLI = Pattern.compile("(?<![\\w.$])picocli(?:\\.[\\w$]+)+");

        static Source parse(String file, String text) {
            String code = code(text);
            Matcher p = PACKAGE.matcher(code);
            String pkg = p.find() ? p.group(1) : "";
            List<Reference> references = new ArrayList<>();
            List<Reference> picocli = new ArrayList<>();
            String[] lines = code.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                if (PACKAGE.matcher(lines[i]).find()) {
                    continue;
                }
                Matcher m = UPSHIFT.matcher(lines[i]);
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        references.add(new Reference(file, i + 1, m.group(1), m.group()));
                    }
                }
                Matcher c = PICOCLI.matcher(lines[i]);
                while (c.find()) {
                    String name = c.group();
                    int cls = name.indexOf(".CommandLine");
                    picocli.add(new Reference(file, i + 1, "picocli",
                            cls >= 0 ? name.substring(0, cls + ".CommandLine".length()) : name));
                }
            }
            return new Source(file, pkg, references, picocli);
        }

        /** The text with comments and the insides of string, text-block and char literals blanked (lines kept). */
        static String code(String text) {
            StringBuilder sb = new StringBuilder(text.length());
            int i = 0;
            int n = text.length();
            while (i < n) {
                char c = text.charAt(i);
                if (text.startsWith("//", i)) {
                    while (i < n && text.charAt(i) != '\n') {
                        sb.append(' ');
                        i++;
                    }
                } else if (text.startsWith("/*", i)) {
                    int end = text.indexOf("*/", i + 2);
                    end = end < 0 ? n : end + 2;
                    blank(sb, text, i, end);
                    i = end;
                } else if (text.startsWith("\"\"\"", i)) {
                    int end = i + 3;
                    while (end < n && !text.startsWith("\"\"\"", end)) {
                        end += text.charAt(end) == '\\' ? 2 : 1;
                    }
                    end = Math.min(n, end + 3);
                    sb.append("\"\"\"");
                    blank(sb, text, i + 3, end - 3);
                    sb.append("\"\"\"");
                    i = end;
                } else if (c == '"' || c == '\'') {
                    int end = i + 1;
                    while (end < n && text.charAt(end) != c && text.charAt(end) != '\n') {
                        end += text.charAt(end) == '\\' ? 2 : 1;
                    }
                    end = Math.min(n, end + 1);
                    sb.append(c);
                    blank(sb, text, i + 1, end - 1);
                    sb.append(c);
                    i = end;
                } else {
                    sb.append(c);
                    i++;
                }
            }
            return sb.toString();
        }

        private static void blank(StringBuilder sb, String text, int from, int to) {
            for (int k = from; k < to && k < text.length(); k++) {
                sb.append(text.charAt(k) == '\n' ? '\n' : ' ');
            }
        }
    }

    static List<Source> library() throws IOException {
        List<Source> sources = new ArrayList<>();
        try (Stream<Path> files = Files.walk(LIB)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().collect(Collectors.toList())) {
                sources.add(Source.parse("lib/upshift/" + LIB.relativize(file), Files.readString(file)));
            }
        }
        return sources;
    }

    static boolean rehearsal(String pkg) {
        return pkg.startsWith("upshift.") && REHEARSAL_PACKAGES.contains(pkg.substring("upshift.".length()));
    }

    // ---- the package graph and its cycles ----------------------------------------------------------------------

    /**
     * Every elementary cycle found as an edge of a strongly connected component closed by the shortest path back,
     * each with the references that make its edges.
     */
    static List<String> cycles(List<Source> sources) {
        Set<String> packages = sources.stream().map(Source::pkg).collect(Collectors.toCollection(TreeSet::new));
        Map<String, Map<String, List<Reference>>> graph = new TreeMap<>();
        packages.forEach(p -> graph.put(p, new TreeMap<>()));
        for (Source s : sources) {
            for (Reference r : s.references()) {
                if (packages.contains(r.target())) {
                    graph.get(s.pkg()).computeIfAbsent(r.target(), t -> new ArrayList<>()).add(r);
                }
            }
        }
        Map<String, Integer> component = components(graph);
        Set<List<String>> cycles = new LinkedHashSet<>();
        for (String from : graph.keySet()) {
            for (String to : graph.get(from).keySet()) {
                if (!component.get(from).equals(component.get(to))) {
                    continue;
                }
                List<String> back = shortestPath(graph, component, to, from);
                List<String> cycle = new ArrayList<>();
                cycle.add(from);
                cycle.addAll(back.subList(0, back.size() - 1));
                cycles.add(canonical(cycle));
            }
        }
        List<String> reports = new ArrayList<>();
        for (List<String> cycle : cycles) {
            StringBuilder sb = new StringBuilder(String.join(" -> ", cycle) + " -> " + cycle.get(0));
            for (int k = 0; k < cycle.size(); k++) {
                String a = cycle.get(k);
                String b = cycle.get((k + 1) % cycle.size());
                sb.append("\n  ").append(a).append(" -> ").append(b).append(": ").append(graph.get(a).get(b).stream()
                        .map(Reference::toString).collect(Collectors.joining(", ")));
            }
            reports.add(sb.toString());
        }
        return reports;
    }

    /** The cycle rotated to start at its smallest package. */
    private static List<String> canonical(List<String> cycle) {
        int start = cycle.indexOf(cycle.stream().min(String::compareTo).orElseThrow());
        List<String> rotated = new ArrayList<>(cycle.subList(start, cycle.size()));
        rotated.addAll(cycle.subList(0, start));
        return rotated;
    }

    /** The packages from {@code from} to {@code to} (both included), inside one component, breadth first. */
    private static List<String> shortestPath(Map<String, Map<String, List<Reference>>> graph,
            Map<String, Integer> component, String from, String to) {
        Map<String, String> previous = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>(List.of(from));
        previous.put(from, from);
        while (!queue.isEmpty()) {
            String p = queue.removeFirst();
            if (p.equals(to)) {
                break;
            }
            for (String next : graph.get(p).keySet()) {
                if (component.get(next).equals(component.get(from)) && !previous.containsKey(next)) {
                    previous.put(next, p);
                    queue.addLast(next);
                }
            }
        }
        List<String> path = new ArrayList<>();
        for (String p = to; !p.equals(from); p = previous.get(p)) {
            path.add(0, p);
        }
        path.add(0, from);
        return path;
    }

    /** Tarjan's strongly connected components: package to component number. */
    private static Map<String, Integer> components(Map<String, Map<String, List<Reference>>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Map<String, Integer> component = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new java.util.HashSet<>();
        int[] counter = {0, 0};
        for (String p : graph.keySet()) {
            if (!index.containsKey(p)) {
                strongConnect(p, graph, index, low, component, stack, onStack, counter);
            }
        }
        return component;
    }

    private static void strongConnect(String p, Map<String, Map<String, List<Reference>>> graph,
            Map<String, Integer> index, Map<String, Integer> low, Map<String, Integer> component, Deque<String> stack,
            Set<String> onStack, int[] counter) {
        index.put(p, counter[0]);
        low.put(p, counter[0]);
        counter[0]++;
        stack.push(p);
        onStack.add(p);
        for (String q : graph.get(p).keySet()) {
            if (!index.containsKey(q)) {
                strongConnect(q, graph, index, low, component, stack, onStack, counter);
                low.put(p, Math.min(low.get(p), low.get(q)));
            } else if (onStack.contains(q)) {
                low.put(p, Math.min(low.get(p), index.get(q)));
            }
        }
        if (low.get(p).equals(index.get(p))) {
            String q;
            do {
                q = stack.pop();
                onStack.remove(q);
                component.put(q, counter[1]);
            } while (!q.equals(p));
            counter[1]++;
        }
    }
}
