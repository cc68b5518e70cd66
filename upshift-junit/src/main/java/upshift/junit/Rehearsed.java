package upshift.junit;

import upshift.rehearse.Timeline;

/**
 * A rehearsal that has run: both servers, still running with what the runbook left on them (the destination with
 * the new model and every row; the origin, after switchback, where the application writes again), and the report.
 * Tests get it as a parameter; {@link #close()} stops the servers (the extension does so after the test class).
 */
public final class Rehearsed implements AutoCloseable {

    private final ServerProvider provider;
    private final ServerProvider.Started servers;
    private final RehearsedServer origin;
    private final RehearsedServer destination;
    private final Timeline.Summary report;
    private final int exitCode;
    private final String reportText;

    Rehearsed(ServerProvider provider, ServerProvider.Started servers, RehearsedServer origin,
            RehearsedServer destination, Timeline.Summary report, int exitCode, String reportText) {
        this.provider = provider;
        this.servers = servers;
        this.origin = origin;
        this.destination = destination;
        this.report = report;
        this.exitCode = exitCode;
        this.reportText = reportText;
    }

    /** embedded or testcontainers. */
    public String provider() {
        return provider.label();
    }

    public RehearsedServer origin() {
        return origin;
    }

    public RehearsedServer destination() {
        return destination;
    }

    /**
     * The rehearsal's report, as {@code rehearse --json} prints it: each step with its time and exit code, the
     * freeze windows, what the generator loaded and could not satisfy, each table's workload writes and how many
     * were lost.
     */
    public Timeline.Summary report() {
        return report;
    }

    /** 0 when verification passed and no acknowledged write was lost; 3 otherwise (rehearse's exit code). */
    public int exitCode() {
        return exitCode;
    }

    /** Whether it passed: no failure, verified, no write lost. */
    public boolean passed() {
        return exitCode == 0 && report.passed();
    }

    /** The report as text, as {@code rehearse} prints it. */
    public String reportText() {
        return reportText;
    }

    @Override
    public void close() {
        servers.close();
    }

    @Override
    public String toString() {
        return "rehearsal " + origin.major() + " -> " + destination.major() + " on " + provider();
    }
}
