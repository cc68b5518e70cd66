package upshift.rehearse;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/** Samples the forward slot's lag on origin once a second while the rehearsal runs. */
public final class LagSampler implements AutoCloseable {

    private static final String LAG = """
            SELECT pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), confirmed_flush_lsn)::bigint
              FROM pg_catalog.pg_replication_slots WHERE slot_name = ?
            """;

    private final List<Timeline.LagSample> samples = new ArrayList<>();
    private final Timeline timeline;
    private final Thread thread;
    private volatile boolean running = true;

    public LagSampler(String jdbcUrl, Properties credentials, String slot, Timeline timeline) {
        this.timeline = timeline;
        Properties withTimeouts = new Properties();
        withTimeouts.putAll(credentials);
        withTimeouts.setProperty("connectTimeout", "5");
        withTimeouts.setProperty("loginTimeout", "10");
        withTimeouts.setProperty("socketTimeout", "30");
        this.thread = new Thread(() -> loop(jdbcUrl, withTimeouts, slot), "upshift-lag-sampler");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void loop(String jdbcUrl, Properties credentials, String slot) {
        while (running) {
            try (Connection c = DriverManager.getConnection(jdbcUrl, credentials);
                 PreparedStatement st = c.prepareStatement(LAG)) {
                st.setString(1, slot);
                while (running) {
                    try (ResultSet rs = st.executeQuery()) {
                        if (rs.next() && rs.getObject(1) != null) {
                            synchronized (samples) {
                                samples.add(new Timeline.LagSample(timeline.elapsed(), rs.getLong(1)));
                            }
                        }
                    }
                    Thread.sleep(1000);
                }
            } catch (SQLException e) {
                pause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    public List<Timeline.LagSample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
