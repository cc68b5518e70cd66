package upshift.subscription;

import upshift.copy.SnapshotCopy;
import upshift.report.Output;

/** Prints what create-subscription or enable-subscription did. */
public final class ForwardSubscriptionView {

    private ForwardSubscriptionView() {
    }

    public static void print(Output out, ForwardSubscription.Result result) {
        if (out.json()) {
            out.json(result);
            return;
        }
        out.note("Subscription " + result.subscription() + ": " + result.action()
                + (result.options() != null ? " " + result.options() : ""));
        SnapshotCopy.Result copy = result.copy();
        if (copy != null) {
            out.note("Snapshot copy: " + copy.outcome() + ", " + copy.tables() + " tables in " + copy.chunks()
                    + " chunks, " + copy.rows() + " rows, " + copy.rebuilt() + " indexes and constraints rebuilt, on "
                    + copy.workers() + " workers in " + String.format(java.util.Locale.ROOT, "%.1f s", copy.seconds())
                    + (copy.textTables().isEmpty() ? "" : "; in text (types origin cannot send in binary): "
                            + copy.textTables()));
        }
        if (!result.refreshedTables().isEmpty()) {
            out.note("Refreshed: the publication's new tables " + result.refreshedTables() + " are being copied.");
        }
    }
}
