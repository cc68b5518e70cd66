///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES ../lib/upshift/Library.java

import java.util.List;
import java.util.stream.Collectors;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import upshift.ExitCode;
import upshift.UpshiftException;
import upshift.cli.CommonOptions;
import upshift.cli.UpshiftCommand;
import upshift.runbook.Step;
import upshift.sequences.ScriptStyle;
import upshift.sequences.SequencePlan;
import upshift.sequences.SequenceReport;
import upshift.sequences.SequenceSync;
import upshift.sequences.SequenceView;

@Command(name = "sync-sequences", header = Step.Summary.SYNC_SEQUENCES,
        description = "Sets every destination sequence (serial, identity and free-standing, every schema) to origin's"
                + " value plus --margin, keeping is_called, so the next nextval on destination never returns a value"
                + " origin already handed out. Reads each side in one query and writes in one statement, however"
                + " many sequences. Never moves a sequence backwards. Run it with writes on origin stopped"
                + " (switchover does), or with a --margin covering what origin hands out meanwhile.",
        footer = {"", "Exit codes in detail:",
            "  1  a sequence cannot be set (beyond the destination's bounds, no privilege);",
            "     the others are set, the error names it",
            "  3  --check: a destination sequence is behind origin (+ margin), missing or in",
            "     error; --strict: a sequence exists on origin only (always a warning)",
            "", "Examples:",
            "  ./jbang sync-sequences --check",
            "  ./jbang sync-sequences --margin 1000",
            "  ./jbang sync-sequences --dry-run --style alter > sequences.sql",
            "  ./jbang sync-sequences --exclude 'awsdms_%%' --exclude 'audit.%%' --json"})
class SyncSequences extends UpshiftCommand {

    @Mixin
    CommonOptions.Servers serversOption;

    @Mixin
    CommonOptions.Json jsonOption;

    @Mixin
    CommonOptions.DryRun dryRunOption;

    @Option(names = "--exclude", paramLabel = "PATTERN", split = ",",
            description = "Leave out sequences whose name or schema.name matches this SQL LIKE pattern (repeatable)."
                    + " Default: awsdms_ddl_%%; giving any replaces the default.")
    List<String> excludes;

    @Option(names = "--margin", paramLabel = "N", defaultValue = "0",
            description = "Set destination to origin's value plus N (a buffer for values origin hands out after"
                    + " the read). Default: ${DEFAULT-VALUE}.")
    long margin;

    @Option(names = "--style", paramLabel = "setval|alter", defaultValue = "setval",
            description = "How the --dry-run script spells each change: SELECT pg_catalog.setval(...) or"
                    + " ALTER SEQUENCE ... RESTART WITH. Default: ${DEFAULT-VALUE}.")
    ScriptStyle style;

    @Option(names = "--check", description = "Compare only, change nothing: exit 3 when a destination sequence is"
            + " behind origin (+ margin), missing or in error.")
    boolean check;

    @Option(names = "--strict", description = "Exit 3 (after syncing the others) when a sequence exists on origin"
            + " only; without it that is a warning.")
    boolean strict;

    public static void main(String... args) {
        System.exit(run(new SyncSequences(), args));
    }

    @Override
    protected int execute() throws Exception {
        if (margin < 0) {
            throw UpshiftException.usage("--margin cannot be negative", "pass --margin 0 or more");
        }
        // --check and --dry-run read every destination value; a sync lets its bulk write read the uncalled ones
        SequencePlan plan = SequenceSync.plan(origin().connection(), destination().connection(), excludes, margin,
                check || dryRun());
        SequenceView.warnings(out(), plan);

        if (check) {
            if (out().json()) {
                out().json(SequenceReport.of(plan, null, "check"));
            } else {
                SequenceView.printCheck(out(), plan);
            }
            return plan.inSync() ? ExitCode.OK : ExitCode.CHECK_FAILED;
        }

        SequencePlan.Applied applied = plan.apply(runner(), destination(), style);
        if (out().json()) {
            out().json(SequenceReport.of(plan, applied, dryRun() ? "dry-run" : "sync"));
        } else {
            SequenceView.printSync(out(), plan, applied);
        }
        if (!plan.errors().isEmpty()) {
            throw new UpshiftException(plan.errors().size() + " sequence(s) could not be synced: "
                    + plan.errors().stream().map(e -> e.name() + " (" + e.action() + ")").collect(Collectors.joining(", ")),
                    "see the warnings above; the other sequences are " + (dryRun() ? "in the script" : "set"));
        }
        if (strict && !plan.missingOnDestination().isEmpty()) {
            out().note("--strict: " + plan.missingOnDestination().size() + " sequence(s) exist on origin only");
            return ExitCode.CHECK_FAILED;
        }
        return ExitCode.OK;
    }
}
