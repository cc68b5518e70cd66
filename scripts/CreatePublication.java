///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES ../lib/upshift/Library.java

import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import upshift.ExitCode;
import upshift.cli.TableOptions;
import upshift.cli.CommonOptions;
import upshift.cli.UpshiftCommand;
import upshift.publication.PublicationPlan;
import upshift.publication.PublicationStep;
import upshift.runbook.Step;
import upshift.schema.TableSelection;

@Command(name = "create-publication", header = Step.Summary.CREATE_PUBLICATION,
        description = "On origin: CREATE PUBLICATION NAME_pub FOR TABLE the tables the owner has, minus the"
                + " exclusions (django_migrations and PostGIS's spatial_ref_sys by default). Re-running adds"
                + " tables that appeared since. Refuses tables without a primary key or replica identity: once"
                + " published, UPDATE and DELETE on them fail on origin.",
        footer = {"", "Examples:",
            "  ./jbang create-publication --dry-run",
            "  ./jbang create-publication --owner app --exclude 'django_%%' --exclude 'awsdms_%%'"})
class CreatePublication extends UpshiftCommand {

    @Mixin
    CommonOptions.OriginOnly originOnlyOption;

    @Mixin
    CommonOptions.Json jsonOption;

    @Mixin
    CommonOptions.DryRun dryRunOption;

    @Mixin
    TableOptions tables;

    @Option(names = "--prune", description = "Also remove tables the selection no longer picks from the publication.")
    boolean prune;

    @Option(names = "--allow-missing-replica-identity",
            description = "Publish tables without a primary key or replica identity anyway: every UPDATE and"
                    + " DELETE on them will FAIL on origin from then on.")
    boolean allowMissingReplicaIdentity;

    public static void main(String... args) {
        System.exit(run(new CreatePublication(), args));
    }

    @Override
    protected int execute() throws Exception {
        List<TableSelection.Table> selected = PublicationStep.selectTables(origin(), tables.selection(origin()), out(),
                allowMissingReplicaIdentity);
        PublicationPlan plan = PublicationStep.plan(origin(), names().publication(), selected, prune);
        plan.statements().forEach(sql -> runner().execute(origin(), sql));
        PublicationStep.report(out(), plan, dryRun());
        return ExitCode.OK;
    }
}
