package upshift.pgtools;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import upshift.UpshiftException;

/**
 * Finds pg_dump and psql: in {@code --pg-bin DIR} when given (and only there), otherwise on the PATH and in
 * Debian's {@code /usr/lib/postgresql/<major>/bin} folders, newest major first. Each candidate's version is read
 * with {@code --version}; the newest wins (a newer pg_dump dumps every older server; a newer psql runs every
 * older dump). On a tie, a real binary beats a wrapper on the PATH (Debian's pg_wrapper chooses the version it
 * runs by itself).
 */
public final class PgToolFinder {

    /** Debian and Ubuntu install each major's client programs here. */
    public static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");

    private final Path pgBin;
    private final List<Path> pathDirectories;
    private final Path debianRoot;
    private final Map<String, List<PgTool>> found = new LinkedHashMap<>();

    public PgToolFinder(Path pgBin, List<Path> pathDirectories, Path debianRoot) {
        this.pgBin = pgBin;
        this.pathDirectories = List.copyOf(pathDirectories);
        this.debianRoot = debianRoot;
    }

    /** This machine: {@code --pg-bin} (may be null), this process's PATH, {@link #DEBIAN_ROOT}. */
    public static PgToolFinder system(Path pgBin) {
        String path = System.getenv("PATH");
        List<Path> dirs = new ArrayList<>();
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    dirs.add(Path.of(dir));
                }
            }
        }
        return new PgToolFinder(pgBin, dirs, DEBIAN_ROOT);
    }

    /** Where this finder looks, for messages: "--pg-bin /opt/pg16/bin" or "PATH and /usr/lib/postgresql/x/bin". */
    public String searched() {
        return pgBin != null ? "--pg-bin " + pgBin : "PATH and " + debianRoot + "/*/bin";
    }

    /** Every copy of the program found, newest first (real binaries before PATH wrappers of the same version). */
    public List<PgTool> candidates(String name) {
        return found.computeIfAbsent(name, this::look);
    }

    /** The newest copy of the program; fails (exit 1) when there is none. */
    public PgTool newest(String name) {
        List<PgTool> all = candidates(name);
        if (all.isEmpty()) {
            throw new UpshiftException(name + " not found (looked in " + searched() + ")",
                    pgBin != null ? "pass the bin folder of a PostgreSQL client installation that has " + name
                            : "install the PostgreSQL client (Debian: apt-get install postgresql-client-<major>)"
                                    + " or pass --pg-bin DIR");
        }
        return all.get(0);
    }

    /**
     * A pg_dump that can dump a server of this version: pg_dump refuses servers of a newer major than its own.
     * Fails (exit 1) naming what was found and what to install.
     */
    public PgTool pgDumpFor(PgVersion server) {
        PgTool best = newest("pg_dump");
        if (best.version().major() < server.major()) {
            String others = candidates("pg_dump").stream().map(PgTool::describe)
                    .collect(Collectors.joining(", "));
            throw new UpshiftException("pg_dump " + best.version() + " cannot dump PostgreSQL " + server
                    + "; install postgresql-client-" + server.major() + " or pass --pg-bin",
                    "pg_dump only dumps servers of its own major version or older; found " + others
                            + " in " + searched());
        }
        return best;
    }

    private List<PgTool> look(String name) {
        List<Path> places = new ArrayList<>();
        if (pgBin != null) {
            places.add(pgBin.resolve(name));
        } else {
            pathDirectories.forEach(dir -> places.add(dir.resolve(name)));
            debianMajors().forEach(dir -> places.add(dir.resolve(name)));
        }
        Map<Path, PgTool> byRealPath = new LinkedHashMap<>();
        List<UpshiftException> broken = new ArrayList<>();
        for (Path place : places) {
            if (!Files.isRegularFile(place) || !Files.isExecutable(place)) {
                continue;
            }
            Path real;
            try {
                real = place.toRealPath();
            } catch (IOException e) {
                continue;
            }
            if (byRealPath.containsKey(real)) {
                continue;
            }
            try {
                byRealPath.put(real, new PgTool(name, place, readVersion(place)));
            } catch (UpshiftException e) {
                broken.add(e);
            }
        }
        if (byRealPath.isEmpty() && !broken.isEmpty()) {
            throw broken.get(0);
        }
        List<PgTool> tools = new ArrayList<>(byRealPath.values());
        tools.sort(Comparator.comparing(PgTool::version, Comparator.reverseOrder())
                .thenComparing(t -> isUnder(t.path(), debianRoot) ? 0 : 1));
        return List.copyOf(tools);
    }

    /** {@code /usr/lib/postgresql/<major>/bin}, highest major first. */
    private List<Path> debianMajors() {
        if (debianRoot == null || !Files.isDirectory(debianRoot)) {
            return List.of();
        }
        List<Path> bins = new ArrayList<>();
        try (DirectoryStream<Path> majors = Files.newDirectoryStream(debianRoot)) {
            for (Path major : majors) {
                Path bin = major.resolve("bin");
                if (Files.isDirectory(bin)) {
                    bins.add(bin);
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        bins.sort(Comparator.comparing((Path p) -> majorOf(p.getParent().getFileName().toString()))
                .reversed());
        return bins;
    }

    private static double majorOf(String folder) {
        try {
            return Double.parseDouble(folder);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static boolean isUnder(Path path, Path root) {
        return root != null && path.startsWith(root);
    }

    /** Runs {@code PROGRAM --version} and parses its answer. */
    static PgVersion readVersion(Path program) {
        Processes.Result result;
        try {
            result = Processes.run(List.of(program.toString(), "--version"), env -> { }, 30);
        } catch (IOException e) {
            throw new UpshiftException("cannot run " + program + " --version: " + e.getMessage(),
                    "check that " + program + " is a working PostgreSQL client program");
        }
        if (result.exitCode() != 0) {
            throw new UpshiftException(program + " --version failed (exit " + result.exitCode() + "): "
                    + result.stderr().strip(), "check that " + program + " is a working PostgreSQL client program");
        }
        try {
            return PgVersion.parse(result.stdout());
        } catch (IllegalArgumentException e) {
            throw new UpshiftException("cannot read the version of " + program + ": " + e.getMessage(),
                    "check that " + program + " is a PostgreSQL client program");
        }
    }
}
