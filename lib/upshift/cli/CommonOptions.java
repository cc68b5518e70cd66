package upshift.cli;

import picocli.CommandLine.Option;
import upshift.connect.ConnectSettings;
import upshift.migration.MigrationNames;

/** The options every upshift script takes (README, "Running a step"). */
public final class CommonOptions {

    @Option(names = "--origin", paramLabel = "URL",
            description = "The old cluster (publisher): postgresql:// URL, key=value conninfo or jdbc:postgresql:// URL,"
                    + " resolved as psql does (service=NAME or PGSERVICE, PG* variables, ~/.pgpass under $HOME)."
                    + " Default: environment variable PGURL_ORIGIN.")
    String origin;

    @Option(names = "--destination", paramLabel = "URL",
            description = "The new cluster (subscriber). Default: environment variable PGURL_DESTINATION.")
    String destination;

    @Option(names = "--origin-conninfo", paramLabel = "CONNINFO",
            description = "How the destination server reaches the origin (CREATE SUBSCRIPTION ... CONNECTION)."
                    + " Replaces the conninfo derived from --origin, password included: without password= it"
                    + " keeps --origin's password when it names the same user. Default: derived from --origin.")
    String originConninfo;

    @Option(names = "--destination-conninfo", paramLabel = "CONNINFO",
            description = "How the origin server reaches the destination (rollback subscription); replaces"
                    + " the derived conninfo like --origin-conninfo. Default: derived from --destination.")
    String destinationConninfo;

    @Option(names = "--name", paramLabel = "NAME", defaultValue = MigrationNames.DEFAULT,
            description = "Migration name: publication NAME_pub, subscription NAME_sub, slot NAME_slot,"
                    + " rollback NAME_rollback_pub/_sub/_slot. A step that works on an existing migration refuses"
                    + " a name of which nothing exists (exit 2). Default: ${DEFAULT-VALUE}.")
    String name;

    @Option(names = "--dry-run", description = "Print the SQL that would run, as a psql script; change nothing.")
    boolean dryRun;

    @Option(names = "--json", description = "Machine-readable result on stdout; human text goes to stderr.")
    boolean json;

    @Option(names = "--yes", description = "Do not ask for confirmation before destructive steps.")
    boolean yes;

    @Option(names = {"-v", "--verbose"}, description = "Log every SQL statement (passwords masked) and show stack traces.")
    boolean verbose;

    @Option(names = "--connect-timeout", paramLabel = "SECONDS",
            defaultValue = "" + ConnectSettings.DEFAULT_CONNECT_TIMEOUT_SECONDS, converter = Converters.Seconds.class,
            description = "Give up connecting after this many seconds (0: wait indefinitely, as libpq's"
                    + " connect_timeout=0; connect_timeout in a URL wins). Default: ${DEFAULT-VALUE}.")
    int connectTimeoutSeconds;
}
