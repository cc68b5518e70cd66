package upshift.pgtools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import upshift.UpshiftException;
import upshift.sql.QualifiedName;

/**
 * {@code manifest.json} in a schema folder: what dump-schema dumped, from where, with which pg_dump, and the
 * tables the dump creates (restore-schema uses them to tell "already restored" from "partly restored").
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SchemaManifest(
        int format,
        String createdAt,
        Reference reference,
        Tool pgDump,
        String schemaFile,
        QualifiedName djangoMigrationsTable,
        String djangoMigrationsFile,
        long djangoMigrationsRows,
        int tableCount,
        List<QualifiedName> tables) {

    public static final String FILE_NAME = "manifest.json";
    public static final int FORMAT = 1;

    /** The reference database, without credentials. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Reference(String host, int port, String database, String user, String serverVersion,
            int serverVersionNum) {
    }

    /** The pg_dump that made the dump. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Tool(String version, String path) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The files to apply, in order: schema first, then the django_migrations rows. */
    public List<String> files() {
        return djangoMigrationsFile == null ? List.of(schemaFile) : List.of(schemaFile, djangoMigrationsFile);
    }

    public void write(Path file) throws IOException {
        Files.writeString(file, JSON.writeValueAsString(this) + "\n");
    }

    /** Reads DIR/manifest.json; fails (exit 1) when it is missing or unreadable. */
    public static SchemaManifest read(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        try {
            SchemaManifest manifest = JSON.readValue(Files.readString(file), SchemaManifest.class);
            if (manifest.schemaFile() == null || manifest.tables() == null) {
                throw new IOException("schemaFile or tables missing");
            }
            return manifest;
        } catch (NoSuchFileException e) {
            throw new UpshiftException("no " + FILE_NAME + " in " + dir + ": not a folder made by dump-schema",
                    "make it with: ./jbang dump-schema --reference URL --dir " + dir);
        } catch (IOException e) {
            throw new UpshiftException("cannot read " + file + ": " + e.getMessage(),
                    "make the folder again with dump-schema --force");
        }
    }
}
