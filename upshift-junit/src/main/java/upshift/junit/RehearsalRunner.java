package upshift.junit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import upshift.migration.MigrationNames;
import upshift.rehearse.Rehearsal;
import upshift.rehearse.RehearsalServers;
import upshift.rehearse.Timeline;
import upshift.report.Output;

/**
 * Runs a {@link RehearsalSpec} as {@code rehearse --schema} runs it (the same engine, {@link Rehearsal}), on servers
 * of the chosen provider that outlive it, and hands back a {@link Rehearsed}.
 */
public final class RehearsalRunner {

    /** The migration's name: publication upshift_pub, subscription upshift_sub, ... */
    public static final String MIGRATION = "upshift";

    private RehearsalRunner() {
    }

    /**
     * Runs the rehearsal; files are {@code resources}' classpath resources first, then paths. Its progress and its
     * report go to standard error and output, as the script prints them.
     *
     * @throws IllegalStateException when a step failed, or (with {@code requirePass}) when the rehearsal lost a
     *                               write or found a difference; the message holds the report. The servers are
     *                               stopped then.
     */
    public static Rehearsed run(RehearsalSpec spec, ClassLoader resources) throws Exception {
        ServerProvider provider = ServerProvider.choose(spec.provider(), ContainerServers::dockerUnavailableReason,
                System.err::println);
        Path work = Files.createTempDirectory("upshift-junit-");
        try {
            Path schema = file(spec.schema(), resources, work);
            Path newSchema = spec.newSchema() == null ? null : file(spec.newSchema(), resources, work);
            Path newModelDir = spec.newModelDir() == null ? null : file(spec.newModelDir(), resources, work);
            Rehearsal.Options options = new Rehearsal.Options(spec.origin(), spec.destination(), spec.rows(), schema,
                    newSchema, spec.rate(), false, spec.freeze(), spec.switchback(), null, spec.seed(),
                    spec.junitReport() == null ? null : Path.of(spec.junitReport()), spec.newModelCommand(),
                    newModelDir, spec.defaults(), null, 0, java.util.List.of());
            Output out = new Output(System.out, System.err, false, false);
            Rehearsal rehearsal = new Rehearsal(options, new MigrationNames(MIGRATION), out);
            String starting = "start servers " + spec.origin() + " and " + spec.destination() + " ("
                    + provider.label() + ")";
            out.note("== " + starting);
            long t = System.nanoTime();
            ServerProvider.Started started = provider.start(spec.origin(), spec.destination(), out::note);
            rehearsal.recordStep(starting, (System.nanoTime() - t) / 1e9);
            int exit;
            try {
                exit = rehearsal.run(started.servers());
            } catch (Exception | Error e) {
                String report = rehearsal.summary() == null ? "" : "\n" + text(rehearsal.summary());
                started.close();
                throw new IllegalStateException("the upshift rehearsal " + spec.origin() + " -> " + spec.destination()
                        + " on " + provider.label() + " failed: " + e.getMessage() + report, e);
            }
            Timeline.Summary summary = rehearsal.summary();
            String text = text(summary);
            if (spec.requirePass() && (exit != 0 || !summary.passed())) {
                started.close();
                throw new IllegalStateException("the upshift rehearsal " + spec.origin() + " -> " + spec.destination()
                        + " did not pass (exit " + exit + ", lost writes " + summary.lostWrites() + ", verified "
                        + summary.verified() + "); requirePass = false hands such a report to the tests\n" + text);
            }
            RehearsalServers servers = started.servers();
            return new Rehearsed(provider, started, server(servers.origin()), server(servers.destination()), summary,
                    exit, text);
        } finally {
            deleteTree(work);
        }
    }

    private static RehearsedServer server(RehearsalServers.Server s) {
        return new RehearsedServer(s.major(), s.version(), s.host(), s.port(), RehearsalServers.DATABASE,
                s.superuser(), s.password());
    }

    /** The report as the rehearse script prints it. */
    static String text(Timeline.Summary summary) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            Timeline.print(new Output(stream, stream, false, false), summary);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /**
     * A classpath resource (copied out when it is inside a jar), else a path relative to the working directory; it
     * must exist.
     */
    static Path file(String name, ClassLoader resources, Path work) throws IOException {
        URL url = resources == null ? null : resources.getResource(name.startsWith("/") ? name.substring(1) : name);
        if (url != null && url.getProtocol().equals("file")) {
            try {
                return Path.of(url.toURI());
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("resource " + name + " at " + url + ": " + e.getMessage(), e);
            }
        }
        if (url != null) {
            Path copy = work.resolve(Path.of(name).getFileName().toString());
            try (InputStream in = url.openStream()) {
                Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            }
            return copy;
        }
        Path path = Path.of(name);
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("no classpath resource and no file " + name + " (working directory "
                    + Path.of("").toAbsolutePath() + ")");
        }
        return path.toAbsolutePath();
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a temporary folder left behind
        }
    }
}
