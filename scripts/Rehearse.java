///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES ../lib/upshift/Library.java ../lib/upshift/rehearse/RehearsalLibrary.java
//SOURCES Status.java Preflight.java Monitor.java SyncSequences.java Verify.java Switchover.java Cleanup.java
//SOURCES AddMissingColumns.java CreatePublication.java CreateSubscription.java EnableSubscription.java
//SOURCES VacuumAnalyze.java SetupRollback.java DropAddedColumns.java DumpSchema.java RestoreSchema.java
//SOURCES Switchback.java

import java.nio.file.Path;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import upshift.UpshiftException;
import upshift.cli.CommonOptions;
import upshift.cli.UpshiftCommand;
import upshift.rehearse.Rehearsal;
import upshift.runbook.Step;
import upshift.switchover.WriteFreeze;

@Command(name = "rehearse", header = Step.Summary.REHEARSE,
        description = "The whole runbook on throw-away servers: starts embedded PostgreSQL --from and --to"
                + " (binaries from Maven Central), loads a Django-style shop with --rows rows (or your --schema"
                + " with generated data),"
                + " keeps a workload writing, runs every step as an operator would and prints the timeline:"
                + " each step's time, initial-sync throughput, lag, the freeze window, verification, then the"
                + " way back (rollback replication carrying the workload's writes, switchback, writes on origin"
                + " again) with the writes lost. Exit 0 only if verification passed and no write was lost.",
        footer = {"", "Examples:",
            "  ./jbang rehearse",
            "  ./jbang rehearse --from 14 --to 18 --rows 1000000",
            "  ./jbang rehearse --schema prod-schema.sql --keep      # your tables, servers left running",
            "  ./jbang rehearse --schema prod.sql --new-schema new.sql --rows 50000,orders=20000 --junit rehearsal.xml",
            "  ./jbang rehearse --schema prod.sql --stats-from \"$PROD_URL\" --rows 100000 --seed 7",
            "  ./jbang rehearse --schema prod.sql --sample-from \"$PROD_URL\" --sample-percent 5 --mask users.email=email",
            "  ./jbang rehearse --schema schema-dir --new-model-command 'python manage.py migrate' --new-model-dir app"})
class Rehearse extends UpshiftCommand {

    @Mixin
    CommonOptions.Json jsonOption;

    @Option(names = "--from", paramLabel = "MAJOR", defaultValue = "13",
            description = "Origin major version. Default: ${DEFAULT-VALUE}.")
    int from;

    @Option(names = "--to", paramLabel = "MAJOR", defaultValue = "16",
            description = "Destination major version. Default: ${DEFAULT-VALUE}.")
    int to;

    @Option(names = "--rows", paramLabel = "ROWS",
            description = "Rows to generate. ROWS is a total over the tables (the sample shop's, or your"
                    + " --schema's), and/or counts per table with --schema (orders=5000,sales.items=20000)."
                    + " Default: 100000 in total,"
                    + " or production's counts with --stats-from.")
    String rows;

    @Option(names = "--schema", paramLabel = "FILE",
            description = "Rehearse with your own schema (pg_dump --schema-only) instead of the sample shop: its"
                    + " tables are filled with generated data (keys, foreign keys, NOT NULL, CHECKs, enums,"
                    + " domains, arrays, json, bytea, large text) and a workload writes to them.")
    Path schema;

    @Option(names = "--new-schema", paramLabel = "FILE",
            description = "With --schema: the new model for the destination. Default: the same file.")
    Path newSchema;

    @Option(names = "--new-model-command", paramLabel = "COMMAND",
            description = "With --schema: the application's own migration command (run by /bin/sh -c in"
                    + " --new-model-dir), e.g. \"python manage.py migrate\". It runs against a reference database"
                    + " made from --schema on a rehearsal server, given as DATABASE_URL"
                    + " (postgres://user:password@host:port/db) and PGHOST, PGPORT, PGUSER, PGPASSWORD,"
                    + " PGDATABASE; the schema it leaves (pg_dump --schema-only) is the new model. Its output is"
                    + " shown prefixed with [new-model]. A --schema folder from dump-schema brings its"
                    + " django_migrations rows, so that Django applies only the new migrations."
                    + " Instead of --new-schema.")
    String newModelCommand;

    @Option(names = "--new-model-dir", paramLabel = "DIR",
            description = "Where --new-model-command runs. Default: the current directory.")
    Path newModelDir;

    @Option(names = "--default", paramLabel = "TABLE.COLUMN=SQL",
            description = "With --schema: a database default for a column the new model dropped, which origin"
                    + " declares NOT NULL without one (repeatable); passed to add-missing-columns.")
    java.util.List<String> defaults = new java.util.ArrayList<>();

    @Option(names = "--sample-from", paramLabel = "URL",
            description = "With --schema: fill origin with a sample of this real database's rows instead of"
                    + " generated ones: one REPEATABLE READ READ ONLY transaction, TABLESAMPLE BERNOULLI of each"
                    + " table plus every row they reference through foreign keys. Read-only; its URL never"
                    + " appears in the output or the report.")
    String sampleFrom;

    @Option(names = "--sample-percent", paramLabel = "N", defaultValue = "10",
            description = "With --sample-from: the share of each table's rows sampled. Default: ${DEFAULT-VALUE}.")
    double samplePercent;

    @Option(names = "--mask", paramLabel = "TABLE.COLUMN=KIND",
            description = "With --sample-from: replace a PII column's values in the copy (repeatable); KIND is"
                    + " email, name, phone, text, null or hash (equal values stay equal).")
    java.util.List<String> masks = new java.util.ArrayList<>();

    @Option(names = "--rate", paramLabel = "N", defaultValue = "100",
            description = "Workload writes per second on origin, then on destination. Default: ${DEFAULT-VALUE}.")
    int rate;

    @Option(names = "--stats-from", paramLabel = "URL",
            description = "With --schema: a production server whose statistics (pg_class.reltuples, pg_stats"
                    + " avg_width; never its data) give each table's rows, or their proportions of a --rows total,"
                    + " and the widths of text values. Read-only.")
    String statsFrom;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "Seed of the generated data and of the workload: the same seed, the same data."
                    + " Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--junit", paramLabel = "FILE",
            description = "Also write the report as JUnit XML (each step a test case, each table's writes a test"
                    + " case failing on a lost write), for CI to show.")
    Path junit;

    @Option(names = "--keep", description = "Leave the servers running at the end and print their URLs.")
    boolean keep;

    @Option(names = "--freeze", paramLabel = "hard|soft|none", defaultValue = "hard",
            description = "The freeze switchover and switchback use. Default: ${DEFAULT-VALUE}.")
    WriteFreeze.Mode freeze;

    @Option(names = "--no-switchback", description = "Stop after the rollback direction; do not rehearse the way"
            + " back.")
    boolean noSwitchback;

    public static void main(String... args) {
        System.exit(run(new Rehearse(), args));
    }

    @Override
    protected int execute() throws Exception {
        if (from >= to) {
            throw UpshiftException.usage("--from " + from + " is not older than --to " + to,
                    "rehearse an upgrade, e.g. --from 13 --to 16");
        }
        if (statsFrom != null && schema == null) {
            throw UpshiftException.usage("--stats-from needs --schema", "the sample shop has its own row counts");
        }
        if (newModelCommand != null && newSchema != null) {
            throw UpshiftException.usage("--new-model-command and --new-schema both give the new model",
                    "pass one: the migration command that makes it, or the file that holds it");
        }
        if ((newModelCommand != null || newSchema != null || !defaults.isEmpty()) && schema == null) {
            throw UpshiftException.usage("--new-model-command, --new-schema and --default need --schema",
                    "the sample shop has its own new model");
        }
        if (sampleFrom != null && (schema == null || statsFrom != null || rows != null)) {
            throw UpshiftException.usage("--sample-from needs --schema, and takes neither --rows nor --stats-from",
                    "the sample's rows are the source's");
        }
        if (!masks.isEmpty() && sampleFrom == null) {
            throw UpshiftException.usage("--mask needs --sample-from", "generated data holds no PII");
        }
        if (sampleFrom != null && (samplePercent <= 0 || samplePercent > 100)) {
            throw UpshiftException.usage("--sample-percent " + samplePercent + " is not in (0, 100]",
                    "e.g. --sample-percent 5");
        }
        masks.forEach(upshift.generate.SampleCopy.Mask::parse);
        if (newModelDir != null && newModelCommand == null) {
            throw UpshiftException.usage("--new-model-dir needs --new-model-command", "it is where the command runs");
        }
        if (newModelDir != null && !java.nio.file.Files.isDirectory(newModelDir)) {
            throw UpshiftException.usage("--new-model-dir " + newModelDir + " is not a folder",
                    "pass the application's folder, where its migration command runs");
        }
        Rehearsal.Options options = new Rehearsal.Options(from, to, rows, schema, newSchema, rate, keep,
                freeze, !noSwitchback, statsFrom, seed, junit, newModelCommand,
                newModelDir == null ? null : newModelDir.toAbsolutePath(), defaults, sampleFrom, samplePercent,
                masks);
        return new Rehearsal(options, names(), out()).run();
    }
}
