package upshift.cli;

import java.time.Duration;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import upshift.connect.ConnectSettings;
import upshift.migration.MigrationNames;

/**
 * The options of the scripts (README, "Running a step"), in small mixins that each script composes, so that its
 * --help lists only what that step uses: {@code --name} and {@code -v} (this class, every script), and
 * {@link Servers}, {@link OriginOnly}, {@link DestinationOnly}, {@link ConnectTimeout}, {@link OriginConninfo},
 * {@link DestinationConninfo}, {@link Json}, {@link DryRun}, {@link TwoServerDryRun} and {@link Yes}, which a
 * script names with {@code @Mixin}. {@link UpshiftCommand} finds them among the script's mixins.
 *
 * <p>Labels: one per kind of value, everywhere: URL, CONNINFO, SIZE, DURATION, PATTERN, N, NAME, ROLE, FILE, DIR,
 * or the choices ({@code hard|soft|none}). HelpTest holds every script to them.
 */
public final class CommonOptions {

    @Option(names = "--name", paramLabel = "NAME", defaultValue = MigrationNames.DEFAULT,
            description = "Migration name: publication NAME_pub, subscription NAME_sub, slot NAME_slot,"
                    + " rollback NAME_rollback_pub/_sub/_slot. A step that works on an existing migration refuses"
                    + " a name of which nothing exists (exit 2). Default: ${DEFAULT-VALUE}.")
    String name;

    @Option(names = {"-v", "--verbose"},
            description = "Log every SQL statement (passwords masked) and show stack traces.")
    boolean verbose;

    static final String ORIGIN = "The old cluster (publisher): postgresql:// URL, key=value conninfo or"
            + " jdbc:postgresql:// URL, resolved as psql does (service=NAME or PGSERVICE, PG* variables, ~/.pgpass"
            + " under $HOME). Default: environment variable PGURL_ORIGIN.";
    static final String DESTINATION = "The new cluster (subscriber). Default: environment variable"
            + " PGURL_DESTINATION.";

    /** How long connecting may take: part of every mixin that names a server. */
    public static final class ConnectTimeout {

        @Option(names = "--connect-timeout", paramLabel = "DURATION",
                defaultValue = ConnectSettings.DEFAULT_CONNECT_TIMEOUT_SECONDS + "s",
                description = "Give up connecting after this long, e.g. 10s, 1m (0: wait indefinitely, as libpq's"
                        + " connect_timeout=0; connect_timeout in a URL wins). Default: ${DEFAULT-VALUE}.")
        Duration connectTimeout;

        /** Whole seconds, rounded up (libpq's connect_timeout). */
        int seconds() {
            long millis = connectTimeout.toMillis();
            return (int) Math.min(Integer.MAX_VALUE, (millis + 999) / 1000);
        }
    }

    /** --origin and --destination: the two servers of the migration. */
    public static final class Servers {

        @Option(names = "--origin", paramLabel = "URL", description = ORIGIN)
        String origin;

        @Option(names = "--destination", paramLabel = "URL", description = DESTINATION)
        String destination;

        @Mixin
        ConnectTimeout timeout;
    }

    /** --origin alone: a step that never reads destination. */
    public static final class OriginOnly {

        @Option(names = "--origin", paramLabel = "URL", description = ORIGIN)
        String origin;

        @Mixin
        ConnectTimeout timeout;
    }

    /** --destination alone: a step that never reads origin. */
    public static final class DestinationOnly {

        @Option(names = "--destination", paramLabel = "URL", description = DESTINATION)
        String destination;

        @Mixin
        ConnectTimeout timeout;
    }

    /** The conninfo the destination server reaches origin with (create-subscription, switchback). */
    public static final class OriginConninfo {

        @Option(names = "--origin-conninfo", paramLabel = "CONNINFO",
                description = "How the destination server reaches the origin (CREATE SUBSCRIPTION ... CONNECTION)."
                        + " Replaces the conninfo derived from --origin, password included: without password= it"
                        + " keeps --origin's password when it names the same user. Default: derived from --origin.")
        String originConninfo;
    }

    /** The conninfo the origin server reaches destination with (the rollback subscription). */
    public static final class DestinationConninfo {

        @Option(names = "--destination-conninfo", paramLabel = "CONNINFO",
                description = "How the origin server reaches the destination (rollback subscription); replaces"
                        + " the derived conninfo like --origin-conninfo. Default: derived from --destination.")
        String destinationConninfo;
    }

    /** --json. */
    public static final class Json {

        @Option(names = "--json", description = "Machine-readable result on stdout; human text goes to stderr.")
        boolean json;
    }

    /** --dry-run of a step that changes one server. */
    public static final class DryRun {

        @Option(names = "--dry-run", description = "Print the SQL that would run, as a psql script for the server"
                + " it names; change nothing. Refused where a real run would be refused.")
        boolean dryRun;
    }

    /**
     * --dry-run of a step that changes both servers, and --on to pick the server whose script to print: a psql
     * script runs on one server, so a two-server step never prints one script for both.
     */
    public static final class TwoServerDryRun {

        @Option(names = "--dry-run", description = "Print the SQL that would run, one psql script per server;"
                + " change nothing. Refused where a real run would be refused. Without --on both scripts are"
                + " shown for reading, behind a \\quit that stops psql from running either.")
        boolean dryRun;

        @Option(names = "--on", paramLabel = "origin|destination",
                description = "With --dry-run: print only that server's psql script, to paste or pipe into a psql"
                        + " session on that server (the script checks it is there). Default: both, for reading.")
        Server on;
    }

    /** The servers --on names. */
    public enum Server { ORIGIN, DESTINATION }

    /** --yes, for the steps that ask before they change something for good. */
    public static final class Yes {

        @Option(names = "--yes", description = "Do not ask for confirmation: the answer when standard input is not"
                + " a terminal (a pipe is never read as the answer).")
        boolean yes;
    }
}
