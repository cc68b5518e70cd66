package upshift.monitor;

import java.util.ArrayList;
import java.util.List;

import upshift.monitor.ReplicationSnapshot.SlotInfo;
import upshift.monitor.ReplicationSnapshot.SubscriptionInfo;
import upshift.schema.Column;
import upshift.schema.TableDrift;
import upshift.schema.TypeChange;
import upshift.sql.Sql;

/**
 * Why a replication does not progress, and what to do: a disabled subscription (disable_on_error), error counters,
 * a missing or lost slot, each explained by the schema differences that break logical replication (a replicated
 * column the subscriber lacks, a subscriber-only NOT NULL column without default, values that do not fit a
 * narrower type) and by the server log's last replication error when the role can read it.
 *
 * @param blocking       nothing will progress until an operator acts (--until stops waiting at once)
 * @param headline       one line: what is wrong
 * @param findings       causes and notes, each with its fix
 * @param serverLogError the subscriber's last logical replication ERROR line, when readable
 */
public record Diagnosis(boolean blocking, String headline, List<Finding> findings, String serverLogError) {

    /** A definite cause of failure. */
    public static final String CAUSE = "cause";
    /** Something that fails replication if the data hits it; upshift could not tell. */
    public static final String POSSIBLE = "possible cause";
    /** Context and advice. */
    public static final String NOTE = "note";

    /** One thing found, and its fix ({@code problem → fix}). */
    public record Finding(String kind, String problem, String fix) {
        public String text() {
            return fix == null ? problem : problem + " → " + fix;
        }
    }

    /** What the diagnosis is made of; everything read by {@link ReplicationSnapshot#take}. */
    public record Facts(Direction direction, String subscriber, String publisher, String subscriptionName,
            String slotName, SubscriptionInfo subscription, List<SubscriptionCatalog.SubscribedTable> tables,
            SlotInfo slot, List<TableDrift> drifts, List<ValueCheck.Result> valueChecks, String serverLogError) {
    }

    /** Whether something looks wrong enough to compare schemas and read the log. */
    static boolean worthInvestigating(SubscriptionInfo sub, SlotInfo slot, String slotName) {
        if (sub == null || !sub.enabled() || sub.errorCount() > 0 || sub.applyPid() == null) {
            return true;
        }
        return slotName != null && (slot == null || "lost".equals(slot.walStatus()));
    }

    /** Whether the schemas alone explain a failure (so slower value checks are not needed). */
    static boolean hasDefiniteCause(List<TableDrift> drifts) {
        return drifts.stream().anyMatch(d -> !d.onDestination() || !d.missingOnDestination().isEmpty()
                || !d.destinationOnlyRequired().isEmpty()
                || d.changes().stream().anyMatch(c -> c.change() == TypeChange.INCOMPATIBLE));
    }

    /** The diagnosis, or null when nothing is wrong. */
    public static Diagnosis of(Facts f) {
        List<Finding> findings = new ArrayList<>();
        SubscriptionInfo sub = f.subscription();
        boolean forward = f.direction() == Direction.FORWARD;
        if (sub == null) {
            findings.add(new Finding(CAUSE, "subscription " + f.subscriptionName() + " does not exist on "
                    + f.subscriber(), forward ? "run create-subscription, then enable-subscription"
                            : "run setup-rollback"));
            return new Diagnosis(true, "subscription " + f.subscriptionName() + " does not exist on "
                    + f.subscriber(), findings, null);
        }

        boolean blocking = false;
        String headline = null;
        if (f.slotName() != null && f.slot() == null) {
            blocking = true;
            headline = "replication slot " + f.slotName() + " does not exist on " + f.publisher();
            findings.add(new Finding(CAUSE, headline + ": the subscription has nothing to stream from",
                    "if it was dropped, drop the subscription (cleanup" + (forward ? "" : " --rollback")
                            + ") and start again from " + (forward ? "create-subscription" : "setup-rollback")));
        } else if (f.slot() != null && "lost".equals(f.slot().walStatus())) {
            blocking = true;
            headline = "replication slot " + f.slotName() + " on " + f.publisher()
                    + " lost WAL it still needed (max_slot_wal_keep_size)";
            findings.add(new Finding(CAUSE, headline + ": changes are missing on " + f.subscriber(),
                    "drop the subscription (cleanup" + (forward ? "" : " --rollback") + ") and start the initial"
                            + " copy again; raise max_slot_wal_keep_size first"));
        }

        long errors = sub.errorCount();
        String errorText = errorText(sub);
        if (!sub.enabled()) {
            blocking = true;
            String why = Boolean.TRUE.equals(sub.disableOnError()) && (errors > 0 || hasDefiniteCause(f.drifts()))
                    ? " (disable_on_error stopped it after an error" + (errors > 0 ? ": " + errorText : "") + ")"
                    : errors > 0 ? " (" + errorText + ")" : "";
            headline = headline != null ? headline
                    : "subscription " + sub.name() + " on " + f.subscriber() + " is disabled" + why;
        } else if (errors > 0) {
            headline = headline != null ? headline
                    : "subscription " + sub.name() + " on " + f.subscriber() + " has counted " + errorText;
        } else if (sub.applyPid() == null) {
            headline = headline != null ? headline
                    : "subscription " + sub.name() + " on " + f.subscriber() + " has no apply worker running";
        }

        int causesBefore = findings.size();
        String then = sub.enabled() ? " (the workers retry by themselves)" : ", then " + enableCommand(f);
        for (TableDrift d : f.drifts()) {
            if (!d.onDestination()) {
                findings.add(new Finding(CAUSE, d.table() + " is published but missing on " + f.subscriber(),
                        (forward ? "create it on destination (restore-schema)" : "create it on origin")
                                + ", then ALTER SUBSCRIPTION " + Sql.ident(sub.name()) + " REFRESH PUBLICATION"));
                continue;
            }
            for (Column c : d.missingOnDestination()) {
                findings.add(new Finding(CAUSE, d.table() + " is missing replicated column " + c.name(),
                        (forward ? "run add-missing-columns"
                                : "add it on origin: ALTER TABLE " + d.table().sql() + " ADD COLUMN "
                                        + Sql.ident(c.name()) + " " + c.type()) + then));
            }
            for (Column c : d.destinationOnlyRequired()) {
                findings.add(new Finding(CAUSE, d.table() + "." + c.name() + " is NOT NULL without a default on "
                        + f.subscriber() + " and " + f.publisher() + " does not send it (every replicated INSERT"
                        + " fails)", "drop NOT NULL or add a default (ALTER TABLE " + d.table().sql()
                        + " ALTER COLUMN " + Sql.ident(c.name()) + " DROP NOT NULL)" + then));
            }
            for (TableDrift.ColumnChange c : d.changes()) {
                if (c.change() == TypeChange.INCOMPATIBLE) {
                    findings.add(new Finding(CAUSE, d.table() + "." + c.column() + " is " + c.origin().type()
                            + " on " + f.publisher() + " but " + c.destination().type() + " on " + f.subscriber()
                            + ": the apply cannot read the values", "change the column's type on "
                            + f.subscriber() + then));
                }
            }
        }
        for (ValueCheck.Result v : f.valueChecks()) {
            String what = v.table() + "." + v.column() + " is " + v.originType() + " on " + f.publisher() + " but "
                    + v.destinationType() + " on " + f.subscriber();
            if (Boolean.FALSE.equals(v.fits())) {
                findings.add(new Finding(CAUSE, what + ", and some values on " + f.publisher() + " do not fit",
                        "widen the column on " + f.subscriber() + " (ALTER TABLE " + v.table().sql()
                                + " ALTER COLUMN " + Sql.ident(v.column()) + " TYPE " + v.originType()
                                + ") or fix the values on " + f.publisher() + then));
            }
        }
        boolean explained = findings.size() > causesBefore;
        if (!explained) {
            for (ValueCheck.Result v : f.valueChecks()) {
                if (v.fits() == null) {
                    findings.add(new Finding(POSSIBLE, v.table() + "." + v.column() + " is " + v.originType()
                            + " on " + f.publisher() + " but " + v.destinationType() + " on " + f.subscriber()
                            + ": a value that does not fit fails the apply", v.query() == null ? null
                                    : "check on " + f.publisher() + ": " + v.query()));
                }
            }
        }

        if (!sub.enabled() && !explained && causesBefore == 0) {
            boolean neverStarted = errors == 0 && sub.receivedLsn() == null && !f.tables().isEmpty()
                    && f.tables().stream().allMatch(t -> t.state() == SyncState.INITIALIZING);
            if (neverStarted) {
                headline = "subscription " + sub.name() + " on " + f.subscriber() + " is not enabled yet";
                findings.add(new Finding(CAUSE, "it was created disabled and has copied nothing",
                        forward ? "run enable-subscription" : enableCommand(f)));
            } else {
                findings.add(new Finding(NOTE, "no schema difference explains it (any more)",
                        "if the cause is fixed, " + (forward ? "run " : "") + enableCommand(f) + "; otherwise the "
                                + f.subscriber() + " server log has the \"logical replication\" error"));
            }
        } else if (sub.enabled() && errors > 0 && !explained && causesBefore == 0) {
            String reset = "SELECT pg_stat_reset_subscription_stats(oid) FROM pg_subscription WHERE subname = "
                    + Sql.literal(sub.name());
            boolean running = sub.applyPid() != null && !f.tables().isEmpty()
                    && f.tables().stream().allMatch(t -> t.state() == SyncState.READY);
            findings.add(running
                    ? new Finding(NOTE, "the errors are past ones: every table is ready and the apply worker runs",
                            "reset the counters on " + f.subscriber() + ": " + reset)
                    : new Finding(NOTE, "no schema difference explains the errors; the counters keep past errors"
                            + " until reset", "read the " + f.subscriber() + " server log; once the tables"
                            + " progress, reset the counters: " + reset));
        } else if (sub.enabled() && sub.applyPid() == null && errors == 0 && !explained && causesBefore == 0) {
            findings.add(new Finding(NOTE, "the apply worker starts within seconds of enabling, and restarts"
                    + " every wal_retrieve_retry_interval after an error",
                    "if this persists, read the " + f.subscriber() + " server log (max_logical_replication_workers"
                            + " and max_worker_processes may be exhausted)"));
        }
        if (headline == null && findings.isEmpty()) {
            return null;
        }
        if (headline == null) {
            headline = findings.get(0).problem();
        }
        return new Diagnosis(blocking, headline, List.copyOf(findings), f.serverLogError());
    }

    /** The first finding's fix, for the one-line hint of a failed wait. */
    public String firstFix() {
        return findings.stream().filter(x -> x.fix() != null).map(Finding::fix).findFirst().orElse(null);
    }

    private static String enableCommand(Facts f) {
        return f.direction() == Direction.FORWARD ? "enable-subscription"
                : "ALTER SUBSCRIPTION " + Sql.ident(f.subscriptionName()) + " ENABLE on origin";
    }

    private static String errorText(SubscriptionInfo sub) {
        List<String> parts = new ArrayList<>();
        if (sub.applyErrorCount() != null && sub.applyErrorCount() > 0) {
            parts.add(sub.applyErrorCount() + " apply error" + (sub.applyErrorCount() == 1 ? "" : "s"));
        }
        if (sub.syncErrorCount() != null && sub.syncErrorCount() > 0) {
            parts.add(sub.syncErrorCount() + " table-sync error" + (sub.syncErrorCount() == 1 ? "" : "s"));
        }
        return String.join(" and ", parts);
    }
}
