package upshift.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import upshift.sql.QualifiedName;

/** The snapshot copy's progress: share, elapsed time, rate and ETA, overall and per table, on a clock we move. */
class CopyProgressTest {

    private static final long MB = 1 << 20;
    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong clock = new AtomicLong(0);
    private final QualifiedName events = new QualifiedName("public", "events");
    private final QualifiedName users = new QualifiedName("public", "users");
    private final List<TableChunk> chunks = List.of(chunk(events, 0, 4, 100 * MB), chunk(events, 1, 4, 100 * MB),
            chunk(events, 2, 4, 100 * MB), chunk(events, 3, 4, 100 * MB), chunk(users, 0, 1, 100 * MB));

    @Test
    void overallAndPerTableRateElapsedAndEta() {
        CopyProgress p = new CopyProgress(chunks, Set.of(), clock::get);
        assertEquals("copied 0% of 500.0 MB in 0.0 s, 0 bytes streamed at 0 bytes/s, ETA unknown", p.overall());

        p.chunkStarted(chunks.get(0));
        p.chunkStarted(chunks.get(4));
        clock.set(10 * SECOND);
        p.streamed(chunks.get(0), 100 * MB);
        p.streamed(chunks.get(4), 100 * MB);
        assertNull(p.chunkDone(chunks.get(0), 1000), "three chunks of events remain");
        assertEquals("public.users copied: 500 rows, 100.0 MB in 10 s at 10.0 MB/s", p.chunkDone(chunks.get(4), 500));
        // 200 MB of 500 in 10 s: 20 MB/s, 15 s to go at that pace
        assertEquals("copied 40% of 500.0 MB in 10 s, 200.0 MB streamed at 20.0 MB/s, ETA 15 s", p.overall());
        assertEquals(List.of("  public.events: 1/4 chunks, 25% of 400.0 MB, 10.0 MB/s, ETA 30 s"), p.inProgress());

        p.chunkStarted(chunks.get(1));
        clock.set(70 * SECOND);
        p.streamed(chunks.get(1), 300 * MB);
        p.chunkDone(chunks.get(1), 1000);
        p.chunkDone(chunks.get(2), 1000);
        assertEquals("public.events copied: 4,000 rows, 400.0 MB in 1m10s at 5.7 MB/s", p.chunkDone(chunks.get(3), 1000));
        assertEquals("copied 100% of 500.0 MB in 1m10s, 500.0 MB streamed at 7.1 MB/s, ETA 0 s", p.overall());
        assertEquals(List.of(), p.inProgress(), "nothing in progress");
    }

    @Test
    void chunksOfAnEarlierRunCountAsDone() {
        CopyProgress p = new CopyProgress(chunks, Set.of(chunks.get(0).key(), chunks.get(1).key()), clock::get);
        assertEquals("copied 40% of 500.0 MB in 0.0 s, 0 bytes streamed at 0 bytes/s, ETA unknown", p.overall(),
                "the earlier run's chunks are done, but they say nothing of this run's pace");
        p.chunkStarted(chunks.get(2));
        clock.set(20 * SECOND);
        p.streamed(chunks.get(2), 100 * MB);
        p.chunkDone(chunks.get(2), 1000);
        // this run: 100 MB in 20 s; 200 MB left
        assertEquals("copied 60% of 500.0 MB in 20 s, 100.0 MB streamed at 5.0 MB/s, ETA 40 s", p.overall());
        assertEquals(List.of("  public.events: 3/4 chunks, 75% of 400.0 MB, 5.0 MB/s, ETA 20 s"), p.inProgress());
    }

    private static TableChunk chunk(QualifiedName table, int index, int of, long bytes) {
        return new TableChunk(table, table, index, of, of > 1 ? "id % " + of + " = " + index : null, bytes, null);
    }
}
