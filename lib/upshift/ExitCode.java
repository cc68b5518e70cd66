package upshift;

/** The exit codes every upshift script uses, as each script's --help lists them (README, "Running a step"). */
public final class ExitCode {

    /** The step did what it was asked, or found it already done. */
    public static final int OK = 0;

    /** The step failed: one-line error and a hint on stderr. */
    public static final int FAILED = 1;

    /** The command line was wrong: unknown option, missing value, malformed input. */
    public static final int USAGE = 2;

    /** A check did not pass: preflight found blocking problems, verify found a difference, a wait timed out. */
    public static final int CHECK_FAILED = 3;

    private ExitCode() {
    }
}
