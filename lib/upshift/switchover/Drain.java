package upshift.switchover;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import upshift.UpshiftException;
import upshift.migration.ReplicationSlot;

/**
 * Waits until the destination has applied everything origin wrote before the freeze. A transactional logical
 * message marks the end of origin's WAL (it commits, so even a v13 publisher sends the subscriber a COMMIT at that
 * position, and the subscriber confirms it); the slot's confirmed_flush_lsn reaching it means every earlier change is
 * applied and flushed on destination.
 */
public final class Drain {

    private static final String MARK = """
            SELECT pg_catalog.pg_logical_emit_message(true, 'upshift', 'switchover: writes frozen')::text
            """;

    private static final String REMAINING = """
            SELECT pg_catalog.pg_wal_lsn_diff(?::pg_lsn, confirmed_flush_lsn)::bigint
              FROM pg_catalog.pg_replication_slots
             WHERE slot_name = ?
            """;

    private static final Duration POLL = Duration.ofMillis(100);

    /**
     * The data changes (INSERT, UPDATE, DELETE, TRUNCATE messages of pgoutput) that the slot holds past what its
     * subscriber confirmed: peeked, not consumed. After a drain to the freeze marker there must be none; one means a
     * write reached the frozen server's published tables after the freeze.
     */
    private static final String PENDING_CHANGES = """
            SELECT count(*) FILTER (WHERE pg_catalog.get_byte(data, 0) IN (73, 85, 68, 84))
              FROM pg_catalog.pg_logical_slot_peek_binary_changes(?, NULL, NULL,
                   'proto_version', '1', 'publication_names', ?)
            """;

    private Drain() {
    }

    /** Writes the marker on origin and returns its LSN: the position the destination must reach. */
    public static String mark(Connection origin) throws SQLException {
        try (PreparedStatement st = origin.prepareStatement(MARK); ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Waits until no walsender holds the slot (its subscription was disabled); false after the timeout. */
    public static boolean waitUntilInactive(Connection publisher, String slot, Duration timeout) throws SQLException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (ReplicationSlot.named(publisher, List.of(slot)).stream().noneMatch(ReplicationSlot::active)) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Pause.millis(POLL.toMillis());
        }
    }

    /** How many published data changes the (inactive) slot holds that its subscriber has not confirmed. */
    public static long pendingChanges(Connection publisher, String slot, String publication) throws SQLException {
        try (PreparedStatement st = publisher.prepareStatement(PENDING_CHANGES)) {
            st.setString(1, slot);
            st.setString(2, publication);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Bytes of WAL up to the target the slot has not confirmed yet (≤ 0 when drained). */
    public static long remaining(Connection origin, String slot, String targetLsn) throws SQLException {
        try (PreparedStatement st = origin.prepareStatement(REMAINING)) {
            st.setString(1, targetLsn);
            st.setString(2, slot);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    throw new UpshiftException("replication slot " + slot + " does not exist on origin",
                            "the drained subscription's slot is gone: check status");
                }
                long bytes = rs.getLong(1);
                return rs.wasNull() ? Long.MAX_VALUE : bytes;
            }
        }
    }

    /**
     * Polls until at most {@code maxLag} bytes remain; exit 3 (check failed) after the timeout.
     *
     * @return the bytes that remained when it returned
     */
    public static long waitFor(Connection origin, String slot, String targetLsn, long maxLag, Duration timeout,
            Consumer<String> progress) throws SQLException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long lastReported = -1;
        while (true) {
            long left = remaining(origin, slot, targetLsn);
            if (left <= maxLag) {
                return Math.max(left, 0);
            }
            if (System.nanoTime() > deadline) {
                throw UpshiftException.checkFailed("the destination did not apply origin's last writes within "
                        + timeout.toSeconds() + " s (" + left + " bytes behind " + targetLsn + ")",
                        "check monitor for apply errors; re-run to keep waiting, or --abort");
            }
            if (left != lastReported) {
                progress.accept("  draining: " + left + " bytes to apply");
                lastReported = left;
            }
            Pause.millis(POLL.toMillis());
        }
    }
}
