package upshift.report;

import java.io.PrintStream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import upshift.UpshiftException;
import upshift.connect.Secrets;

/**
 * The one place upshift prints. The report goes to stdout, as text or (with --json) as one JSON document;
 * progress, warnings, errors and the -v statement log go to stderr. Everything passes through
 * {@link Secrets#redact} on its way out. The step engines that only report progress see it as a {@link Progress}.
 */
public final class Output implements Progress {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    private static final ObjectMapper JSON_LINE = JSON.copy().disable(SerializationFeature.INDENT_OUTPUT);

    private final PrintStream out;
    private final PrintStream err;
    private final boolean json;
    private final boolean verbose;

    public Output(PrintStream out, PrintStream err, boolean json, boolean verbose) {
        this.out = out;
        this.err = err;
        this.json = json;
        this.verbose = verbose;
    }

    public boolean json() {
        return json;
    }

    @Override
    public boolean verbose() {
        return verbose;
    }

    /** A line of the human report: stdout, or stderr under --json so stdout stays pure JSON. */
    public void line(String text) {
        (json ? err : out).println(Secrets.redact(text));
    }

    public void blank() {
        (json ? err : out).println();
    }

    /** A section title of the human report. */
    public void heading(String title) {
        line(title);
        line("=".repeat(title.length()));
    }

    public void table(Table table) {
        (json ? err : out).print(Secrets.redact(table.render()));
    }

    /** The machine-readable result: one JSON document on stdout. */
    public void json(Object value) {
        try {
            out.println(Secrets.redact(JSON.writeValueAsString(value)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON: " + e.getMessage(), e);
        }
    }

    /** One compact JSON document on one line of stdout: a stream of results (e.g. monitor --watch --json). */
    public void jsonLine(Object value) {
        try {
            out.println(Secrets.redact(JSON_LINE.writeValueAsString(value)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON: " + e.getMessage(), e);
        }
    }

    /** A --dry-run script fragment: stdout, meant to be pasted into psql (stderr under --json). */
    public void script(String text) {
        (json ? err : out).println(Secrets.redact(text));
    }

    /** Progress for the operator: stderr, in every mode. */
    @Override
    public void note(String text) {
        err.println(Secrets.redact(text));
    }

    @Override
    public void warn(String text) {
        err.println("warning: " + Secrets.redact(text));
    }

    /** The -v statement log: stderr, only when verbose. */
    @Override
    public void statement(String role, String sql) {
        if (verbose) {
            err.println("-- [" + role + "] " + Secrets.redact(sql.strip()));
        }
    }

    /**
     * One line of error (then the lines upshift's own message lists under it, such as a check's blocking findings)
     * and one of hint; the stack trace only with -v.
     */
    public void error(Throwable failure) {
        String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        err.println("error: " + Secrets.redact(firstLine(message)));
        if (failure instanceof UpshiftException) {
            message.lines().skip(1).filter(l -> !l.isBlank()).forEach(l -> err.println(Secrets.redact(l)));
        }
        if (failure instanceof UpshiftException u && u.hint() != null) {
            err.println("hint: " + Secrets.redact(u.hint()));
        }
        if (verbose) {
            java.io.StringWriter trace = new java.io.StringWriter();
            failure.printStackTrace(new java.io.PrintWriter(trace));
            err.print(Secrets.redact(trace.toString()));
        }
    }

    private static String firstLine(String message) {
        int nl = message.indexOf('\n');
        return nl >= 0 ? message.substring(0, nl) : message;
    }
}
