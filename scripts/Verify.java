///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES ../lib/upshift/Library.java

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import upshift.ExitCode;
import upshift.UpshiftException;
import upshift.cli.TableOptions;
import upshift.cli.CommonOptions;
import upshift.cli.UpshiftCommand;
import upshift.runbook.Step;
import upshift.schema.AcceptedLossy;
import upshift.schema.ColumnRef;
import upshift.schema.TableSelection;
import upshift.sql.QualifiedName;
import upshift.verify.NotReplicated;
import upshift.verify.Verification;
import upshift.verify.VerifyReport;
import upshift.verify.VerifyTables;
import upshift.verify.VerifyView;

@Command(name = "verify", header = Step.Summary.VERIFY,
        description = {
            "Compares every replicated table on origin and destination: row counts, and with --checksum an"
                    + " order-independent hash of every row's columns that both sides have (primary key"
                    + " included). Each side renders its own values in one exact form (exact decimals, UTC"
                    + " timestamps, char(n) without padding, json as jsonb), so a value that survived a type change"
                    + " (int and bigint, text and varchar(n), numeric(10,2) 12.50 and numeric(12,4) 12.5000) hashes"
                    + " the same, and one the conversion changed (bigint 9007199254740993 as double precision,"
                    + " numeric 1.2345 rounded to 1.23) differs. --accept-lossy compares a column as the"
                    + " destination converts it instead. Columns only one side has (legacy columns the new model"
                    + " dropped, columns it added) are left out and listed.",
            "Next to the verdict, verify lists the tables of the database that replication does not carry"
                    + " (unlogged, other owners, excluded by pattern, not in the publication, materialized views):"
                    + " the verdict says nothing about them.",
            "Each side is read in one REPEATABLE READ, READ ONLY transaction; both sides run at the same time."
                    + " The two snapshots are independent: counts are exact only while application writes to"
                    + " origin are frozen and replication has caught up (as at switchover). On a live system"
                    + " tables that are being written may differ by the rows in flight: run monitor --until"
                    + " caught-up first and treat a small difference on a busy table as lag, not loss.",
            "With --checksum on large tables, --jobs N reads each side over N sessions: tables of 128 MiB and"
                    + " more are cut into up to N ranges (ctid ranges on 14+, ranges of the primary key, of any"
                    + " type, on 13), and each side's sessions share one snapshot (pg_export_snapshot, SET"
                    + " TRANSACTION SNAPSHOT), so the side is still read at one point in time. Results stay per"
                    + " table: a table's ranges add up to the same count and checksum as one session.",
            "Works in either direction: after switchover the same command checks that rollback replication"
                    + " keeps origin equal to destination. Read only; it changes nothing on either side."},
        footer = {"", "Examples:",
            "  ./jbang verify",
            "  ./jbang verify --checksum",
            "  ./jbang verify --checksum --table 'shop_%%' --table 'Billing.%%'",
            "  ./jbang verify --checksum --accept-lossy shop_order.total   # rounding to numeric(10,2) intended",
            "  ./jbang verify --checksum --jobs 8   # 8 sessions per side: servers with cores to spare",
            "  ./jbang verify --checksum --json > verify.json   # exit 3 when any table differs"})
class Verify extends UpshiftCommand {

    @Mixin
    CommonOptions.Servers serversOption;

    @Mixin
    CommonOptions.Json jsonOption;

    @Mixin
    TableOptions tables;

    @Option(names = "--checksum",
            description = "Also hash every row (primary key and the columns both sides have) and compare. Reads"
                    + " every row of every table on both servers: as long as a sequential scan of the database.")
    boolean checksum;

    @Option(names = "--table", paramLabel = "PATTERN", split = ",",
            description = "Only tables whose name or schema.name matches this SQL LIKE pattern (repeatable),"
                    + " e.g. shop_%% or Billing.%%.")
    List<String> patterns = new ArrayList<>();

    @Option(names = "--accept-lossy", paramLabel = "TABLE.COLUMN",
            description = "A column whose change of values in the new model is intended (numeric(12,4) ->"
                    + " numeric(10,2) rounding, double precision -> real): compared as the destination converts it"
                    + " (origin's value through col::text::<destination type>), or not compared when origin has no"
                    + " such type; the report says which (repeatable; SCHEMA.TABLE.COLUMN also works).")
    List<String> acceptLossy = new ArrayList<>();

    @Option(names = "--tables-from", paramLabel = "auto|selection|publication", defaultValue = "auto",
            description = "Which tables: publication (origin's NAME_pub: exactly what is replicated), selection"
                    + " (the tables --owner/--exclude/--schema pick, as create-publication does) or auto: the"
                    + " publication when it exists and no --owner/--exclude/--schema is given, else the"
                    + " selection. Default: ${DEFAULT-VALUE}.")
    VerifyTables.From tablesFrom;

    @Option(names = "--jobs", paramLabel = "N",
            description = "Sessions per side (at least 1). Default: 4, or fewer when either server has fewer than"
                    + " 4 free connections per session (cores are not visible through SQL: raise it up to the"
                    + " smaller server's cores).")
    Integer jobs;

    @Spec
    CommandSpec spec;

    public static void main(String... args) {
        System.exit(run(new Verify(), args));
    }

    @Override
    protected int execute() {
        if (jobs != null && jobs < 1) {
            throw UpshiftException.usage("--jobs must be at least 1, not " + jobs, "omit it for the default");
        }
        VerifyTables.From from = tablesFrom;
        boolean selectionGiven = List.of("--owner", "--exclude", "--schema").stream()
                .anyMatch(o -> spec.commandLine().getParseResult().hasMatchedOption(o));
        if (from == VerifyTables.From.PUBLICATION) {
            requireMigration();
        } else if (from == VerifyTables.From.AUTO && !selectionGiven) {
            requireMigrationOrNone(List.of(origin(), destination()),
                    "verifying the tables the selection picks (--owner, default the origin user; --exclude)");
        }
        AcceptedLossy accepted = AcceptedLossy.parse(acceptLossy);
        TableSelection selection = tables.selection(origin());
        VerifyTables list = VerifyTables.find(origin(), from, selection, selectionGiven, names().publication(),
                patterns);
        List<NotReplicated> outside = NotReplicated.find(origin(), list, selection);
        if (!accepted.isEmpty() && !checksum) {
            out().warn("--accept-lossy only changes how --checksum compares values: row counts are compared as"
                    + " they are");
        }
        out().note("verifying " + list.tables().size() + " table(s) of the " + list.source()
                + (checksum ? ", with row checksums" : ", row counts only") + " ...");

        int sessions = jobs != null ? jobs : Verification.defaultJobs(origin(), destination());
        VerifyReport report = Verification.run(origin(), destination(), list.tables(), checksum, accepted,
                new Verification.Listener() {
                    @Override
                    public void statement(String role, String sql) {
                        out().statement(role, sql);
                    }

                    @Override
                    public void tableDone(String role, QualifiedName table, Long rows, double seconds, String error) {
                        if (out().verbose()) {
                            out().note(String.format(Locale.ROOT, "  %s: %s %s in %.1f s", role, table,
                                    error != null ? "FAILED: " + error : rows + " rows", seconds));
                        }
                    }
                }, sessions).from(list.source()).scope(outside);
        if (checksum) {
            for (ColumnRef c : accepted.columns()) {
                if (!report.acceptedLossy().contains(c.toString())) {
                    out().warn("--accept-lossy " + c.optionText() + " names no column both sides of a verified"
                            + " table have: ignored");
                }
            }
        }

        if (out().json()) {
            out().json(report);
        } else {
            VerifyView.print(out(), report);
        }
        if (!report.errors().isEmpty()) {
            throw new UpshiftException(report.summary(), "see the errors above; the role needs SELECT on every"
                    + " table, and a table locked by DDL makes the lock timeout expire: retry");
        }
        if (!report.differences().isEmpty()) {
            throw UpshiftException.checkFailed(report.summary() + ": "
                    + String.join(", ", report.differingTables()),
                    "if origin still takes writes, rows in flight differ: run monitor --until caught-up (or"
                            + " freeze writes) and verify again; --json shows per-table counts and columns");
        }
        return ExitCode.OK;
    }
}
