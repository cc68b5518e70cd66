package upshift.rollback;

import upshift.report.Output;

/** Prints what setup-rollback found and did. */
public final class RollbackView {

    private RollbackView() {
    }

    public static void print(Output out, RollbackReplication.Result result) {
        if (out.json()) {
            out.json(result);
            return;
        }
        out.note("Rollback publication " + result.publication() + " on destination: " + result.publicationAction()
                + " (" + result.tables().size() + " tables"
                + (result.columnListTables().isEmpty() ? "" : ", column lists on " + result.columnListTables()) + ")");
        out.note("Rollback subscription " + result.subscription() + " on origin: " + result.subscriptionAction()
                + " " + result.options());
    }
}
