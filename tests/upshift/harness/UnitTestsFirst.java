package upshift.harness;

import java.lang.reflect.Method;
import java.util.Comparator;
import java.util.Set;

import org.junit.jupiter.api.ClassDescriptor;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.ClassOrdererContext;

/**
 * Tells the unit tests from the tests that start servers or subprocesses. {@code mvn -B verify} runs them as two
 * Surefire runs ({@link TestKindFilter}); within one run (an IDE, or {@code -Dtest=...}) this orderer puts the unit
 * tests first, so that a broken unit fails within the first minute. Configured for Surefire in pom.xml
 * ({@code junit.jupiter.testclass.order.default}). A class counts as an integration test when a test method takes
 * a {@link PgProvider} (it runs on real servers) or it lives in a package whose tests run ./jbang or whole
 * applications as subprocesses.
 */
public final class UnitTestsFirst implements ClassOrderer {

    private static final Set<String> SUBPROCESS_PACKAGES = Set.of("upshift.e2e", "upshift.scripts", "upshift.django",
            "upshift.console", "upshift.bench");

    @Override
    public void orderClasses(ClassOrdererContext context) {
        context.getClassDescriptors().sort(Comparator.comparing((ClassDescriptor d) -> integration(d.getTestClass()))
                .thenComparing(d -> d.getTestClass().getName()));
    }

    static boolean integration(Class<?> type) {
        if (SUBPROCESS_PACKAGES.contains(type.getPackageName())) {
            return true;
        }
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                for (Class<?> p : m.getParameterTypes()) {
                    if (PgProvider.class.isAssignableFrom(p)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
