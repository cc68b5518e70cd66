package upshift.monitor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import upshift.migration.Direction;
import upshift.migration.SyncState;
import upshift.monitor.ReplicationSnapshot.CopyProgress;
import upshift.monitor.ReplicationSnapshot.SlotInfo;
import upshift.monitor.ReplicationSnapshot.SubscriptionInfo;
import upshift.monitor.ReplicationSnapshot.TableState;
import upshift.report.Output;
import upshift.report.Table;
import upshift.report.Units;

/** Prints {@link ReplicationSnapshot}s for a person: a full screen, or one line per poll. */
public final class MonitorView {

    /** Not-ready tables listed by name; the rest are counted. */
    static final int MAX_LISTED_TABLES = 20;
    private static final int BAR_WIDTH = 30;
    private static final String CLEAR_SCREEN = "\033[H\033[2J";

    private MonitorView() {
    }

    /** One poll of --watch: a JSON line, a redrawn screen on a terminal, or the full report after a blank line. */
    public static void poll(Output out, ReplicationSnapshot s, boolean terminal, int pollNumber) {
        if (out.json()) {
            out.jsonLine(s);
            return;
        }
        if (terminal) {
            out.line(CLEAR_SCREEN + "upshift monitor — poll " + pollNumber + " (Ctrl-C stops)");
        } else if (pollNumber > 1) {
            out.blank();
        }
        print(out, s, terminal);
    }

    /** The full report of one snapshot. {@code terminal}: progress bars instead of plain numbers. */
    public static void print(Output out, ReplicationSnapshot s, boolean terminal) {
        out.heading("replication " + ("forward".equals(s.direction()) ? Direction.FORWARD.description()
                : Direction.ROLLBACK.description()) + ", migration \"" + s.migration() + "\", at " + s.takenAt());

        SubscriptionInfo sub = s.subscription();
        if (sub == null) {
            out.line("subscription " + s.subscriptionName() + " on " + s.subscriber() + ": does not exist");
        } else {
            StringBuilder line = new StringBuilder("subscription " + sub.name() + " on " + s.subscriber() + ": "
                    + (sub.enabled() ? "enabled" : "DISABLED"));
            if (Boolean.TRUE.equals(sub.disableOnError())) {
                line.append(" (disable_on_error)");
            }
            line.append(sub.applyPid() != null ? ", apply worker pid " + sub.applyPid() : ", no apply worker");
            WorkerWatch.ApplyWorker w = s.applyWorker();
            if (w != null && w.restarts() > 0) {
                line.append(" (restarted ").append(w.restarts()).append(w.restarts() == 1 ? " time" : " times")
                        .append(" in ").append(w.polls()).append(" polls)");
            }
            if (!sub.syncWorkers().isEmpty()) {
                line.append(", table sync: ").append(String.join(", ", sub.syncWorkers().stream().map(Object::toString).toList()));
            }
            out.line(line.toString());
            out.line("tables: " + s.tables().size() + " — " + stateCounts(s.states()));
            List<TableState> pending = s.tables().stream().filter(t -> !t.state().equals("r")).toList();
            if (!pending.isEmpty()) {
                Table table = Table.of("table", "state");
                pending.stream().limit(MAX_LISTED_TABLES)
                        .forEach(t -> table.row(t.table(), t.state() + " " + t.stateName()));
                out.table(table);
                if (pending.size() > MAX_LISTED_TABLES) {
                    out.line("... and " + (pending.size() - MAX_LISTED_TABLES) + " more not ready (see --json)");
                }
            }
        }

        if (!s.copies().isEmpty()) {
            out.line("initial copy (pg_stat_progress_copy on " + s.subscriber() + ", size: pg_table_size on "
                    + s.publisher() + "):");
            for (CopyProgress c : s.copies()) {
                out.line("  " + copyLine(c, terminal));
            }
        } else if (!s.copyProgressAvailable() && sub != null && !s.ready()) {
            out.line("initial copy progress: needs PostgreSQL 14+ on " + s.subscriber());
        }

        SlotInfo slot = s.slot();
        if (slot == null) {
            out.line("slot " + s.slotName() + " on " + s.publisher() + ": does not exist");
        } else {
            out.line("slot " + slot.name() + " on " + s.publisher() + ": "
                    + (slot.active() ? "active (pid " + slot.activePid() + ")" : "INACTIVE")
                    + ", lag " + (slot.lagBytes() == null ? "unknown" : slot.lagPretty().endsWith("bytes")
                            ? slot.lagPretty() : slot.lagPretty() + " (" + slot.lagBytes() + " bytes)")
                    + ", confirmed_flush_lsn " + orDash(slot.confirmedFlushLsn())
                    + ", current " + orDash(slot.currentLsn())
                    + (slot.walStatus() == null ? "" : ", wal_status " + slot.walStatus()));
            if (slot.auroraLogicalStartLsn() != null) {
                out.line("aurora_volume_logical_start_lsn: " + slot.auroraLogicalStartLsn());
            }
        }

        if (sub != null) {
            out.line("apply: received " + orDash(sub.receivedLsn()) + ", latest end " + orDash(sub.latestEndLsn())
                    + " " + reported(sub.applyLagSeconds()) + ", last message " + ago(sub.secondsSinceMessage())
                    + pending(slot));
            if (sub.applyErrorCount() != null) {
                out.line("errors (pg_stat_subscription_stats): " + sub.applyErrorCount() + " apply, "
                        + sub.syncErrorCount() + " table sync");
            }
        }

        out.line("ready: " + (s.ready() ? "yes" : "no") + " (" + s.readyTables() + "/" + s.tables().size()
                + " tables), " + caughtUp(s));

        Diagnosis d = s.diagnosis();
        if (d != null) {
            out.blank();
            out.line((d.blocking() ? "PROBLEM: " : "WARNING: ") + d.headline());
            for (Diagnosis.Finding f : d.findings()) {
                out.line("  " + f.kind() + ": " + f.text());
            }
            if (d.serverLogError() != null) {
                out.line("  server log: " + d.serverLogError());
            }
        }
    }

    /** One line per poll: {@code 12:00:05 3/5 tables ready (...); copying ...; slot lag ...; apply lag ...}. */
    public static String summary(ReplicationSnapshot s) {
        List<String> parts = new ArrayList<>();
        String time = s.takenAt().length() >= 19 ? s.takenAt().substring(11, 19) : s.takenAt();
        if (s.subscription() == null) {
            parts.add("no subscription " + s.subscriptionName());
        } else {
            String others = stateCounts(withoutReady(s.states()));
            parts.add(s.readyTables() + "/" + s.tables().size() + " tables ready"
                    + (others.isEmpty() ? "" : " (" + others + ")"));
            if (!s.subscription().enabled()) {
                parts.add("subscription DISABLED");
            }
        }
        for (CopyProgress c : s.copies()) {
            parts.add("copying " + c.table() + " " + (c.percent() == null ? Units.pretty(c.bytesProcessed())
                    : String.format(Locale.ROOT, "~%.0f%%", c.percent())));
        }
        parts.add(s.slot() == null ? "no slot " + s.slotName()
                : "slot lag " + (s.slot().lagBytes() == null ? "unknown" : Units.pretty(s.slot().lagBytes())));
        if (s.subscription() != null && s.subscription().applyLagSeconds() != null) {
            parts.add("last report " + seconds(s.subscription().applyLagSeconds()) + " ago");
        }
        String line = time + " " + String.join("; ", parts);
        if (s.diagnosis() != null) {
            line += " — " + (s.diagnosis().blocking() ? "PROBLEM: " : "warning: ") + s.diagnosis().headline();
        }
        return line;
    }

    /**
     * "caught up: ..." in words that follow the numbers: the slot's real lag against --max-lag, and when it is
     * within the limit and still not caught up, what else is missing (one look never proves a live worker).
     */
    static String caughtUp(ReplicationSnapshot s) {
        SlotInfo slot = s.slot();
        String lag = slot == null || slot.lagBytes() == null ? null : "slot lag " + Units.pretty(slot.lagBytes())
                + (slot.lagBytes() <= s.maxLagBytes() ? " ≤ " : " > ") + "--max-lag "
                + Units.pretty(s.maxLagBytes());
        if (s.caughtUp()) {
            return "caught up: yes (" + lag + ")";
        }
        String why = s.notCaughtUp() == null ? "" : s.notCaughtUp();
        if (lag == null) {
            return "caught up: no: " + why;
        }
        if (why.startsWith("slot lag")) {
            return "caught up: no: " + lag;
        }
        if (slot.lagBytes() > s.maxLagBytes()) {
            return "caught up: no: " + why + "; " + lag;
        }
        return "caught up: no (" + lag + ", but " + why + ")";
    }

    /**
     * now() - latest_end_time is when the worker last reported a position to the publisher, not how far apply is
     * behind: an idle publisher sends keepalives only every wal_sender_timeout / 2, so it grows to ~30 s with
     * nothing to apply. Named for what it is.
     */
    private static String reported(Double seconds) {
        return seconds == null ? "(never reported)" : "(reported " + seconds(seconds) + " ago)";
    }

    /** What the slot has not confirmed yet: the real lag, in bytes; "nothing to apply" at 0. */
    private static String pending(SlotInfo slot) {
        if (slot == null || slot.lagBytes() == null) {
            return "";
        }
        return slot.lagBytes() == 0 ? ", nothing to apply (slot lag 0 bytes)"
                : ", " + Units.pretty(slot.lagBytes()) + " of WAL not yet confirmed (slot lag)";
    }

    private static java.time.Duration durationOf(double s) {
        return java.time.Duration.ofMillis(Math.round(s * 1000));
    }

    static String copyLine(CopyProgress c, boolean terminal) {
        String amounts = Units.pretty(c.bytesProcessed())
                + (c.publisherTableBytes() == null ? "" : " of ~" + Units.pretty(c.publisherTableBytes()))
                + ", " + c.tuplesProcessed() + " tuples"
                + (c.elapsedSeconds() == null ? "" : " in " + Units.pretty(durationOf(c.elapsedSeconds())))
                + (c.bytesPerSecond() == null ? "" : " at " + Units.pretty(Math.round(c.bytesPerSecond())) + "/s")
                + (c.etaSeconds() == null ? "" : ", ETA ~" + Units.pretty(durationOf(c.etaSeconds())));
        if (terminal && c.percent() != null) {
            int filled = (int) Math.round(c.percent() / 100.0 * BAR_WIDTH);
            return String.format(Locale.ROOT, "%s [%s%s] %5.1f%%  %s", c.table(), "#".repeat(filled),
                    "-".repeat(BAR_WIDTH - filled), c.percent(), amounts);
        }
        return c.table() + ": " + amounts
                + (c.percent() == null ? "" : String.format(Locale.ROOT, " (~%.1f%%)", c.percent()));
    }

    private static String stateCounts(Map<String, Integer> states) {
        List<String> parts = new ArrayList<>();
        states.forEach((state, n) -> parts.add(n + " " + state));
        return String.join(", ", parts);
    }

    private static Map<String, Integer> withoutReady(Map<String, Integer> states) {
        Map<String, Integer> copy = new java.util.LinkedHashMap<>(states);
        copy.remove(SyncState.READY.label());
        return copy;
    }

    private static String orDash(String s) {
        return s == null ? "-" : s;
    }

    private static String ago(Double seconds) {
        return seconds == null ? "never" : seconds(seconds) + " ago";
    }

    private static String seconds(Double seconds) {
        return seconds == null ? "-" : String.format(Locale.ROOT, "%.1f s", seconds);
    }
}
