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
public final class Workload extends PacedWriter {

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

    private final Random random = new Random(42);
    private final List<Long> live = new ArrayList<>();
    private final AtomicLong inserted = new AtomicLong();
    private final AtomicLong productsInserted = new AtomicLong();
    private final AtomicLong updated = new AtomicLong();
    private final AtomicLong deleted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private volatile SampleApp.Model model;
    /** Counts the writes; only the writer's thread uses it. */
    private long tick;

    /** Starts writing at about {@code writesPerSecond} statements per second. */
    public Workload(Target target, int writesPerSecond) {
        super(target, writesPerSecond, "upshift-workload");
        start();
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

    @Override
    protected void opened(Connection session) throws SQLException {
        model = SampleApp.modelOf(session);
    }

    /** Not even connected: the write the application tried is refused all the same. */
    @Override
    protected void notConnected(Exception e) {
        rejected.incrementAndGet();
    }

    /** One write, chosen by the tick. */
    @Override
    protected void write(Connection c) throws SQLException {
        try {
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
            throw e;
        }
    }

    private int execute(Connection c, String sql, long id) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setLong(1, id);
            return st.executeUpdate();
        }
    }
}
