package upshift.cli;

import java.time.Duration;
import java.util.List;

import picocli.CommandLine.Option;
import upshift.UpshiftException;
import upshift.migration.Direction;
import upshift.report.Units;
import upshift.schema.AcceptedLossy;
import upshift.sequences.SequenceSync;
import upshift.switchover.Cutover;
import upshift.switchover.WriteFreeze;

/** The options switchover and switchback share: how to freeze, drain, sync, verify, stop and undo. */
public final class CutoverOptions {

    @Option(names = "--freeze", paramLabel = "hard|soft|none", defaultValue = "hard",
            description = "hard: a trigger on every published table rejects the application's writes, whatever its"
                    + " session settings (apply workers are not affected; works when the application and upshift"
                    + " share a role); soft: the application roles become read-only in this database and their"
                    + " sessions end (a session can opt out); none: the application is already stopped."
                    + " Default: ${DEFAULT-VALUE}.")
    WriteFreeze.Mode freeze;

    @Option(names = "--app-role", paramLabel = "ROLE", split = ",",
            description = "With --freeze soft: the application role to make read-only (repeatable). Default: every"
                    + " non-superuser login role except the one upshift connects as.")
    List<String> appRoles = new java.util.ArrayList<>();

    @Option(names = "--max-lag", paramLabel = "SIZE", defaultValue = "0",
            description = "Bytes of WAL the new primary may still lack when the drain ends. Default: 0.")
    ByteSize maxLag;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m",
            description = "Give up draining after this long (exit 3, the freeze lifted). Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Option(names = "--verify", paramLabel = "checksum|counts|none", defaultValue = "checksum",
            description = "Compare the tables before the point of no return. checksum (exact): every table is"
                    + " checksummed before the freeze while replication streams, with a temporary test_decoding slot"
                    + " on each server (each in a session of its own; creating one waits for running transactions,"
                    + " --verify-wait); inside the freeze only the tables changed since on either side, or not equal"
                    + " then, are checksummed again. Without such a slot (wal_level, the plugin, the REPLICATION"
                    + " right) every table is checksummed inside the freeze. The report's verification says which."
                    + " counts: row counts only, not exact. none: nothing compared. Default: ${DEFAULT-VALUE}.")
    Cutover.VerifyMode verify;

    @Option(names = "--verify-wait", paramLabel = "DURATION", defaultValue = "60s",
            description = "With --verify checksum, before the freeze: how long creating the temporary slot on each"
                    + " server may wait for the transactions running there (a logical slot waits for every"
                    + " transaction holding a transaction id, in any database, prepared ones too); after that every"
                    + " table is checksummed inside the freeze instead. Default: ${DEFAULT-VALUE}.")
    Duration verifyWait;

    @Option(names = "--accept-lossy", paramLabel = "TABLE.COLUMN",
            description = "A column whose values the new model changes on purpose (a lossy type change preflight"
                    + " names, e.g. numeric(12,4) -> numeric(10,2)): verify compares it as the destination converts"
                    + " it instead of reporting the difference (repeatable).")
    List<String> acceptLossy;

    @Option(names = "--margin", paramLabel = "N", defaultValue = "0",
            description = "Add N to every synced sequence value. Default: ${DEFAULT-VALUE}.")
    long margin;

    @Option(names = "--sequence-exclude", paramLabel = "PATTERN", split = ",",
            description = "Sequences not to sync (LIKE pattern, repeatable). Default: awsdms_ddl_%%.")
    List<String> sequenceExcludes;

    @Option(names = "--stop-after", paramLabel = "PHASE",
            description = "Stop after this phase; re-running continues from there.")
    String stopAfter;

    @Option(names = "--health-timeout", paramLabel = "DURATION", defaultValue = "60s",
            description = "How long to wait for the way back to stream once started. Default: ${DEFAULT-VALUE}.")
    Duration healthTimeout;

    @Option(names = "--abort", description = "Undo a cutover that has not passed its point of no return: drop the"
            + " prepared way back, re-enable the drained subscription, lift upshift's freeze (only upshift's).")
    public boolean abort;

    /** The settings, for the direction drained. */
    public Cutover.Settings settings(Direction drained, boolean startReverse, String reverseConninfo) {
        if (margin < 0) {
            throw UpshiftException.usage("--margin cannot be negative", "give 0 or more");
        }
        return new Cutover.Settings(freeze, appRoles, maxLag.bytes(), timeout, verify, margin,
                sequenceExcludes != null ? sequenceExcludes : SequenceSync.DEFAULT_EXCLUDES, startReverse,
                stopAfter == null ? null : Cutover.Phase.parse(stopAfter, drained), reverseConninfo,
                healthTimeout, verifyWait, AcceptedLossy.parse(acceptLossy));
    }
}
