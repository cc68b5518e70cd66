package upshift.scripts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import picocli.CommandLine.Command;
import upshift.cli.UpshiftCommand;
import upshift.runbook.Step;
import upshift.testing.Run;

/**
 * pom.xml pins every version once; the library's manifests (lib/upshift/Library.java and the rehearsal part's)
 * must name exactly its compile dependencies at those versions, no script names any itself, and jbang-catalog.json
 * and the scripts' headers say what the registry of steps ({@link Step}) says.
 */
class DepsInStepTest {

    private static final Path CHECKOUT = Run.checkout();

    @Test
    void theManifestsDeclareThePomsCompileDependenciesAndScriptsNone() throws Exception {
        Set<String> pom = pomCompileDependencies();
        assertFalse(pom.isEmpty());
        Set<String> core = deps(LibraryManifestTest.CORE);
        Set<String> rehearsal = deps(LibraryManifestTest.REHEARSAL);
        Set<String> both = new TreeSet<>(core);
        both.addAll(rehearsal);
        assertEquals(pom, both, "the manifests' //DEPS differ from pom.xml's compile dependencies");
        assertEquals(pom.size(), core.size() + rehearsal.size(), "a dependency is declared by both manifests");
        for (Path script : scripts()) {
            assertEquals(Set.of(), deps(script), script.getFileName()
                    + " declares //DEPS itself: they belong in lib/upshift/Library.java (one place)");
        }
    }

    private static Set<String> deps(Path file) throws IOException {
        Set<String> deps = new TreeSet<>();
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith("//DEPS ")) {
                deps.addAll(List.of(line.substring("//DEPS ".length()).trim().split("\\s+")));
            }
        }
        return deps;
    }

    /** jbang-catalog.json (what JBang reads) says exactly what the registry of steps says. */
    @Test
    void theCatalogIsTheRegistryOfSteps() throws Exception {
        JsonNode aliases = new ObjectMapper().readTree(CHECKOUT.resolve("jbang-catalog.json").toFile()).get("aliases");
        Set<String> inCatalog = new TreeSet<>();
        aliases.fieldNames().forEachRemaining(inCatalog::add);
        assertEquals(Step.all().stream().map(Step::alias).collect(Collectors.toCollection(TreeSet::new)), inCatalog,
                "jbang-catalog.json's aliases differ from upshift.runbook.Step's");
        for (Step step : Step.all()) {
            JsonNode entry = aliases.get(step.alias());
            assertEquals(step.scriptRef(), entry.path("script-ref").asText(), step.alias() + ": script-ref");
            assertEquals(step.summary(), entry.path("description").asText(), step.alias()
                    + ": the catalog's description differs from Step.Summary's");
            assertEquals(step.alias(), step.scriptClass().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(),
                    "the alias is the script's class name in kebab case");
        }
        Set<String> files = new TreeSet<>();
        for (Path script : scripts()) {
            files.add("scripts/" + script.getFileName());
        }
        assertEquals(Step.all().stream().map(Step::scriptRef).collect(Collectors.toCollection(TreeSet::new)), files,
                "scripts without a step in upshift.runbook.Step, or steps without a script");
    }

    /** Each script's usage names its alias and shows the registry's one-line description as its header. */
    @Test
    void everyScriptsUsageHeaderIsItsStepsSummary() throws Exception {
        for (Step step : Step.all()) {
            Command command = Class.forName(step.scriptClass()).getAnnotation(Command.class);
            assertNotNull(command, step.scriptClass() + " has no @Command");
            assertEquals(step.alias(), command.name(), step.scriptClass() + ": @Command name");
            assertArrayEquals(new String[] {step.summary()}, command.header(), step.scriptClass()
                    + ": @Command(header = Step.Summary." + step.name() + ")");
            String help = UpshiftCommand.commandLine(UpshiftCommand.newScript(step.scriptClass())).getUsageMessage();
            // picocli wraps the header (also before a parenthesis): compare without the white space
            assertTrue(help.replaceAll("\\s+", "").startsWith((step.summary() + "Usage:" + step.alias())
                    .replaceAll("\\s+", "")), step.alias() + " --help:\n" + help);
        }
    }

    /**
     * Console and rehearse run the other steps' scripts in their JVM, by class name: their //SOURCES must compile
     * in exactly the scripts of {@link Step#runnable()}; the other scripts compile in no other script.
     */
    @Test
    void consoleAndRehearseCompileInEveryStepTheyRun() throws Exception {
        Set<String> runnable = Step.runnable().stream().map(s -> s.scriptClass() + ".java")
                .collect(Collectors.toCollection(TreeSet::new));
        for (Step step : Step.all()) {
            Path script = CHECKOUT.resolve(step.scriptRef());
            Set<String> sources = new TreeSet<>();
            for (String line : Files.readAllLines(script)) {
                if (line.startsWith("//SOURCES ")) {
                    for (String s : line.substring("//SOURCES ".length()).trim().split("\\s+")) {
                        if (!s.startsWith("../")) {
                            sources.add(s);
                        }
                    }
                }
            }
            assertEquals(step.rehearsalPart() ? runnable : Set.of(), sources, step.scriptRef() + " //SOURCES");
        }
    }

    @Test
    void embeddedServerVersionsMatchThePom() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(CHECKOUT.resolve("pom.xml").toFile());
        Map<Integer, String> fromPom = new java.util.TreeMap<>();
        NodeList props = ((Element) pom.getElementsByTagName("properties").item(0)).getChildNodes();
        for (int i = 0; i < props.getLength(); i++) {
            if (props.item(i) instanceof Element e && e.getTagName().matches("zonky\\.pg\\d+\\.version")) {
                fromPom.put(Integer.parseInt(e.getTagName().replaceAll("\\D", "")), e.getTextContent().trim());
            }
        }
        assertEquals(fromPom, new java.util.TreeMap<>(upshift.embedded.MavenFetch.VERSIONS),
                "lib/upshift/embedded/MavenFetch.VERSIONS must name pom.xml's zonky.pgNN.version");
    }

    /** Every version is pinned in the parent pom: no module's dependency or plugin names one. */
    @Test
    void noModulePinsAVersion() throws Exception {
        Document root = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(CHECKOUT.resolve("pom.xml").toFile());
        NodeList modules = root.getElementsByTagName("module");
        assertTrue(modules.getLength() >= 3, "core, upshift-junit and the example");
        List<String> pinned = new java.util.ArrayList<>();
        for (int i = 0; i < modules.getLength(); i++) {
            Path pom = CHECKOUT.resolve(modules.item(i).getTextContent().trim()).resolve("pom.xml");
            Document module = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
            for (String tag : List.of("dependency", "plugin")) {
                NodeList elements = module.getElementsByTagName(tag);
                for (int j = 0; j < elements.getLength(); j++) {
                    Element e = (Element) elements.item(j);
                    Element version = childOrNull(e, "version");
                    if (version != null) {
                        pinned.add(CHECKOUT.relativize(pom) + ": " + text(e, "artifactId") + " "
                                + version.getTextContent().trim());
                    }
                }
            }
        }
        assertEquals(List.of(), pinned, "pin versions in the parent pom's dependencyManagement/pluginManagement");
    }

    private static Element childOrNull(Element parent, String tag) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(tag)) {
                return e;
            }
        }
        return null;
    }

    static List<Path> scripts() throws IOException {
        try (Stream<Path> files = Files.list(CHECKOUT.resolve("scripts"))) {
            return files.filter(p -> p.toString().endsWith(".java")).sorted().collect(Collectors.toList());
        }
    }

    /**
     * The core module's compile dependencies (core/pom.xml names no version) at the versions the parent pom's
     * dependencyManagement pins (its properties).
     */
    private static Set<String> pomCompileDependencies() throws Exception {
        Document root = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(CHECKOUT.resolve("pom.xml").toFile());
        Document core = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(CHECKOUT.resolve("core/pom.xml").toFile());
        Map<String, String> properties = new HashMap<>();
        NodeList props = ((Element) root.getElementsByTagName("properties").item(0)).getChildNodes();
        for (int i = 0; i < props.getLength(); i++) {
            Node n = props.item(i);
            if (n instanceof Element e) {
                properties.put(e.getTagName(), e.getTextContent().trim());
            }
        }
        Map<String, String> managed = new HashMap<>();
        Element management = (Element) root.getElementsByTagName("dependencyManagement").item(0);
        NodeList pinned = management.getElementsByTagName("dependency");
        for (int i = 0; i < pinned.getLength(); i++) {
            Element d = (Element) pinned.item(i);
            String version = text(d, "version");
            if (version.startsWith("${")) {
                version = properties.get(version.substring(2, version.length() - 1));
            }
            managed.put(text(d, "groupId") + ":" + text(d, "artifactId"), version);
        }
        Set<String> result = new TreeSet<>();
        Element dependencies = child(core.getDocumentElement(), "dependencies");
        NodeList list = dependencies.getElementsByTagName("dependency");
        for (int i = 0; i < list.getLength(); i++) {
            Element d = (Element) list.item(i);
            String scope = text(d, "scope");
            if (scope != null && !scope.equals("compile")) {
                continue;
            }
            assertEquals(null, text(d, "version"), "core/pom.xml pins a version: the parent pom's"
                    + " dependencyManagement is the one place");
            String coordinates = text(d, "groupId") + ":" + text(d, "artifactId");
            assertNotNull(managed.get(coordinates), coordinates + " is not in the parent pom's dependencyManagement");
            result.add(coordinates + ":" + managed.get(coordinates));
        }
        return result;
    }

    private static Element child(Element parent, String tag) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(tag)) {
                return e;
            }
        }
        throw new AssertionError("no <" + tag + "> in <" + parent.getTagName() + ">");
    }

    private static String text(Element parent, String tag) {
        NodeList nodes = parent.getElementsByTagName(tag);
        return nodes.getLength() == 0 ? null : nodes.item(0).getTextContent().trim();
    }
}
