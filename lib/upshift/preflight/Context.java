package upshift.preflight;

import java.util.ArrayList;
import java.util.List;

import upshift.connect.Cluster;
import upshift.migration.MigrationNames;
import upshift.schema.TableSelection;
import upshift.server.ServerFacts;

/** What every group of checks works with: the two servers, the selection, the options, and the findings so far. */
final class Context {

    final Cluster origin;
    final Cluster destination;
    final ServerFacts o;
    final ServerFacts d;
    final TableSelection selection;
    final PreflightOptions options;
    final MigrationNames names;
    final List<Finding> findings = new ArrayList<>();

    Context(Cluster origin, Cluster destination, TableSelection selection, PreflightOptions options) {
        this.origin = origin;
        this.destination = destination;
        this.o = origin.facts();
        this.d = destination.facts();
        this.selection = selection;
        this.options = options;
        this.names = options.names();
    }

    void add(Severity severity, String check, Side side, String subject, String problem, String fix) {
        findings.add(new Finding(severity, check, side, subject, problem, fix));
    }
}
