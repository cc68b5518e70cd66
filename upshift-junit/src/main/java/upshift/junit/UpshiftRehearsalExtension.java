package upshift.junit;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

import upshift.rehearse.Timeline;
import upshift.switchover.WriteFreeze;

/**
 * Runs one upshift rehearsal per test class, before its first test, and stops its servers after the last; resolves
 * {@link Rehearsed} (and {@link Timeline.Summary}, the report) parameters of the class's tests and lifecycle methods.
 * Configured by {@link UpshiftRehearsal} on the class, or built with {@link #builder()} for
 * {@code @RegisterExtension}:
 *
 * <pre>{@code
 * @RegisterExtension
 * static UpshiftRehearsalExtension upshift = UpshiftRehearsalExtension.builder()
 *         .versions(13, 16).schema("db/old.sql").newSchema("db/new.sql").rows("5000").build();
 * }</pre>
 *
 * <p>A {@code @Nested} class shares its enclosing class's rehearsal.
 */
public final class UpshiftRehearsalExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(
            UpshiftRehearsalExtension.class);
    private static final String KEY = "rehearsed";

    private final RehearsalSpec given;
    private volatile Rehearsed last;

    /** The extension of {@link UpshiftRehearsal}: the annotation on the test class says what to rehearse. */
    public UpshiftRehearsalExtension() {
        this(null);
    }

    private UpshiftRehearsalExtension(RehearsalSpec given) {
        this.given = given;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The rehearsal of the running test class (for a {@code @RegisterExtension} field's users). */
    public Rehearsed rehearsed() {
        Rehearsed r = last;
        if (r == null) {
            throw new IllegalStateException("no upshift rehearsal has run yet: it runs before the test class's first"
                    + " test (a static @RegisterExtension field)");
        }
        return r;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        if (store.get(KEY, Rehearsed.class) != null) {
            return; // a @Nested class: the enclosing class's rehearsal
        }
        Class<?> testClass = context.getRequiredTestClass();
        RehearsalSpec spec = given != null ? given : AnnotationSupport.findAnnotation(testClass,
                UpshiftRehearsal.class).map(RehearsalSpec::of).orElseThrow(() -> new ExtensionConfigurationException(
                        testClass.getName() + " uses UpshiftRehearsalExtension without @UpshiftRehearsal or a"
                                + " builder"));
        Rehearsed rehearsed = RehearsalRunner.run(spec, testClass.getClassLoader());
        store.put(KEY, rehearsed);
        last = rehearsed;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        // remove() leaves an enclosing class's value alone: only the class that ran the rehearsal stops it
        Rehearsed rehearsed = context.getStore(NAMESPACE).remove(KEY, Rehearsed.class);
        if (rehearsed != null) {
            rehearsed.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == Rehearsed.class || type == Timeline.Summary.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Rehearsed rehearsed = context.getStore(NAMESPACE).get(KEY, Rehearsed.class);
        if (rehearsed == null) {
            throw new ParameterResolutionException("the upshift rehearsal has not run for "
                    + context.getDisplayName() + " (it runs before all tests of the class)");
        }
        return parameter.getParameter().getType() == Rehearsed.class ? rehearsed : rehearsed.report();
    }

    /** What to rehearse, for {@code @RegisterExtension}; the defaults are {@link UpshiftRehearsal}'s. */
    public static final class Builder {
        private int origin = 13;
        private int destination = 16;
        private String schema;
        private String newSchema;
        private String newModelCommand;
        private String newModelDir;
        private String rows = "10000";
        private int rate = 20;
        private long seed = 1;
        private WriteFreeze.Mode freeze = WriteFreeze.Mode.HARD;
        private boolean switchback = true;
        private final List<String> defaults = new ArrayList<>();
        private String provider;
        private String junitReport;
        private boolean requirePass = true;

        private Builder() {
        }

        public Builder versions(int origin, int destination) {
            this.origin = origin;
            this.destination = destination;
            return this;
        }

        public Builder schema(String schema) {
            this.schema = schema;
            return this;
        }

        public Builder newSchema(String newSchema) {
            this.newSchema = newSchema;
            return this;
        }

        public Builder newModelCommand(String command, String dir) {
            this.newModelCommand = command;
            this.newModelDir = dir;
            return this;
        }

        public Builder rows(String rows) {
            this.rows = rows;
            return this;
        }

        public Builder rate(int rate) {
            this.rate = rate;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder freeze(String freeze) {
            this.freeze = RehearsalSpec.freeze(freeze);
            return this;
        }

        public Builder switchback(boolean switchback) {
            this.switchback = switchback;
            return this;
        }

        /** add-missing-columns --default TABLE.COLUMN=SQL. */
        public Builder defaultValue(String tableColumnEqualsSql) {
            defaults.add(tableColumnEqualsSql);
            return this;
        }

        /** embedded, testcontainers or auto (null: -Dupshift.providers, else auto). */
        public Builder provider(String provider) {
            this.provider = provider;
            return this;
        }

        public Builder junitReport(String file) {
            this.junitReport = file;
            return this;
        }

        public Builder requirePass(boolean requirePass) {
            this.requirePass = requirePass;
            return this;
        }

        /** The spec, checked (for {@link RehearsalRunner#run} without the extension). */
        public RehearsalSpec spec() {
            return new RehearsalSpec(origin, destination, schema, newSchema, newModelCommand, newModelDir, rows, rate,
                    seed, freeze, switchback, defaults, provider, junitReport, requirePass);
        }

        public UpshiftRehearsalExtension build() {
            return new UpshiftRehearsalExtension(spec());
        }
    }
}
