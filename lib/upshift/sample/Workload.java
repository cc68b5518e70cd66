package upshift.sample;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The application writing while the migration runs: inserts, updates and deletes orders of the sample shop at a
 * steady rate, one autocommit statement at a time, and counts what the server acknowledged. Rejected writes (a
 * frozen origin answers "read-only transaction", a terminated session reconnects) are counted, never retried as if
 * they had happened. After switchover the same workload is pointed at the destination.
 *
 * <p>Its orders carry status {@code 'workload'}, so that {@link #expectedOrders()} (acknowledged inserts minus
 * acknowledged deletes) can be compared with what a server holds. It also adds products (name {@code 'workload'},
 * never deleted: {@link #expectedProducts()}) the way the application of the server's model does: on the old model
 * (origin) naming {@code is_legacy}, which is NOT NULL there without a default; on the new model (destination)
 * without it, as the new application no longer knows the column. Which model a server holds is read from its
 * django_migrations ({@link SampleApp#modelOf}) on each (re)connection, so {@link #retarget} needs no flag. Without
 * a default for the column re-added on destination, every product written there fails on origin through rollback
 * replication.
 */
public final class Workload implements AutoCloseable {

    /** Where to write: a JDBC URL and credentials (the application's role). */
    public record Target(String jdbcUrl, String user, String password) {

        /** A session as that role, named "upshift workload" in pg_stat_activity, that gives up after 5 s. */
        public Connection open() throws SQLException {
            Properties props = new Properties();
            props.setProperty("user", user);
            props.setProperty("password", password);
            props.setProperty("connectTimeout", "5");
            props.setProperty("ApplicationName", "upshift workload");
            return DriverManager.getConnection(jdbcUrl, props);
        }
    }

    private static final String INSERT = "INSERT INTO shop_order (user_id, status, total) "
            + "SELECT min(id), 'workload', ? FROM auth_user RETURNING id";
    private static final String UPDATE = "UPDATE shop_order SET total = total + 1 WHERE id = ? AND status = 'workload'";
    private static final String DELETE = "DELETE FROM shop_order WHERE id = ? AND status = 'workload'";
    private static final String INSERT_PRODUCT_OLD_MODEL = "INSERT INTO shop_product (sku, name, price, is_legacy)"
            + " VALUES (?, 'workload', ?, false) RETURNING id";
    private static final String INSERT_PRODUCT_NEW_MODEL = "INSERT INTO shop_product (sku, name, price)"
            + " VALUES (?, 'workload', ?) RETURNING id";

    private final long pauseMillis;
    private final Random random = new Random(42);
    private final List<Long> live = new ArrayList<>();
    private final AtomicLong inserted = new AtomicLong();
    private final AtomicLong productsInserted = new AtomicLong();
    private final AtomicLong updated = new AtomicLong();
    private final AtomicLong deleted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private volatile Target target;
    private volatile boolean running = true;
    private volatile String lastError;
    private final Thread thread;
    private Connection connection;
    private Target connectedTo;
    private volatile SampleApp.Model model;
    /** Held while a write is in flight, so that {@link #pause} returns only after the last one has finished. */
    private final Object writing = new Object();
    private volatile boolean paused;

    /** Starts writing at about {@code writesPerSecond} statements per second. */
    public Workload(Target target, int writesPerSecond) {
        this.target = target;
        this.pauseMillis = Math.max(1, 1000 / Math.max(1, writesPerSecond));
        this.thread = new Thread(this::loop, "upshift-workload");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Points the workload at another server (after switchover); the next write goes there. */
    public void retarget(Target next) {
        this.target = next;
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

    /** Acknowledged inserts: orders and products. */
    public long inserted() {
        return inserted.get() + productsInserted.get();
    }

    /** Acknowledged product inserts, on either model. */
    public long productsInserted() {
        return productsInserted.get();
    }

    public long updated() {
        return updated.get();
    }

    public long deleted() {
        return deleted.get();
    }

    public long rejected() {
        return rejected.get();
    }

    /** Acknowledged writes of every kind. */
    public long acknowledged() {
        return inserted() + updated.get() + deleted.get();
    }

    /** Workload orders a server must hold: acknowledged inserts minus acknowledged deletes. */
    public long expectedOrders() {
        return inserted.get() - deleted.get();
    }

    /** Workload products a server must hold (name 'workload'): acknowledged product inserts; none is deleted. */
    public long expectedProducts() {
        return productsInserted.get();
    }

    /** The model of the server the workload writes to now (null before its first connection). */
    public SampleApp.Model model() {
        return model;
    }

    public String lastError() {
        return lastError;
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

    private void loop() {
        long tick = 0;
        while (running) {
            if (paused) {
                sleep(pauseMillis);
                continue;
            }
            synchronized (writing) {
                if (!paused) {
                    tick = write(tick);
                }
            }
            sleep(pauseMillis);
        }
        closeConnection();
    }

    /** One write; returns the next tick. */
    private long write(long tick) {
        try {
            Connection c = connection();
            tick++;
            if (tick % 7 == 0) {
                String sql = model == SampleApp.Model.NEW ? INSERT_PRODUCT_NEW_MODEL : INSERT_PRODUCT_OLD_MODEL;
                try (PreparedStatement st = c.prepareStatement(sql)) {
                    st.setString(1, "WL-" + tick);
                    st.setBigDecimal(2, java.math.BigDecimal.valueOf(random.nextInt(100_000), 2));
                    try (ResultSet rs = st.executeQuery()) {
                        rs.next();
                        productsInserted.incrementAndGet();
                    }
                }
            } else if (tick % 5 == 0 && live.size() > 2) {
                long id = live.remove(random.nextInt(live.size()));
                if (execute(c, DELETE, id) == 1) {
                    deleted.incrementAndGet();
                }
            } else if (tick % 3 == 0 && !live.isEmpty()) {
                if (execute(c, UPDATE, live.get(random.nextInt(live.size()))) == 1) {
                    updated.incrementAndGet();
                }
            } else {
                try (PreparedStatement st = c.prepareStatement(INSERT)) {
                    st.setBigDecimal(1, java.math.BigDecimal.valueOf(random.nextInt(100_000), 2));
                    try (ResultSet rs = st.executeQuery()) {
                        rs.next();
                        live.add(rs.getLong(1));
                        inserted.incrementAndGet();
                    }
                }
            }
        } catch (SQLException | RuntimeException e) {
            rejected.incrementAndGet();
            lastError = e.getMessage();
            closeConnection();
        }
        return tick;
    }

    private int execute(Connection c, String sql, long id) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setLong(1, id);
            return st.executeUpdate();
        }
    }

    private Connection connection() throws SQLException {
        Target wanted = target;
        if (connection == null || connectedTo != wanted) {
            closeConnection();
            Connection opened = wanted.open();
            try {
                model = SampleApp.modelOf(opened);
            } catch (SQLException e) {
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

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
