package upshift.subscription;

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
        if (!result.refreshedTables().isEmpty()) {
            out.note("Refreshed: the publication's new tables " + result.refreshedTables() + " are being copied.");
        }
    }
}
