package upshift.cli;

import java.nio.file.Path;

import picocli.CommandLine.Option;
import upshift.pgtools.PgToolFinder;

/** The options dump-schema and restore-schema share: the schema folder and where pg_dump/psql are. */
public final class SchemaFolderOptions {

    public static final String DEFAULT_DIR = "upshift-schema";

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = DEFAULT_DIR,
            description = "The schema folder: schema.sql, django_migrations.sql, manifest.json."
                    + " Default: ${DEFAULT-VALUE}.")
    Path dir;

    @Option(names = "--pg-bin", paramLabel = "DIR",
            description = "Take pg_dump and psql from this folder only. Default: the newest found on the PATH"
                    + " and in /usr/lib/postgresql/*/bin.")
    Path pgBin;

    public Path dir() {
        return dir;
    }

    public PgToolFinder finder() {
        return PgToolFinder.system(pgBin);
    }
}
