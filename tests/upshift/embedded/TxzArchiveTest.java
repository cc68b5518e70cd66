package upshift.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TxzArchiveTest {

    @TempDir
    Path root;

    @Test
    void keepsExecBitsAndSymlinksAndMakesEverythingReadableByOthers() throws IOException {
        byte[] txz = txz(archive -> {
            directory(archive, "bin/", 0700);
            file(archive, "bin/postgres", 0700, "#!/bin/sh\n");
            directory(archive, "lib/", 0755);
            file(archive, "lib/libpq.so.5.13", 0600, "elf");
            symlink(archive, "lib/libpq.so.5", "libpq.so.5.13");
        });

        TxzArchive.extract(new ByteArrayInputStream(txz), root);

        assertEquals("rwxr-xr-x", mode(root.resolve("bin/postgres")));
        assertEquals("rw-r--r--", mode(root.resolve("lib/libpq.so.5.13")));
        assertEquals("rwxr-xr-x", mode(root.resolve("bin")));
        Path link = root.resolve("lib/libpq.so.5");
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(Path.of("libpq.so.5.13"), Files.readSymbolicLink(link));
        assertEquals("elf", Files.readString(link));
    }

    @Test
    void refusesEntriesThatLeaveTheDirectory() throws IOException {
        byte[] txz = txz(archive -> file(archive, "../escaped", 0644, "x"));
        IOException e = assertThrows(IOException.class, () -> TxzArchive.extract(new ByteArrayInputStream(txz),
                root.resolve("inside")));
        assertTrue(e.getMessage().contains("../escaped"), e.getMessage());
    }

    private interface Content {
        void write(TarArchiveOutputStream archive) throws IOException;
    }

    private static byte[] txz(Content content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream archive = new TarArchiveOutputStream(new XZCompressorOutputStream(bytes))) {
            content.write(archive);
        }
        return bytes.toByteArray();
    }

    private static void directory(TarArchiveOutputStream archive, String name, int mode) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setMode(TarArchiveEntry.DEFAULT_DIR_MODE & ~0777 | mode);
        archive.putArchiveEntry(entry);
        archive.closeArchiveEntry();
    }

    private static void file(TarArchiveOutputStream archive, String name, int mode, String text) throws IOException {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setMode(TarArchiveEntry.DEFAULT_FILE_MODE & ~0777 | mode);
        entry.setSize(data.length);
        archive.putArchiveEntry(entry);
        archive.write(data);
        archive.closeArchiveEntry();
    }

    private static void symlink(TarArchiveOutputStream archive, String name, String target) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
        entry.setLinkName(target);
        archive.putArchiveEntry(entry);
        archive.closeArchiveEntry();
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
