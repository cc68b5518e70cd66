package upshift.console;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import upshift.UpshiftException;
import upshift.cli.UpshiftCommand;
import upshift.connect.Environment;

/**
 * The runbook steps the console runs: each one is the step's own script class, run in this JVM through
 * {@link UpshiftCommand#run(UpshiftCommand, Environment, PrintStream, PrintStream, String...)}, so a call in the
 * console prints exactly what {@code ./jbang <step>} prints. Every run gets the console's connection settings
 * (the environment with {@code PGURL_ORIGIN}/{@code PGURL_DESTINATION}, and the common options such as
 * {@code --name}) after the call's own arguments.
 */
public final class Steps {

    private final Map<String, Supplier<? extends UpshiftCommand>> commands;
    private final Environment environment;
    private final Map<String, String> commonOptions;
    private final PrintStream out;
    private final PrintStream err;

    /**
     * @param commands        alias (as in jbang-catalog.json) to a new instance of its script class
     * @param environment     what the steps see as their process environment (PGURL_* set to the console's clusters)
     * @param commonOptions   appended to every run unless the call gives the option itself: option to value (null
     *                        for a flag), e.g. --name, -v, --connect-timeout, --origin-conninfo
     */
    public Steps(Map<String, Supplier<? extends UpshiftCommand>> commands, Environment environment,
            Map<String, String> commonOptions, PrintStream out, PrintStream err) {
        this.commands = Collections.unmodifiableMap(new LinkedHashMap<>(commands));
        this.environment = environment;
        this.commonOptions = Collections.unmodifiableMap(new LinkedHashMap<>(commonOptions));
        this.out = out;
        this.err = err;
    }

    /** The aliases, in the order given. */
    public List<String> aliases() {
        return List.copyOf(commands.keySet());
    }

    public boolean has(String alias) {
        return commands.containsKey(alias);
    }

    /** What a step run left: its exit code and the end of what it printed on stderr. */
    public record Outcome(int exitCode, String stderrTail) {
    }

    /** Runs one step with the given arguments (then the common ones). */
    public Outcome run(String alias, String... arguments) {
        Supplier<? extends UpshiftCommand> factory = commands.get(alias);
        if (factory == null) {
            throw UpshiftException.usage("no step '" + alias + "' in the console",
                    "one of: " + String.join(", ", commands.keySet()));
        }
        List<String> all = new ArrayList<>(List.of(arguments));
        // only the options this step has (its --help lists them): status takes no --dry-run, verify no conninfo
        var accepted = UpshiftCommand.commandLine(factory.get()).getCommandSpec();
        commonOptions.forEach((option, value) -> {
            // the call's own value wins, e.g. run("status", "--name", "other")
            if (accepted.findOption(option) != null
                    && all.stream().noneMatch(a -> a.equals(option) || a.startsWith(option + "="))) {
                all.add(option);
                if (value != null) {
                    all.add(value);
                }
            }
        });
        out.flush();
        err.flush();
        Tail tail = new Tail(err);
        int code;
        try (PrintStream teed = new PrintStream(tail, true, StandardCharsets.UTF_8)) {
            code = UpshiftCommand.run(factory.get(), environment, out, teed, all.toArray(String[]::new));
        }
        out.flush();
        return new Outcome(code, tail.text());
    }

    /** Passes everything on to stderr and keeps the last few kilobytes. */
    private static final class Tail extends OutputStream {

        private static final int KEEP = 4096;

        private final PrintStream target;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

        Tail(PrintStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) {
            target.write(b);
            kept.write(b);
            trim();
        }

        @Override
        public void write(byte[] b, int off, int len) {
            target.write(b, off, len);
            kept.write(b, off, len);
            trim();
        }

        @Override
        public void flush() {
            target.flush();
        }

        @Override
        public void close() {
            target.flush();   // stderr itself stays open
        }

        private void trim() {
            if (kept.size() > 2 * KEEP) {
                byte[] all = kept.toByteArray();
                kept.reset();
                kept.write(all, all.length - KEEP, KEEP);
            }
        }

        String text() {
            return kept.toString(StandardCharsets.UTF_8);
        }
    }
}
