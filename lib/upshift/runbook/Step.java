package upshift.runbook;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Every upshift command, once, in runbook order: its alias (as in jbang-catalog.json and {@code ./jbang ALIAS}),
 * its script (scripts/CLASS.java), the one-line description the catalog shows, the section of runbook.md that
 * documents it, and whether it is a step of the runbook or a tool around it.
 *
 * <p>Everything else that lists the commands is derived from this enum or tested against it: the catalog file
 * (JBang reads the JSON, DepsInStepTest keeps it equal to this), the scripts' usage header ({@link Summary}), the
 * steps the console runs and the steps rehearse runs ({@link #runnable()}), and which step runbook.md documents
 * where (RunbookTest).
 */
public enum Step {

    REHEARSE("rehearse", "Rehearse", Kind.TOOL, Step.INTRODUCTION, true, Summary.REHEARSE),
    STATUS("status", "Status", Kind.TOOL, "0", false, Summary.STATUS),
    PREFLIGHT("preflight", "Preflight", Kind.STEP, "1", false, Summary.PREFLIGHT),
    DUMP_SCHEMA("dump-schema", "DumpSchema", Kind.TOOL, "2", false, Summary.DUMP_SCHEMA),
    RESTORE_SCHEMA("restore-schema", "RestoreSchema", Kind.STEP, "2", false, Summary.RESTORE_SCHEMA),
    ADD_MISSING_COLUMNS("add-missing-columns", "AddMissingColumns", Kind.STEP, "3", false,
            Summary.ADD_MISSING_COLUMNS),
    CREATE_PUBLICATION("create-publication", "CreatePublication", Kind.STEP, "4", false,
            Summary.CREATE_PUBLICATION),
    CREATE_SUBSCRIPTION("create-subscription", "CreateSubscription", Kind.STEP, "5", false,
            Summary.CREATE_SUBSCRIPTION),
    ENABLE_SUBSCRIPTION("enable-subscription", "EnableSubscription", Kind.STEP, "5", false,
            Summary.ENABLE_SUBSCRIPTION),
    MONITOR("monitor", "Monitor", Kind.STEP, "6", false, Summary.MONITOR),
    VACUUM_ANALYZE("vacuum-analyze", "VacuumAnalyze", Kind.STEP, "7", false, Summary.VACUUM_ANALYZE),
    SWITCHOVER("switchover", "Switchover", Kind.STEP, "8", false, Summary.SWITCHOVER),
    SYNC_SEQUENCES("sync-sequences", "SyncSequences", Kind.STEP, "8", false, Summary.SYNC_SEQUENCES),
    SETUP_ROLLBACK("setup-rollback", "SetupRollback", Kind.STEP, "9", false, Summary.SETUP_ROLLBACK),
    SWITCHBACK("switchback", "Switchback", Kind.STEP, "9b", false, Summary.SWITCHBACK),
    VERIFY("verify", "Verify", Kind.STEP, "10", false, Summary.VERIFY),
    CLEANUP("cleanup", "Cleanup", Kind.STEP, "11", false, Summary.CLEANUP),
    DROP_ADDED_COLUMNS("drop-added-columns", "DropAddedColumns", Kind.STEP, "11", false,
            Summary.DROP_ADDED_COLUMNS),
    CONSOLE("console", "Console", Kind.TOOL, "12", true, Summary.CONSOLE);

    /** The section of runbook.md before its first numbered one ("Rehearse first"). */
    public static final String INTRODUCTION = "";

    /** A step of the runbook, or a tool around it (looking, rehearsing, the console, the reference dump). */
    public enum Kind { STEP, TOOL }

    /**
     * The one-line descriptions, as compile-time constants so that a script's {@code @Command(header = ...)} can
     * name its own; jbang-catalog.json carries the same text.
     */
    public static final class Summary {

        public static final String REHEARSE = "The whole runbook on throw-away embedded servers (--from 13 --to 16)"
                + " with a sample Django model and live writes; prints the timeline.";
        public static final String STATUS = "One screen: both servers' versions, flavour, replication settings,"
                + " capabilities, and this migration's publications, subscriptions and slots.";
        public static final String PREFLIGHT = "Readiness and compatibility report for both servers (settings,"
                + " capacity, rights, primary keys, schema drift with data checks, unsupported objects, binary"
                + " transfer); exit 3 on blocking findings.";
        public static final String DUMP_SCHEMA = "On the reference (new-model) database: pg_dump the schema and the"
                + " django_migrations rows into a folder with a manifest, for restore-schema.";
        public static final String RESTORE_SCHEMA = "On destination: apply the dump-schema folder (schema, then"
                + " django_migrations rows) with psql in one transaction; says so when already restored.";
        public static final String ADD_MISSING_COLUMNS = "On destination: add the columns origin tables have and"
                + " destination tables lack (nullable, origin's type and default), marked for drop-added-columns.";
        public static final String CREATE_PUBLICATION = "On origin: CREATE PUBLICATION for the owner's tables minus"
                + " exclusions; re-running adds tables that appeared since.";
        public static final String CREATE_SUBSCRIPTION = "On destination: CREATE SUBSCRIPTION, disabled, with the"
                + " options both versions accept.";
        public static final String ENABLE_SUBSCRIPTION = "On destination: start the initial copy and streaming, once"
                + " the destination can take every replicated row.";
        public static final String MONITOR = "Both: per-table sync state, initial copy progress, slot lag and apply"
                + " lag; explains a disabled or failing subscription with the fix; --watch, --until"
                + " ready|caught-up, --timeout.";
        public static final String VACUUM_ANALYZE = "On destination: VACUUM (ANALYZE) every replicated table with"
                + " progress, then switch autovacuum back on where create-subscription paused it.";
        public static final String SWITCHOVER = "The write-freeze window: check the way back, freeze origin writes"
                + " (hard by default), drain, sync sequences, verify, prepare rollback, drop the forward"
                + " subscription, start rollback replication and prove it streams; timed, resumable, --abort.";
        public static final String SYNC_SEQUENCES = "Destination sequences set from origin (+ --margin) in one round"
                + " trip; --check compares, --dry-run prints setval or ALTER SEQUENCE statements.";
        public static final String SETUP_ROLLBACK = "After switchover: publication on destination, subscription on"
                + " origin with copy_data = false and origin-version options, so destination writes flow back.";
        public static final String SWITCHBACK = "The way back after switchover: freeze destination writes, drain"
                + " rollback replication, sync sequences back, verify, drop the rollback subscription, lift"
                + " origin's freeze; --restart-forward for a second attempt; resumable, --abort.";
        public static final String VERIFY = "Both sides: per-table row counts, and with --checksum an"
                + " order-independent hash of every row's shared columns (int/bigint, text/varchar safe); exit 3 on"
                + " any difference.";
        public static final String CLEANUP = "Drop this migration's forward (default) or --rollback subscription,"
                + " publication and slot, safely and idempotently; report orphaned slots with the WAL they retain"
                + " (--drop-orphaned-slots drops this migration's).";
        public static final String DROP_ADDED_COLUMNS = "On destination, after the rollback period: back up each"
                + " column add-missing-columns added (primary key + column) and drop it, one transaction per table;"
                + " refused while replication still exists.";
        public static final String CONSOLE = "An interactive JShell with the library loaded and both servers"
                + " connected (origin, destination): every runbook step one call away (status(), lag(), monitor(),"
                + " verify(), syncSequences(dryRun), sql(origin, \"select ...\"), cleanup(true), help()), printing"
                + " what the scripts print.";

        private Summary() {
        }
    }

    private final String alias;
    private final String scriptClass;
    private final Kind kind;
    private final String section;
    private final boolean rehearsalPart;
    private final String summary;

    Step(String alias, String scriptClass, Kind kind, String section, boolean rehearsalPart, String summary) {
        this.alias = alias;
        this.scriptClass = scriptClass;
        this.kind = kind;
        this.section = section;
        this.rehearsalPart = rehearsalPart;
        this.summary = summary;
    }

    /** The name an operator types: {@code ./jbang ALIAS}, {@code jbang ALIAS@upshift}. */
    public String alias() {
        return alias;
    }

    /** The script's class (default package), in scripts/CLASS.java. */
    public String scriptClass() {
        return scriptClass;
    }

    /** The catalog's script-ref: {@code scripts/CLASS.java}. */
    public String scriptRef() {
        return "scripts/" + scriptClass + ".java";
    }

    public Kind kind() {
        return kind;
    }

    /** The number of the runbook.md section ({@code ## N. ...}) that documents it, or {@link #INTRODUCTION}. */
    public String section() {
        return section;
    }

    /**
     * Whether its script pulls in the rehearsal part of the library (embedded servers, the sample application,
     * the console): rehearse and console, which run the other commands in their own JVM.
     */
    public boolean rehearsalPart() {
        return rehearsalPart;
    }

    /** The one-line description (jbang-catalog.json's, and the script's usage header). */
    public String summary() {
        return summary;
    }

    /** Every command, in runbook order. */
    public static List<Step> all() {
        return List.of(values());
    }

    /** The commands console and rehearse can run in their JVM: every one but themselves, in runbook order. */
    public static List<Step> runnable() {
        return Arrays.stream(values()).filter(s -> !s.rehearsalPart).toList();
    }

    public static Optional<Step> byAlias(String alias) {
        return Arrays.stream(values()).filter(s -> s.alias.equals(alias)).findFirst();
    }
}
