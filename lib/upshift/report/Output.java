package upshift.report;

import java.io.PrintStream;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;

import upshift.UpshiftException;
import upshift.connect.Secrets;

/**
 * The one place upshift prints. The report goes to stdout, as text or (with --json) as one JSON document;
 * progress, warnings, errors and the -v statement log go to stderr. Everything passes through
 * {@link Secrets#redact} on its way out. The step engines that only report progress see it as a {@link Progress}.
 *
 * <p>The JSON is a versioned contract (schemas/*.schema.json, one per step): every document starts with
 * {@code version} ({@link #CONTRACT_VERSION}), {@code step} and {@code migration}; keys are camelCase; enum values
 * are lower-case kebab-case ({@code already-ahead}, {@code blocking}); a table is {@code {schema, name}}.
 */
public final class Output implements Progress {

    /** The version of the JSON contract (schemas/common.schema.json): raised on any incompatible change. */
    public static final int CONTRACT_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .registerModule(new SimpleModule("upshift-contract").addSerializer(Enum.class, new KebabEnums()));
    private static final ObjectMapper JSON_LINE = JSON.copy().disable(SerializationFeature.INDENT_OUTPUT);

    /** Every enum as one casing: {@code ALREADY_AHEAD} is {@code "already-ahead"}. */
    @SuppressWarnings("rawtypes")
    private static final class KebabEnums extends JsonSerializer<Enum> {
        @Override
        public void serialize(Enum value, JsonGenerator gen, SerializerProvider serializers)
                throws java.io.IOException {
            gen.writeString(enumValue(value));
        }
    }

    /** An enum constant as the JSON contract spells it: lower-case kebab-case. */
    public static String enumValue(Enum<?> value) {
        return value.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    private final PrintStream out;
    private final PrintStream err;
    private final boolean json;
    private final boolean verbose;
    private String step;
    private String migration;

    public Output(PrintStream out, PrintStream err, boolean json, boolean verbose) {
        this.out = out;
        this.err = err;
        this.json = json;
        this.verbose = verbose;
    }

    /**
     * The step (its alias) and migration name that head every JSON document this output prints: {@code version},
     * {@code step}, {@code migration}, then the step's own keys.
     */
    public Output describing(String step, String migration) {
        this.step = step;
        this.migration = migration;
        return this;
    }

    public boolean json() {
        return json;
    }

    @Override
    public boolean verbose() {
        return verbose;
    }

    /** A line of the human report: stdout, or stderr under --json so stdout stays pure JSON. */
    public void line(String text) {
        (json ? err : out).println(Secrets.redact(text));
    }

    public void blank() {
        (json ? err : out).println();
    }

    /** A section title of the human report. */
    public void heading(String title) {
        line(title);
        line("=".repeat(title.length()));
    }

    public void table(Table table) {
        (json ? err : out).print(Secrets.redact(table.render()));
    }

    /** The machine-readable result: one JSON document on stdout. */
    public void json(Object value) {
        try {
            out.println(Secrets.redact(JSON.writeValueAsString(document(value))));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON: " + e.getMessage(), e);
        }
    }

    /** One compact JSON document on one line of stdout: a stream of results (e.g. monitor --watch --json). */
    public void jsonLine(Object value) {
        try {
            out.println(Secrets.redact(JSON_LINE.writeValueAsString(document(value))));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON: " + e.getMessage(), e);
        }
    }

    /**
     * The document as the contract has it: {@code version}, {@code step} and {@code migration} first (when this
     * output knows them), then the value's own keys. A value that carries {@code step} or {@code migration} itself
     * must agree.
     */
    JsonNode document(Object value) {
        JsonNode tree = JSON.valueToTree(value);
        if (!(tree instanceof ObjectNode own)) {
            return tree;
        }
        ObjectNode doc = JSON.createObjectNode();
        doc.put("version", CONTRACT_VERSION);
        if (step != null) {
            doc.put("step", step);
        }
        if (migration != null) {
            doc.put("migration", migration);
        }
        own.fields().forEachRemaining(e -> {
            JsonNode before = doc.get(e.getKey());
            if (before != null && !before.equals(e.getValue())) {
                throw new IllegalStateException("the JSON of " + step + " has " + e.getKey() + " = " + e.getValue()
                        + ", the contract's header " + before);
            }
            doc.set(e.getKey(), e.getValue());
        });
        return doc;
    }

    /** A --dry-run script fragment: stdout, meant to be pasted into psql (stderr under --json). */
    public void script(String text) {
        (json ? err : out).println(Secrets.redact(text));
    }

    /** Progress for the operator: stderr, in every mode. */
    @Override
    public void note(String text) {
        err.println(Secrets.redact(text));
    }

    @Override
    public void warn(String text) {
        err.println("warning: " + Secrets.redact(text));
    }

    /** The -v statement log: stderr, only when verbose. */
    @Override
    public void statement(String role, String sql) {
        if (verbose) {
            err.println("-- [" + role + "] " + Secrets.redact(sql.strip()));
        }
    }

    /**
     * One line of error (then the lines upshift's own message lists under it, such as a check's blocking findings)
     * and one of hint; the stack trace only with -v.
     */
    public void error(Throwable failure) {
        String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        err.println("error: " + Secrets.redact(firstLine(message)));
        if (failure instanceof UpshiftException) {
            message.lines().skip(1).filter(l -> !l.isBlank()).forEach(l -> err.println(Secrets.redact(l)));
        }
        if (failure instanceof UpshiftException u && u.hint() != null) {
            err.println("hint: " + Secrets.redact(u.hint()));
        }
        if (verbose) {
            java.io.StringWriter trace = new java.io.StringWriter();
            failure.printStackTrace(new java.io.PrintWriter(trace));
            err.print(Secrets.redact(trace.toString()));
        }
    }

    private static String firstLine(String message) {
        int nl = message.indexOf('\n');
        return nl >= 0 ? message.substring(0, nl) : message;
    }
}
