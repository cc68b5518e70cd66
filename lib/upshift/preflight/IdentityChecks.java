package upshift.preflight;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;

import upshift.schema.TableDrift;
import upshift.schema.TableKeys;
import upshift.sql.QualifiedName;

/**
 * Whether destination can apply every UPDATE and DELETE origin sends: the key destination finds rows by must be
 * sent by origin's replica identity, and a whole-row lookup (no key on destination) needs REPLICA IDENTITY FULL
 * on origin, types with equality, and every destination column sent. The rules are {@link TableKeys#applyProblems},
 * shared with the way back ({@code RollbackReadiness}, which preflight runs for rollback replication, with the
 * rollback publication's column list).
 */
final class IdentityChecks {

    private final Context ctx;

    IdentityChecks(Context ctx) {
        this.ctx = ctx;
    }

    void run(List<TableDrift> drifts) throws SQLException {
        List<QualifiedName> onBoth = drifts.stream().filter(TableDrift::onDestination).map(TableDrift::table)
                .toList();
        if (onBoth.isEmpty()) {
            return;
        }
        Map<QualifiedName, TableKeys> origin = TableKeys.read(ctx.origin.connection(), onBoth);
        Map<QualifiedName, TableKeys> destination = TableKeys.read(ctx.destination.connection(), onBoth);
        for (QualifiedName t : onBoth) {
            TableKeys o = origin.get(t);
            TableKeys d = destination.get(t);
            if (o == null || d == null) {
                continue;
            }
            // the forward publication has no column list: origin sends every column it has
            for (TableKeys.ApplyProblem p : TableKeys.applyProblems(o, o.columns(), d)) {
                ctx.add(Severity.BLOCKING, "replica-identity", Side.DESTINATION, t.toString(),
                        p.problem("origin", "destination", "forward", o, d),
                        p.fix(t, "origin", "destination", o, d));
            }
        }
    }
}
