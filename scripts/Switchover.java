///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-databind:2.21.0
//DEPS org.postgresql:postgresql:42.7.13
//DEPS org.apache.commons:commons-compress:1.28.0
//DEPS org.tukaani:xz:1.12
//SOURCES ../lib/upshift/**.java

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import upshift.ExitCode;
import upshift.cli.TableOptions;
import upshift.cli.Units;
import upshift.cli.UpshiftCommand;
import upshift.switchover.SwitchoverRunner;
import upshift.switchover.SwitchoverRunner.FreezeMode;
import upshift.switchover.SwitchoverRunner.Phase;
import upshift.switchover.SwitchoverRunner.VerifyMode;
import upshift.switchover.SwitchoverView;

@Command(name = "switchover",
        description = "The write-freeze window: freeze application writes on origin, wait until destination has"
                + " applied everything, sync sequences, verify, drop the forward subscription, start rollback"
                + " replication, and report each phase's time. Re-running resumes where it stopped;"
                + " --abort unfreezes origin (until the forward subscription is dropped).",
        footer = {"", "Examples:",
            "  ./jbang switchover --app-role shop_app --destination-conninfo 'host=new-db dbname=app user=repl'",
            "  ./jbang switchover --freeze none --verify checksum --yes   # application already stopped",
            "  ./jbang switchover --abort --yes"})
class Switchover extends UpshiftCommand {

    @Mixin
    TableOptions tables;

    @Option(names = "--freeze", paramLabel = "roles|none", defaultValue = "roles",
            description = "roles: make the application roles read-only in this database and end their sessions;"
                    + " none: the application is already stopped. Default: ${DEFAULT-VALUE}.")
    String freeze;

    @Option(names = "--app-role", paramLabel = "ROLE", split = ",",
            description = "Application role to freeze (repeatable). Default: every non-superuser login role"
                    + " except the one upshift connects as.")
    List<String> appRoles = new ArrayList<>();

    @Option(names = "--max-lag", paramLabel = "SIZE", defaultValue = "0",
            description = "Bytes of origin WAL the destination may still lack when the drain ends. Default: 0.")
    String maxLag;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m",
            description = "Give up draining after this long (exit 3, origin unfrozen). Default: ${DEFAULT-VALUE}.")
    String timeout;

    @Option(names = "--verify", paramLabel = "none|counts|checksum", defaultValue = "counts",
            description = "Check the tables before dropping the forward subscription. Default: ${DEFAULT-VALUE}.")
    String verify;

    @Option(names = "--margin", paramLabel = "N", defaultValue = "0",
            description = "Add N to every synced sequence value. Default: ${DEFAULT-VALUE}.")
    long margin;

    @Option(names = "--sequence-exclude", paramLabel = "PATTERN", split = ",",
            description = "Sequences not to sync (LIKE pattern, repeatable). Default: awsdms_ddl_%%.")
    List<String> sequenceExcludes;

    @Option(names = "--no-rollback", description = "Do not set up rollback replication.")
    boolean noRollback;

    @Option(names = "--stop-after", paramLabel = "PHASE",
            description = "Stop after this phase (check, freeze, drain, sequences, verify, drop-forward);"
                    + " re-running continues from there.")
    String stopAfter;

    @Option(names = "--abort", description = "Undo a switchover that has not dropped the forward subscription:"
            + " unfreeze origin, leave the forward subscription running.")
    boolean abort;

    public static void main(String... args) {
        System.exit(run(new Switchover(), args));
    }

    @Override
    protected int execute() throws Exception {
        SwitchoverRunner switchover = new SwitchoverRunner(origin(), destination(), names(), runner(), out());
        SwitchoverRunner.Report report;
        if (abort) {
            confirm("Unfreeze application writes on origin (" + origin().endpoint() + ")?");
            report = switchover.abort();
        } else {
            SwitchoverRunner.Settings settings = new SwitchoverRunner.Settings(
                    choice(FreezeMode.class, freeze, "--freeze"), appRoles, Units.bytes(maxLag, "--max-lag"),
                    Units.duration(timeout, "--timeout"), choice(VerifyMode.class, verify, "--verify"), margin,
                    sequenceExcludes != null ? sequenceExcludes : List.of("awsdms_ddl_%"), !noRollback,
                    stopAfter == null ? null : Phase.parse(stopAfter), tables.selection(origin()),
                    noRollback ? null : destinationConninfo());
            report = switchover.run(settings, () -> confirm("Freeze application writes on origin ("
                    + origin().endpoint() + ") and switch over to " + destination().endpoint() + "?"));
        }
        SwitchoverView.print(out(), report);
        return ExitCode.OK;
    }

    private static <E extends Enum<E>> E choice(Class<E> type, String value, String option) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw upshift.UpshiftException.usage("invalid value for " + option + ": \"" + value + "\"",
                    "see switchover --help");
        }
    }
}
