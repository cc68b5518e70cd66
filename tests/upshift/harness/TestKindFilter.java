package upshift.harness;

import java.util.Optional;

import org.junit.platform.engine.FilterResult;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.launcher.PostDiscoveryFilter;

/**
 * Splits the suite into the unit tests and the integration tests, so that Maven runs them as two Surefire executions:
 * the unit tests first (a broken unit fails the build within a minute, before any server starts), then the
 * integration tests in two forked JVMs at once (each with its own servers). Which class is which is
 * {@link UnitTestsFirst#integration(Class)}: no annotation to forget on a new test.
 *
 * <p>System property {@code upshift.tests}: {@code unit}, {@code integration}, or {@code all} (the default, and what
 * a run with {@code -Dtest=...} or an IDE gets). Registered through {@code META-INF/services}.
 */
public final class TestKindFilter implements PostDiscoveryFilter {

    static final String PROPERTY = "upshift.tests";

    @Override
    public FilterResult apply(TestDescriptor descriptor) {
        String wanted = System.getProperty(PROPERTY, "all").trim();
        if (wanted.isEmpty() || wanted.equals("all")) {
            return FilterResult.included("upshift.tests=all");
        }
        if (!wanted.equals("unit") && !wanted.equals("integration")) {
            throw new IllegalArgumentException(PROPERTY + "=" + wanted + ": expected unit, integration or all");
        }
        Optional<Class<?>> type = testClass(descriptor);
        if (type.isEmpty()) {
            return FilterResult.included("not a test class");
        }
        String kind = UnitTestsFirst.integration(type.get()) ? "integration" : "unit";
        return kind.equals(wanted)
                ? FilterResult.included("an " + kind + " test")
                : FilterResult.excluded("an " + kind + " test, this run is " + PROPERTY + "=" + wanted);
    }

    private static Optional<Class<?>> testClass(TestDescriptor descriptor) {
        for (Optional<TestDescriptor> d = Optional.of(descriptor); d.isPresent(); d = d.get().getParent()) {
            if (d.get().getSource().orElse(null) instanceof ClassSource source) {
                return Optional.of(source.getJavaClass());
            }
        }
        return Optional.empty();
    }
}
