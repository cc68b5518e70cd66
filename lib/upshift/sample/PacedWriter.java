package upshift.sample;

import java.sql.Connection;
import java.sql.SQLException;

import upshift.sample.Workload.Target;

/**
 * An application writing at a steady rate while the migration runs: one thread, one autocommit session to the
 * server it is pointed at, one write per tick. What it writes and how it counts is the subclass's; this class owns
 * the pacing and the session's life:
 * <ul>
 * <li>the session is opened on the first write, and again after {@link #retarget} (switchover) or a failed write
 *     (a terminated session, a frozen server's refusal);</li>
 * <li>{@link #pause} returns only once no write is in flight, as an operator stops the application;</li>
 * <li>{@link #close} stops the thread and closes the session.</li>
 * </ul>
 * A subclass calls {@link #start} at the end of its constructor, once its own fields are set.
 */
public abstract class PacedWriter implements AutoCloseable {

    private final long pauseMillis;
    private final Thread thread;
    /** Held while a write is in flight, so that {@link #pause} returns only after the last one has finished. */
    private final Object writing = new Object();
    private volatile Target target;
    private volatile boolean running = true;
    private volatile boolean paused;
    private volatile String lastError;
    private Connection connection;
    private Target connectedTo;

    /** About {@code writesPerSecond} writes per second, on a daemon thread of that name (not started yet). */
    protected PacedWriter(Target target, int writesPerSecond, String threadName) {
        this.target = target;
        this.pauseMillis = Math.max(1, 1000 / Math.max(1, writesPerSecond));
        this.thread = new Thread(this::loop, threadName);
        this.thread.setDaemon(true);
    }

    /** Starts writing. */
    protected final void start() {
        thread.start();
    }

    /**
     * Reads what the writes need from a newly opened session (the server's model); a failure closes it and counts
     * as a failed write.
     */
    protected abstract void opened(Connection session) throws SQLException;

    /** One write on the session. A failure is thrown, after the subclass has counted it. */
    protected abstract void write(Connection session) throws SQLException;

    /** The session could not be opened (or read) for a write: nothing was written. By default not counted. */
    protected void notConnected(Exception e) {
    }

    /** Points the writer at another server (after switchover); the next write goes there. */
    public void retarget(Target next) {
        this.target = next;
    }

    /**
     * Stops writing, as an operator stops the application: returns once no write is in flight. Counters stay;
     * {@link #resume} (usually after {@link #retarget}) writes again.
     */
    public void pause() {
        paused = true;
        synchronized (writing) {
            closeConnection();
        }
    }

    public void resume() {
        paused = false;
    }

    /** Stops writing and waits for the last statement to finish. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last failed write's message, or null. */
    public String lastError() {
        return lastError;
    }

    private void loop() {
        while (running) {
            if (!paused) {
                synchronized (writing) {
                    if (!paused) {
                        writeOnce();
                    }
                }
            }
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        synchronized (writing) {
            closeConnection();
        }
    }

    private void writeOnce() {
        Connection session;
        try {
            session = connection();
        } catch (SQLException | RuntimeException e) {
            lastError = e.getMessage();
            notConnected(e);
            return;
        }
        try {
            write(session);
        } catch (SQLException | RuntimeException e) {
            lastError = e.getMessage();
            closeConnection();
        }
    }

    private Connection connection() throws SQLException {
        Target wanted = target;
        if (connection == null || connectedTo != wanted) {
            closeConnection();
            Connection opened = wanted.open();
            try {
                opened(opened);
            } catch (SQLException | RuntimeException e) {
                opened.close();
                throw e;
            }
            connection = opened;
            connectedTo = wanted;
        }
        return connection;
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // a terminated session: nothing to close
            }
            connection = null;
        }
    }
}
