package upshift.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CapabilitiesTest {

    /** The floors from the PostgreSQL release notes, one row per feature. */
    private static final Map<Feature, Integer> FLOORS = Map.ofEntries(
            Map.entry(Feature.SUBSCRIPTION_BINARY, 14),
            Map.entry(Feature.SUBSCRIPTION_STREAMING, 14),
            Map.entry(Feature.SUBSCRIPTION_STREAMING_PARALLEL, 16),
            Map.entry(Feature.SUBSCRIPTION_TWO_PHASE, 15),
            Map.entry(Feature.SUBSCRIPTION_DISABLE_ON_ERROR, 15),
            Map.entry(Feature.SUBSCRIPTION_ORIGIN, 16),
            Map.entry(Feature.SUBSCRIPTION_RUN_AS_OWNER, 16),
            Map.entry(Feature.SUBSCRIPTION_PASSWORD_REQUIRED, 16),
            Map.entry(Feature.SUBSCRIPTION_FAILOVER, 17),
            Map.entry(Feature.PUBLICATION_COLUMN_LISTS, 15),
            Map.entry(Feature.PUBLICATION_ROW_FILTERS, 15),
            Map.entry(Feature.PROGRESS_COPY_VIEW, 14),
            Map.entry(Feature.SYNC_STATE_FINISHED_COPY, 14),
            Map.entry(Feature.SUBSCRIPTION_STATS_VIEW, 15),
            Map.entry(Feature.PG_CREATE_SUBSCRIPTION_ROLE, 16),
            Map.entry(Feature.SUBSCRIPTION_WORKER_LEADER_PID, 16),
            Map.entry(Feature.SEQUENCE_REPLICATION, 19),
            Map.entry(Feature.SEQUENCE_DATA_FUNCTION, 18),
            Map.entry(Feature.SETTING_TRANSACTION_TIMEOUT, 17),
            Map.entry(Feature.MAINTAIN_PRIVILEGE, 17));

    @ParameterizedTest(name = "PostgreSQL {0}")
    @CsvSource({"13", "14", "15", "16", "17", "18", "19"})
    void everyVersionHasExactlyTheFeaturesAtOrBelowItsMajor(int major) {
        Capabilities caps = Capabilities.of(major, Flavour.COMMUNITY);
        FLOORS.forEach((feature, floor) ->
                assertEquals(major >= floor, caps.has(feature), feature + " on " + major));
    }

    @Test
    void thirteenAcceptsNoneOfTheStorysSubscriptionOptions() {
        Capabilities v13 = Capabilities.of(13, Flavour.AURORA);
        assertFalse(v13.has(Feature.SUBSCRIPTION_STREAMING));
        assertFalse(v13.has(Feature.SUBSCRIPTION_DISABLE_ON_ERROR));
        assertFalse(v13.has(Feature.SUBSCRIPTION_RUN_AS_OWNER));
        Capabilities v16 = Capabilities.of(16, Flavour.AURORA);
        assertTrue(v16.has(Feature.SUBSCRIPTION_STREAMING));
        assertTrue(v16.has(Feature.SUBSCRIPTION_DISABLE_ON_ERROR));
        assertTrue(v16.has(Feature.SUBSCRIPTION_RUN_AS_OWNER));
    }

    @Test
    void flavourDecidesManagedServiceFeatures() {
        Capabilities community = Capabilities.of(16, Flavour.COMMUNITY);
        Capabilities rds = Capabilities.of(16, Flavour.RDS);
        Capabilities aurora = Capabilities.of(13, Flavour.AURORA);
        assertEquals("wal_level", community.logicalReplicationSetting());
        assertEquals("rds.logical_replication", rds.logicalReplicationSetting());
        assertFalse(community.has(Feature.AURORA_LOGICAL_START_LSN));
        assertFalse(rds.has(Feature.AURORA_LOGICAL_START_LSN));
        assertTrue(aurora.has(Feature.AURORA_LOGICAL_START_LSN));
        assertTrue(rds.has(Feature.RDS_SUPERUSER_ROLE));
        assertFalse(community.has(Feature.RDS_SUPERUSER_ROLE));
    }

    @Test
    void subscriptionStatsColumnWasRenamedIn19() {
        assertNull(Capabilities.of(14, Flavour.COMMUNITY).tableSyncErrorCountColumn());
        assertEquals("sync_error_count", Capabilities.of(18, Flavour.COMMUNITY).tableSyncErrorCountColumn());
        assertEquals("sync_table_error_count", Capabilities.of(19, Flavour.COMMUNITY).tableSyncErrorCountColumn());
    }

    @Test
    void flavourDetection() {
        assertEquals(Flavour.AURORA, Flavour.detect(true, true));
        assertEquals(Flavour.RDS, Flavour.detect(false, true));
        assertEquals(Flavour.COMMUNITY, Flavour.detect(false, false));
    }

    @Test
    void versionsWithoutLogicalReplicationAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Capabilities.of(9, Flavour.COMMUNITY));
    }

    @Test
    void shortVersionDropsThePackagersSuffix() {
        assertEquals("16.4", ServerFacts.shortVersion("16.4 (Debian 16.4-1.pgdg120+1)"));
        assertEquals("13.23", ServerFacts.shortVersion("13.23"));
    }
}
