package upshift.copy;

/**
 * How the forward subscription's tables get their first rows (create-subscription --initial-copy).
 *
 * <ul>
 * <li>{@link #SNAPSHOT}: upshift creates the slot with an exported snapshot and copies every table itself, in
 * parallel chunks, with indexes and constraints (primary keys too) deferred; the subscription then starts streaming
 * exactly at the snapshot ({@code copy_data = false, create_slot = false}).</li>
 * <li>{@link #NATIVE}: PostgreSQL's own table sync ({@code copy_data = true}), one text COPY per table through
 * {@code max_sync_workers_per_subscription} workers.</li>
 * </ul>
 */
public enum InitialCopy {
    SNAPSHOT, NATIVE
}
