package upshift.pgtools;

import java.nio.file.Path;

/** One PostgreSQL client program found on this machine: its name ("pg_dump", "psql"), where it is, its version. */
public record PgTool(String name, Path path, PgVersion version) {

    /** "pg_dump 15.18 (/usr/lib/postgresql/15/bin/pg_dump)". */
    public String describe() {
        return name + " " + version + " (" + path + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}
