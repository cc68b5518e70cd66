package upshift.preflight;

/** How much a preflight finding matters, most serious first. */
public enum Severity {
    /** The migration must not start until it is fixed: preflight exits 3. */
    BLOCKING,
    /** Works, but needs a decision or a later step (e.g. add-missing-columns). */
    WARNING,
    /** Worth knowing; nothing to do. */
    INFO
}
