package upshift.contract;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import upshift.testing.Run;

/**
 * The JSON contract as the tests read it: schemas/STEP.schema.json, one per step, sharing schemas/common.schema.json
 * by relative $ref, validated with networknt's JSON Schema validator (draft 2020-12). Not a test class.
 */
final class JsonContract {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String COMMON = "common.schema.json";

    /** Keys the contract allows: camelCase. */
    private static final Pattern CAMEL_CASE = Pattern.compile("^[a-z][a-zA-Z0-9]*$");

    /** Objects whose keys are data, not contract: server settings and subscription options by their own names. */
    private static final List<String> MAPS = List.of("settings", "createOptions");

    /** The schema files by their file: IRI (so that the relative $ref resolve), read here; nothing is fetched. */
    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            b -> b.schemas(JsonContract::local));
    private final Map<String, Schema> schemas = new TreeMap<>();

    private static String local(String iri) {
        String base = folder().toUri().toString();
        if (!iri.startsWith(base)) {
            return null;
        }
        try {
            return Files.readString(folder().resolve(iri.substring(base.length())));
        } catch (IOException e) {
            return null;
        }
    }

    static Path folder() {
        return Run.checkout().resolve("schemas");
    }

    JsonContract() throws IOException {
        try (Stream<Path> files = Files.list(folder())) {
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".schema.json")).sorted().toList()) {
                String name = p.getFileName().toString();
                if (!name.equals(COMMON)) {
                    schemas.put(name.substring(0, name.length() - ".schema.json".length()),
                            registry.getSchema(SchemaLocation.of(p.toUri().toString())));
                }
            }
        }
    }

    /** The steps that have a schema, by alias. */
    java.util.Set<String> steps() {
        return schemas.keySet();
    }

    /** The schema file of a step, as JSON. */
    static JsonNode schemaDocument(String step) throws IOException {
        return JSON.readTree(folder().resolve(step + ".schema.json").toFile());
    }

    /** What is wrong with {@code document} as the --json output of {@code step}: empty when it conforms. */
    List<String> problems(String step, JsonNode document) {
        Schema schema = schemas.get(step);
        if (schema == null) {
            return List.of("no schemas/" + step + ".schema.json");
        }
        List<String> problems = new ArrayList<>();
        for (Error e : schema.validate(document)) {
            problems.add(e.getInstanceLocation() + ": " + e.getMessage());
        }
        keys(document, "", problems);
        return problems;
    }

    List<String> problems(String step, String stdout) {
        JsonNode document;
        try {
            document = JSON.readTree(stdout);
        } catch (IOException e) {
            return List.of("stdout is not one JSON document: " + e.getMessage() + "\n" + stdout);
        }
        if (document == null) {
            return List.of("stdout is empty");
        }
        return problems(step, document);
    }

    /** Every key camelCase, except inside the maps keyed by server or option names. */
    static void keys(JsonNode node, String path, List<String> problems) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if (!CAMEL_CASE.matcher(e.getKey()).matches()) {
                    problems.add(path + "/" + e.getKey() + ": key not camelCase");
                }
                if (!MAPS.contains(e.getKey())) {
                    keys(e.getValue(), path + "/" + e.getKey(), problems);
                }
            });
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                keys(node.get(i), path + "/" + i, problems);
            }
        }
    }

    /** The schema documents themselves, against the draft 2020-12 meta-schema. */
    List<String> metaProblems() throws IOException {
        Schema meta = registry.getSchema(SchemaLocation.of(SpecificationVersion.DRAFT_2020_12.getDialectId()));
        List<String> problems = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder())) {
            for (Path p : files.sorted().toList()) {
                for (Error e : meta.validate(JSON.readTree(p.toFile()))) {
                    problems.add(p.getFileName() + " " + e.getInstanceLocation() + ": " + e.getMessage());
                }
            }
        }
        return problems;
    }
}
