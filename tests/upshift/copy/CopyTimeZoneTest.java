package upshift.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.testing.Run;
import upshift.testing.Wait;

/**
 * A column whose type changes from timestamp to timestamptz is read by the apply worker in the destination's own
 * TimeZone (here set on its database, Pacific/Chatham, +13:45), not in the zone of upshift's JVM, which pgjdbc sends
 * as a startup parameter. The snapshot copy's sessions take the servers' zones too, so a copied row and a streamed
 * row of the same timestamp hold the same instant.
 */
class CopyTimeZoneTest {

    private static final String ZONE = "Pacific/Chatham";

    @ParameterizedTest(name = "timestamp to timestamptz: copied as the apply worker reads it, 13 -> 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void copiedAndStreamedRowsHoldTheSameInstant(PgProvider provider) throws Exception {
        ShopFixture f = ShopFixture.create(provider, 13, 16, "copy_zone", 5);
        f.onOrigin("CREATE TABLE moments (id int PRIMARY KEY, at timestamp NOT NULL);"
                + " INSERT INTO moments VALUES (1, '2026-01-01 10:00:00')");
        f.onDestination("CREATE TABLE moments (id int PRIMARY KEY, at timestamptz NOT NULL);"
                + " DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET TimeZone = %L', current_database(), '"
                + ZONE + "'); END $$");
        ok(f.addMissingColumns());
        ok(f.run("CreatePublication"));
        ok(f.run("CreateSubscription", "--origin-conninfo", f.originConninfo()));
        ok(f.run("EnableSubscription"));
        assertEquals(1, f.destinationLong("SELECT count(*) FROM moments"), "enable-subscription copied the row");
        f.onOrigin("INSERT INTO moments VALUES (2, '2026-01-01 10:00:00')");
        Wait.until(Duration.ofSeconds(60), "the streamed row on destination",
                () -> f.destinationLong("SELECT count(*) FROM moments") == 2);
        assertEquals(2, f.destinationLong("SELECT count(*) FROM moments WHERE at = timestamptz"
                + " '2026-01-01 10:00:00 " + ZONE + "'"), "both rows read in the destination's zone");
    }

    private static void ok(Run run) {
        assertEquals(ExitCode.OK, run.exitCode(), run.stdout() + run.stderr());
    }
}
