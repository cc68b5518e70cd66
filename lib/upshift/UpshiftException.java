package upshift;

/**
 * A failure an operator can act on: a one-line message, a hint saying what to do, and the exit code.
 * Messages must never contain a password; {@link upshift.report.Output} redacts known secrets as a second line
 * of defence.
 */
public class UpshiftException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String hint;
    private final int exitCode;

    public UpshiftException(String message, String hint) {
        this(message, hint, ExitCode.FAILED, null);
    }

    public UpshiftException(String message, String hint, Throwable cause) {
        this(message, hint, ExitCode.FAILED, cause);
    }

    public UpshiftException(String message, String hint, int exitCode, Throwable cause) {
        super(message, cause);
        this.hint = hint;
        this.exitCode = exitCode;
    }

    /** A usage error (exit 2): the input itself is wrong. */
    public static UpshiftException usage(String message, String hint) {
        return new UpshiftException(message, hint, ExitCode.USAGE, null);
    }

    /** A check that did not pass (exit 3). */
    public static UpshiftException checkFailed(String message, String hint) {
        return new UpshiftException(message, hint, ExitCode.CHECK_FAILED, null);
    }

    /** What to do about it; may be null. */
    public String hint() {
        return hint;
    }

    public int exitCode() {
        return exitCode;
    }
}
