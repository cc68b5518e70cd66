package upshift.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ServiceLoader;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.UniqueId;
import org.junit.platform.engine.support.descriptor.AbstractTestDescriptor;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.PostDiscoveryFilter;

class TestKindFilterTest {

    private final String before = System.getProperty(TestKindFilter.PROPERTY);

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty(TestKindFilter.PROPERTY);
        } else {
            System.setProperty(TestKindFilter.PROPERTY, before);
        }
    }

    @Test
    void theUnitRunKeepsUnitClassesAndTheirMethodsOnly() throws Exception {
        System.setProperty(TestKindFilter.PROPERTY, "unit");
        TestKindFilter filter = new TestKindFilter();
        assertEquals(true, filter.apply(classDescriptor(UnitTestsFirstTest.class)).included());
        assertEquals(false, filter.apply(classDescriptor(Class.forName("upshift.status.StatusCommandTest"))).included());
        TestDescriptor method = methodDescriptor(Class.forName("upshift.e2e.HelpThroughJbangTest"));
        assertEquals(false, filter.apply(method).included(), "a method is judged by its class");
    }

    @Test
    void theIntegrationRunKeepsTheOthers() throws Exception {
        System.setProperty(TestKindFilter.PROPERTY, "integration");
        TestKindFilter filter = new TestKindFilter();
        assertEquals(false, filter.apply(classDescriptor(UnitTestsFirstTest.class)).included());
        assertEquals(true, filter.apply(classDescriptor(Class.forName("upshift.status.StatusCommandTest"))).included());
        assertEquals(true, filter.apply(new Plain(UniqueId.forEngine("junit-jupiter"), null)).included(),
                "the engine itself is never filtered out");
    }

    @Test
    void withoutThePropertyEverythingRuns() throws Exception {
        System.clearProperty(TestKindFilter.PROPERTY);
        TestKindFilter filter = new TestKindFilter();
        assertEquals(true, filter.apply(classDescriptor(UnitTestsFirstTest.class)).included());
        assertEquals(true, filter.apply(classDescriptor(Class.forName("upshift.status.StatusCommandTest"))).included());
    }

    @Test
    void aMistypedKindIsAnError() {
        System.setProperty(TestKindFilter.PROPERTY, "units");
        assertThrows(IllegalArgumentException.class,
                () -> new TestKindFilter().apply(classDescriptor(UnitTestsFirstTest.class)));
    }

    @Test
    void theLauncherFindsItAsAService() {
        assertEquals(true, ServiceLoader.load(PostDiscoveryFilter.class).stream()
                .anyMatch(p -> p.type() == TestKindFilter.class), "META-INF/services registration");
    }

    private static TestDescriptor classDescriptor(Class<?> type) {
        return new Plain(UniqueId.forEngine("junit-jupiter").append("class", type.getName()), ClassSource.from(type));
    }

    private static TestDescriptor methodDescriptor(Class<?> type) {
        TestDescriptor parent = classDescriptor(type);
        TestDescriptor method = new Plain(parent.getUniqueId().append("method", "m()"),
                MethodSource.from(type.getName(), "m"));
        parent.addChild(method);
        return method;
    }

    private static final class Plain extends AbstractTestDescriptor {
        Plain(UniqueId id, org.junit.platform.engine.TestSource source) {
            super(id, id.toString(), source);
        }

        @Override
        public Type getType() {
            return Type.CONTAINER_AND_TEST;
        }
    }
}
