package upshift.copy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

import upshift.report.Units;
import upshift.sql.QualifiedName;

/**
 * How far the snapshot copy is, overall and per table: the share done, the elapsed time, the rate and an ETA. The
 * share counts finished chunks by their estimated size (pg_class.relpages), because a chunk's size is known only
 * once it is copied; the rate counts the bytes streamed so far. The ETA is the time left at the pace so far.
 * Thread-safe: every worker reports here.
 */
final class CopyProgress {

    private final LongSupplier nanos;
    private final long started;
    private final Map<QualifiedName, Table> tables = new LinkedHashMap<>();
    private long totalEstimate;
    private long doneEstimate;
    private long doneBefore; // by an earlier run: not part of this run's pace
    private long streamed;

    /** Per table: its chunks, what of it is done, and when its first chunk started. */
    private static final class Table {
        long estimate;
        int chunks;
        int chunksDone;
        long doneEstimate;
        long doneBefore;
        long streamed;
        long rows;
        long started = -1;
        long finished = -1;
    }

    /** Chunks whose key is in {@code alreadyDone} were copied by an earlier run under the same snapshot. */
    CopyProgress(List<TableChunk> chunks, Set<String> alreadyDone, LongSupplier nanos) {
        this.nanos = nanos;
        this.started = nanos.getAsLong();
        for (TableChunk c : chunks) {
            Table t = tables.computeIfAbsent(c.table(), k -> new Table());
            t.estimate += c.estimatedBytes();
            t.chunks++;
            totalEstimate += c.estimatedBytes();
            if (alreadyDone.contains(c.key())) {
                t.chunksDone++;
                t.doneEstimate += c.estimatedBytes();
                t.doneBefore += c.estimatedBytes();
                doneEstimate += c.estimatedBytes();
                doneBefore += c.estimatedBytes();
            }
        }
    }

    synchronized void chunkStarted(TableChunk chunk) {
        Table t = tables.get(chunk.table());
        if (t.started < 0) {
            t.started = nanos.getAsLong();
        }
    }

    synchronized void streamed(TableChunk chunk, long bytes) {
        tables.get(chunk.table()).streamed += bytes;
        streamed += bytes;
    }

    /** A chunk committed; returns the line that says its table is copied, or null while chunks of it remain. */
    synchronized String chunkDone(TableChunk chunk, long rows) {
        Table t = tables.get(chunk.table());
        t.chunksDone++;
        t.doneEstimate += chunk.estimatedBytes();
        t.rows += rows;
        doneEstimate += chunk.estimatedBytes();
        if (t.chunksDone < t.chunks) {
            return null;
        }
        t.finished = nanos.getAsLong();
        double seconds = seconds(t.started < 0 ? t.finished : t.started, t.finished);
        return String.format(Locale.ROOT, "%s copied: %,d rows, %s in %s at %s/s", chunk.table(), t.rows,
                Units.pretty(t.streamed), pretty(seconds), Units.pretty((long) (t.streamed / seconds)));
    }

    /** The overall line, e.g. "copied 42% of 1.9 GB in 1m20s, 812 MB streamed at 10.2 MB/s, ETA 1m50s". */
    synchronized String overall() {
        long now = nanos.getAsLong();
        double seconds = seconds(started, now);
        return String.format(Locale.ROOT, "copied %d%% of %s in %s, %s streamed at %s/s, ETA %s",
                percent(doneEstimate, totalEstimate), Units.pretty(totalEstimate), pretty(seconds),
                Units.pretty(streamed), Units.pretty((long) (streamed / seconds)),
                eta(doneEstimate, doneBefore, totalEstimate, seconds));
    }

    /** One line per table being copied now, e.g. "  public.events: 3/8 chunks, 37% of 1.2 GB, 9.1 MB/s, ETA 1m10s". */
    synchronized List<String> inProgress() {
        long now = nanos.getAsLong();
        List<String> lines = new ArrayList<>();
        tables.forEach((name, t) -> {
            if (t.started < 0 || t.finished >= 0) {
                return;
            }
            double seconds = seconds(t.started, now);
            lines.add(String.format(Locale.ROOT, "  %s: %d/%d chunks, %d%% of %s, %s/s, ETA %s", name, t.chunksDone,
                    t.chunks, percent(t.doneEstimate, t.estimate), Units.pretty(t.estimate),
                    Units.pretty((long) (t.streamed / seconds)), eta(t.doneEstimate, t.doneBefore, t.estimate, seconds)));
        });
        return lines;
    }

    private static int percent(long done, long total) {
        return total <= 0 ? 100 : (int) Math.min(100, 100 * done / total);
    }

    /** The time left at this run's pace so far; "unknown" until this run finished something. */
    private static String eta(long done, long doneBefore, long total, double seconds) {
        if (done >= total) {
            return "0 s";
        }
        if (done <= doneBefore) {
            return "unknown";
        }
        return pretty(seconds * (total - done) / (done - doneBefore));
    }

    private double seconds(long from, long to) {
        return Math.max(0.001, (to - from) / 1e9);
    }

    private static String pretty(double seconds) {
        return Units.pretty(Duration.ofMillis((long) (seconds * 1000)));
    }
}
