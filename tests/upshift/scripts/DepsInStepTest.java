package upshift.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

import upshift.testing.Run;

/**
 * pom.xml pins every version once; the library's manifests (lib/upshift/Library.java and the rehearsal part's)
 * must name exactly its compile dependencies at those versions, no script names any itself, and every script must
 * have its alias in jbang-catalog.json.
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

    @Test
    void everyScriptHasAKebabCaseAliasInTheCatalogAndNoAliasDangles() throws Exception {
        JsonNode aliases = new ObjectMapper().readTree(CHECKOUT.resolve("jbang-catalog.json").toFile()).get("aliases");
        Set<String> expected = new TreeSet<>();
        for (Path script : scripts()) {
            String className = script.getFileName().toString().replace(".java", "");
            String alias = className.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
            expected.add(alias);
            JsonNode entry = aliases.get(alias);
            assertTrue(entry != null, "no catalog alias " + alias + " for " + script);
            assertEquals("scripts/" + script.getFileName(), entry.get("script-ref").asText());
            assertFalse(entry.path("description").asText().isBlank(), alias + " has no description");
        }
        Set<String> actual = new TreeSet<>();
        aliases.fieldNames().forEachRemaining(actual::add);
        assertEquals(expected, actual, "catalog aliases without a script, or scripts without an alias");
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

    static List<Path> scripts() throws IOException {
        try (Stream<Path> files = Files.list(CHECKOUT.resolve("scripts"))) {
            return files.filter(p -> p.toString().endsWith(".java")).sorted().collect(Collectors.toList());
        }
    }

    private static Set<String> pomCompileDependencies() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(CHECKOUT.resolve("pom.xml").toFile());
        Map<String, String> properties = new HashMap<>();
        NodeList props = ((Element) pom.getElementsByTagName("properties").item(0)).getChildNodes();
        for (int i = 0; i < props.getLength(); i++) {
            Node n = props.item(i);
            if (n instanceof Element e) {
                properties.put(e.getTagName(), e.getTextContent().trim());
            }
        }
        Set<String> result = new TreeSet<>();
        Element dependencies = (Element) pom.getDocumentElement().getElementsByTagName("dependencies").item(0);
        NodeList list = dependencies.getElementsByTagName("dependency");
        for (int i = 0; i < list.getLength(); i++) {
            Element d = (Element) list.item(i);
            String scope = text(d, "scope");
            if (scope != null && !scope.equals("compile")) {
                continue;
            }
            String version = text(d, "version");
            if (version.startsWith("${")) {
                version = properties.get(version.substring(2, version.length() - 1));
            }
            result.add(text(d, "groupId") + ":" + text(d, "artifactId") + ":" + version);
        }
        return result;
    }

    private static String text(Element parent, String tag) {
        NodeList nodes = parent.getElementsByTagName(tag);
        return nodes.getLength() == 0 ? null : nodes.item(0).getTextContent().trim();
    }
}
