package upshift.pgtools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import upshift.ExitCode;
import upshift.UpshiftException;

/** The finder against fake client programs (shell scripts that print a version). */
class PgToolFinderTest {

    @TempDir
    Path root;

    private Path fake(String dir, String name, String version) throws IOException {
        Path bin = Files.createDirectories(root.resolve(dir));
        Path program = bin.resolve(name);
        Files.writeString(program, "#!/bin/sh\necho '" + name + " (PostgreSQL) " + version + "'\n");
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
        return program;
    }

    @Test
    void newestWinsAcrossPathAndDebianFolders() throws IOException {
        fake("usr/bin", "pg_dump", "15.18");
        fake("debian/13/bin", "pg_dump", "13.22");
        Path v17 = fake("debian/17/bin", "pg_dump", "17.6");
        PgToolFinder finder = new PgToolFinder(null, List.of(root.resolve("usr/bin")), root.resolve("debian"));
        assertEquals(List.of("17.6", "15.18", "13.22"),
                finder.candidates("pg_dump").stream().map(t -> t.version().toString()).toList());
        assertEquals(v17, finder.newest("pg_dump").path());
        assertEquals(v17, finder.pgDumpFor(PgVersion.parse("16.15")).path());
    }

    @Test
    void onATieARealBinaryBeatsAPathWrapper() throws IOException {
        fake("usr/bin", "psql", "15.18");
        Path real = fake("debian/15/bin", "psql", "15.18");
        PgToolFinder finder = new PgToolFinder(null, List.of(root.resolve("usr/bin")), root.resolve("debian"));
        assertEquals(real, finder.newest("psql").path());
    }

    @Test
    void pgBinIsTheOnlyPlaceLookedAtWhenGiven() throws IOException {
        fake("debian/17/bin", "pg_dump", "17.6");
        Path mine = fake("opt/bin", "pg_dump", "16.2");
        PgToolFinder finder = new PgToolFinder(root.resolve("opt/bin"), List.of(), root.resolve("debian"));
        assertEquals(mine, finder.newest("pg_dump").path());
        UpshiftException e = assertThrows(UpshiftException.class, () -> finder.newest("psql"));
        assertTrue(e.getMessage().contains("psql not found (looked in --pg-bin"), e.getMessage());
    }

    @Test
    void refusesAPgDumpOlderThanTheServer() throws IOException {
        fake("usr/bin", "pg_dump", "15.18");
        PgToolFinder finder = new PgToolFinder(null, List.of(root.resolve("usr/bin")), root.resolve("none"));
        UpshiftException e = assertThrows(UpshiftException.class,
                () -> finder.pgDumpFor(PgVersion.ofServer(160015, "16.15")));
        assertEquals("pg_dump 15.18 cannot dump PostgreSQL 16.15; install postgresql-client-16 or pass --pg-bin",
                e.getMessage());
        assertEquals(ExitCode.FAILED, e.exitCode());
        assertTrue(e.hint().contains(root.resolve("usr/bin/pg_dump").toString()), e.hint());
    }

    @Test
    void nothingFound() {
        PgToolFinder finder = new PgToolFinder(null, List.of(root), root.resolve("none"));
        UpshiftException e = assertThrows(UpshiftException.class, () -> finder.newest("pg_dump"));
        assertTrue(e.hint().contains("postgresql-client"), e.hint());
    }
}
