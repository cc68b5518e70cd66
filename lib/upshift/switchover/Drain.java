package upshift.switchover;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.Consumer;

import upshift.UpshiftException;

/**
 * Waits until the destination has applied everything origin wrote before the freeze. A transactional logical
 * message marks the end of origin's WAL (it commits, so even a v13 publisher sends the subscriber a COMMIT at that
 * position, and the subscriber confirms it); the slot's confirmed_flush_lsn reaching it means every earlier change is
 * applied and flushed on destination.
 *
 * <p>What it waits for, and why it nudges. The apply worker commits asynchronously (a subscription's
 * synchronous_commit is off by default) and reports a position as flushed only once its local WAL is flushed; it
 * sends that report when a message arrives, and otherwise sleeps up to a second. Left alone, the last writes before
 * the freeze are applied at once but confirmed only after the WAL writer's next flush and the worker's next wake-up:
 * most of a second of the freeze spent waiting on nothing. So between polls the drain
 * <ol>
 * <li>flushes the subscriber's WAL: a transaction of its own with an xid that commits synchronously, which flushes
 * every WAL record before its commit, the apply worker's commits included; and</li>
 * <li>nudges the publisher: one more transactional message, which wakes the walsender; it sends the worker the (empty)
 * transaction, or on 15 and later a keepalive, and the worker answers with its flush position.</li>
 * </ol>
 * Neither writes a row. The nudges land in the drained slot after the marker; they hold no data change, so the
 * leak check ({@link #pendingChanges}) does not count them. Every polling statement carries {@link #POLL_TAG}.
 */
public final class Drain {

    private static final String MARK = """
            SELECT pg_catalog.pg_logical_emit_message(true, 'upshift', 'switchover: writes frozen')::text
            """;

    /** In every statement the drain repeats while it waits (polls, flushes, nudges): their number is timing. */
    public static final String POLL_TAG = "/* upshift: drain poll */";

    private static final String REMAINING = POLL_TAG + """
             SELECT pg_catalog.pg_wal_lsn_diff(?::pg_lsn, confirmed_flush_lsn)::bigint
              FROM pg_catalog.pg_replication_slots
             WHERE slot_name = ?
            """;

    /** A transaction with an xid that commits synchronously: the server's WAL is flushed up to its commit. */
    private static final String FLUSH = POLL_TAG + """
             SELECT pg_catalog.set_config('synchronous_commit', 'on', true), pg_catalog.txid_current()
            """;

    /** One more commit on the publisher: its walsender wakes and the subscriber answers with its position. */
    private static final String NUDGE = POLL_TAG + """
             SELECT pg_catalog.pg_logical_emit_message(true, 'upshift', 'drain: report your position')
            """;

    private static final String SLOT_ACTIVE = POLL_TAG + """
             SELECT active FROM pg_catalog.pg_replication_slots WHERE slot_name = ?
            """;

    /** Between polls: short, since each poll also flushes the subscriber and nudges the publisher. */
    private static final Duration POLL = Duration.ofMillis(5);

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
        long pause = 2;
        while (true) {
            try (PreparedStatement st = publisher.prepareStatement(SLOT_ACTIVE)) {
                st.setString(1, slot);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next() || !rs.getBoolean(1)) {
                        return true; // gone (the caller's next read says so) or released
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Pause.millis(pause);
            pause = Math.min(pause * 2, 50); // the walsender exits within milliseconds of its worker
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
     * Polls until at most {@code maxLag} bytes remain; exit 3 (check failed) after the timeout. Between polls it
     * flushes the subscriber's WAL and nudges the publisher (see the class comment).
     *
     * @param subscriber the session on the subscriber's server, flushed between polls
     * @return the bytes that remained when it returned
     */
    public static long waitFor(Connection origin, Connection subscriber, String slot, String targetLsn, long maxLag,
            Duration timeout, Consumer<String> progress) throws SQLException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long lastReported = -1;
        long nextReport = 0;
        while (true) {
            long left = remaining(origin, slot, targetLsn);
            if (left <= maxLag) {
                return Math.max(left, 0);
            }
            long now = System.nanoTime();
            if (now > deadline) {
                throw UpshiftException.checkFailed("the destination did not apply origin's last writes within "
                        + timeout.toSeconds() + " s (" + left + " bytes behind " + targetLsn + ")",
                        "check monitor for apply errors; re-run to keep waiting, or --abort");
            }
            if (left != lastReported && now >= nextReport) {
                progress.accept("  draining: " + left + " bytes to apply");
                lastReported = left;
                nextReport = now + Duration.ofSeconds(1).toNanos(); // polls are frequent: report once a second
            }
            run(subscriber, FLUSH);
            run(origin, NUDGE);
            Pause.millis(POLL.toMillis());
        }
    }

    private static void run(Connection c, String sql) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            rs.next();
        }
    }
}
