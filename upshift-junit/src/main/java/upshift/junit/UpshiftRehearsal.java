package upshift.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Rehearses the upgrade of your schema once for the annotated test class, before its first test: two throw-away
 * servers of versions {@link #origin()} and {@link #destination()}, {@link #schema()} on origin filled with generated
 * data, the new model ({@link #newSchema()} or {@link #newModelCommand()}) on destination, a workload writing at
 * {@link #rate()} while the whole runbook runs (the same engine as {@code rehearse --schema}). The tests then get
 * a {@link Rehearsed} parameter: both servers, still running, and the rehearsal's report, for checks of their own.
 *
 * <pre>{@code
 * @UpshiftRehearsal(origin = 13, destination = 16, schema = "db/old.sql", newSchema = "db/new.sql", rows = "5000")
 * class UpgradeTest {
 *     @Test
 *     void lostNoWrite(Rehearsed rehearsal) {
 *         assertEquals(0, rehearsal.report().lostWrites());
 *     }
 * }
 * }</pre>
 *
 * <p>Servers come from the provider {@code -Dupshift.providers} names ({@code embedded} or {@code testcontainers};
 * {@code auto}, the default: Testcontainers when a Docker engine answers, embedded binaries otherwise), or
 * {@link #provider()}. Files are classpath resources first, then paths relative to the working directory.
 * {@link UpshiftRehearsalExtension#builder()} gives the same with {@code @RegisterExtension}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(UpshiftRehearsalExtension.class)
public @interface UpshiftRehearsal {

    /** The origin's major version (13 to 18). */
    int origin() default 13;

    /** The destination's major version, newer than the origin's. */
    int destination() default 16;

    /** The old model: a plain SQL file (pg_dump --schema-only works), a classpath resource or a path. */
    String schema();

    /** The new model on destination ("" : the old model, or {@link #newModelCommand()}'s result). */
    String newSchema() default "";

    /**
     * Your application's migration command (e.g. {@code python manage.py migrate}), run against a reference database
     * made from {@link #schema()} with DATABASE_URL and PG* set; its dumped schema is the new model ("": none).
     */
    String newModelCommand() default "";

    /** Where {@link #newModelCommand()} runs ("": the working directory). */
    String newModelDir() default "";

    /** Rows to generate: a total and/or per-table counts, as {@code rehearse --rows} ("5000,loan=3000"). */
    String rows() default "10000";

    /** The workload's writes per second during the runbook. */
    int rate() default 20;

    /** The generator's and the workload's seed: the same seed, the same data. */
    long seed() default 1;

    /** Switchover's and switchback's freeze: hard, soft or none. */
    String freeze() default "hard";

    /** Rehearse the way back as well (switchback after the rollback direction carried writes). */
    boolean switchback() default true;

    /** add-missing-columns --default values, TABLE.COLUMN=SQL, for columns the new model dropped. */
    String[] defaults() default {};

    /** embedded, testcontainers or auto ("": the system property upshift.providers, else auto). */
    String provider() default "";

    /** Also write the report as JUnit XML there (one test case per step, for CI), "": not. */
    String junitReport() default "";

    /**
     * Whether a rehearsal that lost a write or found a difference fails every test of the class (the default).
     * false hands such a report to the tests, to look at what went wrong.
     */
    boolean requirePass() default true;
}
