package upshift.rehearse;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import upshift.generate.DataGenerator;
import upshift.generate.TableWorkload;
import upshift.report.Output;
import upshift.report.Table;

/** What a rehearsal did, step by step, with the numbers an operator plans the real migration with. */
public final class Timeline {

    /** One runbook step: its command line, how long it took and its exit code. */
    public record Step(String step, double seconds, int exitCode, String note) {
    }

    /** Replication lag seen from origin at a moment of the rehearsal. */
    public record LagSample(double atSeconds, @com.fasterxml.jackson.annotation.JsonProperty("lagBytes") long bytes) {
    }

    /** The whole rehearsal, for --json. */
    /**
     * @param switchbackFreezeWindowSeconds the freeze window of the switchback (null when not rehearsed)
     * @param lostWrites                    acknowledged workload orders missing on origin after the round trip
     *                                      (null when not counted)
     */
    /**
     * @param data    with --schema: what the generator loaded into each table and what it could not satisfy
     * @param writes  with --schema: each table's acknowledged workload writes and how many the final server lacks
     * @param failure why the rehearsal stopped before its end, or null
     */
    public record Summary(int fromMajor, int toMajor, long rows, List<Step> steps, List<LagSample> lag,
            Double initialSyncRowsPerSecond, Double freezeWindowSeconds, Double switchbackFreezeWindowSeconds,
            Boolean verified, long workloadWrites, long workloadRejected, Long lostWrites, double totalSeconds,
            List<DataGenerator.TableResult> data, List<TableWorkload.TableAccount> writes, String failure) {

        /** Whether it passed: no failure, verified (or not needed), no write lost. */
        public boolean passed() {
            return failure == null && !Boolean.FALSE.equals(verified) && (lostWrites == null || lostWrites == 0);
        }
    }

    private final long started = System.nanoTime();
    private final List<Step> steps = new ArrayList<>();

    public synchronized void add(String step, double seconds, int exitCode, String note) {
        steps.add(new Step(step, seconds, exitCode, note));
    }

    public synchronized List<Step> steps() {
        return List.copyOf(steps);
    }

    /** Seconds since the rehearsal started. */
    public double elapsed() {
        return (System.nanoTime() - started) / 1e9;
    }

    public static void print(Output out, Summary s) {
        if (out.json()) {
            out.json(s);
            return;
        }
        out.blank();
        out.heading(String.format(Locale.ROOT, "rehearsal %d -> %d, %,d rows", s.fromMajor(), s.toMajor(), s.rows()));
        Table table = Table.of("step", "seconds", "exit", "note");
        s.steps().forEach(step -> table.row(step.step(), String.format(Locale.ROOT, "%.2f", step.seconds()),
                step.exitCode(), step.note()));
        out.table(table);
        out.blank();
        if (s.initialSyncRowsPerSecond() != null) {
            out.line(String.format(Locale.ROOT, "initial sync:   %,.0f rows/s", s.initialSyncRowsPerSecond()));
        }
        if (!s.lag().isEmpty()) {
            StringBuilder lag = new StringBuilder();
            long max = 0;
            for (LagSample sample : s.lag()) {
                max = Math.max(max, sample.bytes());
            }
            lag.append(String.format(Locale.ROOT, "slot lag:       max %,d bytes over %d samples; ", max,
                    s.lag().size()));
            int every = Math.max(1, s.lag().size() / 12);
            for (int i = 0; i < s.lag().size(); i += every) {
                LagSample sample = s.lag().get(i);
                lag.append(String.format(Locale.ROOT, "%.0fs:%s ", sample.atSeconds(), pretty(sample.bytes())));
            }
            out.line(lag.toString().strip());
        }
        if (s.freezeWindowSeconds() != null) {
            out.line(String.format(Locale.ROOT, "freeze window:  %.2f s (writes refused on origin, destination not"
                    + " yet open)", s.freezeWindowSeconds()));
        }
        if (s.switchbackFreezeWindowSeconds() != null) {
            out.line(String.format(Locale.ROOT, "switchback:     %.2f s freeze window (writes refused on destination,"
                    + " origin not yet open)", s.switchbackFreezeWindowSeconds()));
        }
        if (s.data() != null && !s.data().isEmpty()) {
            printTables(out, s);
        }
        out.line(String.format(Locale.ROOT, "workload:       %,d writes acknowledged, %,d refused while frozen",
                s.workloadWrites(), s.workloadRejected()));
        if (s.lostWrites() != null) {
            out.line(String.format(Locale.ROOT, s.writes() != null
                    ? "lost writes:    %,d (acknowledged writes missing on the final server)"
                    : "lost writes:    %,d (acknowledged orders missing on origin after the round trip)",
                    s.lostWrites()));
        }
        out.line("verification:   " + (s.verified() == null ? "not reached"
                : s.verified() ? "origin and destination equal (row checksums)" : "DIFFERENCES FOUND"));
        if (s.failure() != null) {
            out.line("stopped:        " + s.failure());
        }
        out.line(String.format(Locale.ROOT, "total:          %.1f s", s.totalSeconds()));
    }

    /** Per table: rows generated, the workload's writes, writes lost; then what the generator could not satisfy. */
    private static void printTables(Output out, Summary s) {
        java.util.Map<upshift.sql.QualifiedName, TableWorkload.TableAccount> writes = new java.util.HashMap<>();
        if (s.writes() != null) {
            s.writes().forEach(w -> writes.put(w.table(), w));
        }
        Table table = Table.of("table", "rows", "skipped", "inserted", "updated", "deleted", "refused", "lost");
        for (DataGenerator.TableResult t : s.data()) {
            TableWorkload.TableAccount w = writes.get(t.table());
            table.row(t.table().toString(), String.format(Locale.ROOT, "%,d", t.inserted()),
                    String.format(Locale.ROOT, "%,d", t.skipped()), w == null ? "-" : w.inserted(),
                    w == null ? "-" : w.updated(), w == null ? "-" : w.deleted(), w == null ? "-" : w.rejected(),
                    w == null ? "-" : w.lost());
        }
        out.blank();
        out.table(table);
        List<DataGenerator.TableResult> unsatisfied = s.data().stream().filter(t -> !t.problems().isEmpty())
                .toList();
        if (!unsatisfied.isEmpty()) {
            out.line("the generator could not satisfy:");
            unsatisfied.forEach(t -> t.problems().forEach(p -> out.line("  " + t.table() + ": " + p)));
        }
        List<TableWorkload.TableAccount> lost = s.writes() == null ? List.of()
                : s.writes().stream().filter(w -> w.lost() > 0).toList();
        if (!lost.isEmpty()) {
            out.line("acknowledged writes the final server lacks:");
            lost.forEach(w -> out.line("  LOST in " + w.table() + ": " + w.lost() + ", e.g. "
                    + String.join("; ", w.lostExamples())));
        }
        out.blank();
    }

    private static String pretty(long bytes) {
        if (bytes < 1024) {
            return bytes + "B";
        }
        if (bytes < 1024 * 1024) {
            return (bytes / 1024) + "kB";
        }
        return (bytes / (1024 * 1024)) + "MB";
    }
}
