package upshift.pgtools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temporary folders of dump and restore. */
final class Folders {

    private Folders() {
    }

    /** Removes a folder and what is in it; a leftover temporary file is harmless, so failures are ignored. */
    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // harmless
                }
            });
        } catch (IOException ignored) {
            // harmless
        }
    }
}
