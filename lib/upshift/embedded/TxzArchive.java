package upshift.embedded;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * Unpacks a {@code .txz} (xz-compressed tar) into a directory, keeping symbolic and hard links and exec bits.
 * Everything it writes is readable by every user, and directories and executables are traversable/executable by
 * every user, so that binaries unpacked by root can run as an unprivileged user.
 */
final class TxzArchive {

    private static final int WORLD_READ = 0444;
    private static final int WORLD_EXEC = 0111;

    private TxzArchive() {
    }

    /** Unpacks {@code txz} into the existing, empty directory {@code root}. */
    static void extract(InputStream txz, Path root) throws IOException {
        List<TarArchiveEntry> directories = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(
                new XZCompressorInputStream(new BufferedInputStream(txz, 1 << 16)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path target = inside(root, entry.getName());
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                    directories.add(entry);
                } else if (entry.isSymbolicLink()) {
                    Files.createDirectories(target.getParent());
                    Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
                } else if (entry.isLink()) {
                    Files.createDirectories(target.getParent());
                    Files.createLink(target, inside(root, entry.getLinkName()));
                } else if (entry.isFile()) {
                    Files.createDirectories(target.getParent());
                    Files.copy(tar, target);
                    Files.setPosixFilePermissions(target, permissions(shareable(entry.getMode())));
                } else {
                    throw new IOException("unsupported tar entry type for " + entry.getName()
                            + " (neither file, directory nor link)");
                }
            }
        }
        // Directory modes last, so that a read-only directory does not stop its own contents from being written.
        for (TarArchiveEntry directory : directories) {
            Files.setPosixFilePermissions(inside(root, directory.getName()),
                    permissions(shareable(directory.getMode()) | WORLD_EXEC));
        }
    }

    /** The mode plus read for everyone, plus execute for everyone when anyone may execute it. */
    static int shareable(int mode) {
        int result = (mode & 0777) | WORLD_READ;
        return (mode & WORLD_EXEC) != 0 ? result | WORLD_EXEC : result;
    }

    /** rwx bits of a Unix mode as a permission set. */
    static Set<PosixFilePermission> permissions(int mode) {
        PosixFilePermission[] byBit = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        Set<PosixFilePermission> result = EnumSet.noneOf(PosixFilePermission.class);
        for (int bit = 0; bit < byBit.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                result.add(byBit[bit]);
            }
        }
        return result;
    }

    private static Path inside(Path root, String entryName) throws IOException {
        Path target = root.resolve(entryName).normalize();
        if (!target.startsWith(root)) {
            throw new IOException("archive entry " + entryName + " points outside the extraction directory");
        }
        return target;
    }
}
