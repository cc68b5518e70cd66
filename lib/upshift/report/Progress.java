package upshift.report;

/**
 * What an engine tells the operator while it works, apart from its result: progress notes, warnings and the -v
 * statement log, all on stderr. {@link Output} is the one implementation the steps use; an engine that only
 * reports progress takes a Progress and returns its result for a view to render.
 */
public interface Progress {

    /** A line of progress. */
    void note(String text);

    /** A warning: something the operator should know, not a failure. */
    void warn(String text);

    /** A statement run on that server's side ({@code origin}, {@code destination}...), logged with -v only. */
    void statement(String role, String sql);

    /** Whether the operator asked for the detail of -v. */
    boolean verbose();
}
