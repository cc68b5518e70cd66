package upshift.monitor;

import java.util.ArrayList;
import java.util.List;

import upshift.migration.Direction;
import upshift.migration.Subscription.SubscribedTable;
import upshift.migration.SyncState;
import upshift.monitor.ReplicationSnapshot.SlotInfo;
import upshift.monitor.ReplicationSnapshot.SubscriptionInfo;
import upshift.monitor.SubscriberRules.Kind;
import upshift.monitor.SubscriberRules.Rule;
import upshift.monitor.WorkerWatch.ApplyWorker;
import upshift.schema.Column;
import upshift.schema.TableDrift;
import upshift.schema.TypeChange;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;

/**
 * Why a replication does not progress, and what to do: a disabled subscription (disable_on_error), error counters,
 * an apply worker that is absent or restarts, a missing, lost or inactive slot, each explained by the schema
 * differences that break logical replication (a replicated column the subscriber lacks, a subscriber-only NOT NULL
 * column without default, a NOT NULL column or a UNIQUE key the publisher lacks, values that do not fit a narrower
 * type), by a connection loss, and by the server log's last replication error when the role can read it. The same
 * rules serve both directions: for rollback the subscriber is origin and the publisher destination, so they are
 * origin's rules that the new model dropped.
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

    /**
     * What the diagnosis is made of; everything read by {@link ReplicationSnapshot#take}.
     *
     * @param worker      the apply worker as followed across polls (null: one look)
     * @param rules       NOT NULL and UNIQUE rules of the subscriber that the publisher lacks, checked or not
     * @param logSettings where the subscriber's log is (null: not read)
     */
    public record Facts(Direction direction, String subscriber, String publisher, String subscriptionName,
            String slotName, SubscriptionInfo subscription, List<SubscribedTable> tables,
            SlotInfo slot, List<TableDrift> drifts, List<ValueCheck.Result> valueChecks, String serverLogError,
            ApplyWorker worker, List<Rule> rules, ServerLog.LogSettings logSettings) {

        /** The facts of the earlier checks only (no worker history, no rules, no log settings). */
        public Facts(Direction direction, String subscriber, String publisher, String subscriptionName,
                String slotName, SubscriptionInfo subscription, List<SubscribedTable> tables,
                SlotInfo slot, List<TableDrift> drifts, List<ValueCheck.Result> valueChecks, String serverLogError) {
            this(direction, subscriber, publisher, subscriptionName, slotName, subscription, tables, slot, drifts,
                    valueChecks, serverLogError, null, List.of(), null);
        }
    }

    /** Whether something looks wrong enough to compare schemas and read the log. */
    static boolean worthInvestigating(SubscriptionInfo sub, SlotInfo slot, String slotName, ApplyWorker worker) {
        if (sub == null || !sub.enabled() || sub.errorCount() > 0 || sub.applyPid() == null) {
            return true;
        }
        if (worker != null && (worker.failing() || (worker.restarts() > 0 && !worker.settled()))) {
            return true;
        }
        if (inactiveWithLag(slot)) {
            return true;
        }
        return slotName != null && (slot == null || "lost".equals(slot.walStatus()));
    }

    /** The slot has unconfirmed WAL and nothing streams it. */
    static boolean inactiveWithLag(SlotInfo slot) {
        return slot != null && !slot.active() && slot.lagBytes() != null && slot.lagBytes() > 0;
    }

    /** Whether the schemas alone explain a failure (so slower value checks are not needed). */
    static boolean hasDefiniteCause(List<TableDrift> drifts) {
        return drifts.stream().anyMatch(d -> !d.onDestination() || !d.missingOnDestination().isEmpty()
                || !d.destinationOnlyRequired().isEmpty()
                || d.changes().stream().anyMatch(c -> c.change() == TypeChange.INCOMPATIBLE));
    }

    /** The same, counting the subscriber's rules that certainly fail rows (so their checks are not needed). */
    static boolean hasDefiniteCause(List<TableDrift> drifts, List<Rule> rules) {
        return hasDefiniteCause(drifts) || rules.stream().anyMatch(Rule::definite);
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
        ApplyWorker w = f.worker() != null ? f.worker() : ApplyWorker.firstLook(sub);
        long newErrors = w.newApplyErrors() == null ? 0 : w.newApplyErrors();
        String on = " on " + f.subscriber();
        if (!sub.enabled()) {
            blocking = true;
            String why = Boolean.TRUE.equals(sub.disableOnError()) && (errors > 0 || hasDefiniteCause(f.drifts()))
                    ? " (disable_on_error stopped it after an error" + (errors > 0 ? ": " + errorText : "") + ")"
                    : errors > 0 ? " (" + errorText + ")" : "";
            headline = headline != null ? headline : "subscription " + sub.name() + on + " is disabled" + why;
        } else if (newErrors > 0) {
            headline = headline != null ? headline : "subscription " + sub.name() + on + " counted " + newErrors
                    + " new apply error" + (newErrors == 1 ? "" : "s") + " during the wait" + restartText(w);
        } else if (errors > 0) {
            headline = headline != null ? headline : "subscription " + sub.name() + on + " has counted " + errorText;
        } else if (sub.applyPid() == null) {
            headline = headline != null ? headline : w.failing()
                    ? "the apply worker of subscription " + sub.name() + on + " keeps failing: " + workerText(w)
                    : "subscription " + sub.name() + on + " has no apply worker running"
                            + (w.restarts() > 0 ? " (" + workerText(w) + ")" : "");
        } else if (w.restarts() > 0) {
            headline = headline != null ? headline : "the apply worker of subscription " + sub.name() + on
                    + " restarted during the wait: " + workerText(w);
        }
        if (sub.enabled() && inactiveWithLag(f.slot())) {
            String inactive = "slot " + f.slot().name() + " on " + f.publisher() + " is inactive with "
                    + f.slot().lagBytes() + " bytes not confirmed: no apply worker streams them";
            headline = headline != null ? headline : inactive;
            findings.add(new Finding(NOTE, inactive, null));
        }

        int causesBefore = (int) findings.stream().filter(x -> x.kind().equals(CAUSE)).count();
        int before = findings.size();
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
                String alter = "ALTER TABLE " + d.table().sql() + " ALTER COLUMN " + Sql.ident(c.name());
                findings.add(new Finding(CAUSE, rejected(f, c.name()) + " (" + d.table() + "." + c.name()
                        + " is NOT NULL without a default on " + f.subscriber() + " and " + f.publisher()
                        + " does not send it: every replicated INSERT fails)", "drop NOT NULL or add a default on "
                        + f.subscriber() + ": " + alter + " SET DEFAULT <value> (the rejected rows are retried and"
                        + " get it too), or " + alter + " DROP NOT NULL" + then));
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
        for (Rule r : f.rules()) {
            if (r.definite()) {
                findings.add(ruleFinding(f, r, then));
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
        boolean explained = findings.size() > before;
        if (!explained) {
            for (ValueCheck.Result v : f.valueChecks()) {
                if (v.fits() == null) {
                    findings.add(new Finding(POSSIBLE, v.table() + "." + v.column() + " is " + v.originType()
                            + " on " + f.publisher() + " but " + v.destinationType() + " on " + f.subscriber()
                            + ": a value that does not fit fails the apply", v.query() == null ? null
                                    : "check on " + f.publisher() + ": " + v.query()));
                }
            }
            for (Rule r : f.rules()) {
                if (r.violated() == null && !r.definite()) {
                    findings.add(ruleFinding(f, r, then));
                }
            }
        }
        // an enabled subscription whose worker is seen failing (a schema cause alone fails only some rows, and one
        // look without a worker may be a worker about to start) will not progress until an operator acts
        if (sub.enabled() && explained && w.failing()) {
            blocking = true;
        }

        String logAdvice = f.logSettings() == null ? "read the " + f.subscriber() + " server log"
                : f.logSettings().advice(f.subscriber());
        String reEnable = enableCommand(f) + (forward ? " (ALTER SUBSCRIPTION " + Sql.ident(sub.name())
                + " ENABLE on destination)" : "");
        boolean connectionLoss = ServerLog.isConnectionLoss(f.serverLogError());
        if (!sub.enabled() && !explained && causesBefore == 0) {
            boolean neverStarted = errors == 0 && sub.receivedLsn() == null && !f.tables().isEmpty()
                    && f.tables().stream().allMatch(t -> t.state() == SyncState.INITIALIZING);
            if (neverStarted) {
                headline = "subscription " + sub.name() + on + " is not enabled yet";
                findings.add(new Finding(CAUSE, "it was created disabled and has copied nothing",
                        forward ? "run enable-subscription" : enableCommand(f)));
            } else if (connectionLoss) {
                headline = "subscription " + sub.name() + on + " was disabled after a connection loss to "
                        + f.publisher();
                findings.add(new Finding(CAUSE, "disabled after a connection loss, no apply error (the server log"
                        + " says: " + f.serverLogError() + "; PostgreSQL counts it as an apply error and"
                        + " disable_on_error disables the subscription)", "safe to re-enable with " + reEnable));
            } else if (errors > 0 && (sub.syncErrorCount() == null || sub.syncErrorCount() == 0) && f.slot() != null
                    && Long.valueOf(0).equals(f.slot().lagBytes()) && !f.tables().isEmpty()
                    && f.tables().stream().allMatch(t -> t.state() == SyncState.READY)) {
                // a change that fails to apply stays unconfirmed: with nothing unconfirmed, no change failed
                headline = "subscription " + sub.name() + on + " was disabled after a connection loss to "
                        + f.publisher();
                findings.add(new Finding(CAUSE, "disabled after a connection loss, no apply error: slot "
                        + f.slot().name() + " on " + f.publisher() + " has confirmed all of its WAL (lag 0 bytes),"
                        + " so no change failed to apply; PostgreSQL counts the lost connection as an apply error",
                        "safe to re-enable with " + reEnable));
            } else if (errors == 0) {
                findings.add(new Finding(CAUSE, "disabled after a connection loss or by hand (ALTER SUBSCRIPTION"
                        + " ... DISABLE), no apply error: no apply or table-sync error is counted"
                        + (sub.applyErrorCount() == null ? " (" + f.subscriber() + " has no error counters: before"
                                + " PostgreSQL 15 a subscription is only disabled by hand)" : ""),
                        "safe to re-enable with " + reEnable));
            } else if (f.serverLogError() != null) {
                findings.add(new Finding(NOTE, "no schema difference explains it (any more); the server log names"
                        + " the error below", "fix what it says, then " + reEnable));
            } else {
                findings.add(new Finding(NOTE, "no schema difference explains the " + errorText + ": PostgreSQL"
                        + " also counts a lost connection to " + f.publisher() + " (" + f.publisher() + " restarted,"
                        + " its walsender terminated) as an apply error, and disable_on_error then disables the"
                        + " subscription", "after a connection loss it is safe to re-enable with " + reEnable
                        + " (a real apply error disables it again); to know which it was, " + logAdvice));
            }
        } else if (sub.enabled() && errors > 0 && !explained && causesBefore == 0) {
            String reset = "SELECT pg_stat_reset_subscription_stats(oid) FROM pg_subscription WHERE subname = "
                    + Sql.literal(sub.name());
            boolean running = sub.applyPid() != null && !w.failing() && !f.tables().isEmpty()
                    && f.tables().stream().allMatch(t -> t.state() == SyncState.READY);
            findings.add(running
                    ? new Finding(NOTE, "the errors are past ones: every table is ready and the apply worker runs",
                            "reset the counters on " + f.subscriber() + ": " + reset)
                    : new Finding(NOTE, "no schema difference explains the errors"
                            + (newErrors > 0 ? " (" + newErrors + " new during the wait)" : "; the counters keep"
                                    + " past errors until reset"), logAdvice + "; once the tables progress, reset"
                                    + " the counters: " + reset));
        } else if (sub.enabled() && errors == 0 && !explained && causesBefore == 0
                && (sub.applyPid() == null || w.restarts() > 0)) {
            findings.add(w.failing() || w.restarts() > 0
                    ? new Finding(NOTE, "no schema difference explains why the apply worker " + workerText(w)
                            + ": it fails at each start (an apply error or a lost connection) and retries every"
                            + " wal_retrieve_retry_interval", logAdvice)
                    : new Finding(NOTE, "the apply worker starts within seconds of enabling, and restarts"
                            + " every wal_retrieve_retry_interval after an error",
                            "if this persists, read the " + f.subscriber() + " server log"
                                    + " (max_logical_replication_workers and max_worker_processes may be exhausted)"));
        }
        if (headline == null && findings.isEmpty()) {
            return null;
        }
        if (headline == null) {
            headline = findings.get(0).problem();
        }
        return new Diagnosis(blocking, headline, List.copyOf(findings), f.serverLogError());
    }

    /** How PostgreSQL reports the row a subscriber rejects for a NULL in a NOT NULL column. */
    private static String rejected(Facts f, String column) {
        return "rows inserted on " + f.publisher() + " fail on " + f.subscriber() + ": null value in column "
                + Sql.ident(column) + " violates not-null constraint";
    }

    private static Finding ruleFinding(Facts f, Rule r, String then) {
        String column = r.columns().get(0);
        String alter = "ALTER TABLE " + r.table().sql() + " ALTER COLUMN " + Sql.ident(column);
        String keep = "let " + f.subscriber() + " take the rows already rejected (they are retried as sent): ";
        if (r.kind() == Kind.NOT_NULL) {
            String where = r.table() + "." + column + " is NOT NULL on " + f.subscriber() + " but nullable on "
                    + f.publisher();
            if (r.addedColumn()) {
                return new Finding(CAUSE, rejected(f, column) + " (" + where + ", added there by add-missing-columns"
                        + " without a default: the new application never writes it, so every INSERT sends NULL)",
                        "give it a default on " + f.publisher() + ": add-missing-columns --default "
                                + simpleColumn(r.table(), column) + "=<value> (" + alter + " SET DEFAULT <value>; a"
                                + " default on "
                                + f.subscriber() + " does not apply to a NULL that is sent); " + keep + alter
                                + " DROP NOT NULL on " + f.subscriber() + ", and SET NOT NULL again once the NULLs"
                                + " are filled" + then);
            }
            if (Boolean.TRUE.equals(r.violated())) {
                return new Finding(CAUSE, rejected(f, column) + " (" + where + ", and " + f.publisher()
                        + " holds rows with NULL there)", keep + alter + " DROP NOT NULL on " + f.subscriber()
                                + "; stop new NULLs on " + f.publisher() + " (" + alter + " SET DEFAULT <value>)"
                                + then);
            }
            return new Finding(POSSIBLE, where + ": a NULL written on " + f.publisher() + " fails the apply",
                    "check on " + f.publisher() + ": " + r.query());
        }
        String key = r.table() + " (" + String.join(", ", r.columns()) + ")";
        String drop = r.isIndex() ? "DROP INDEX " + new QualifiedName(r.table().schema(), r.constraint()).sql()
                : "ALTER TABLE " + r.table().sql() + " DROP CONSTRAINT " + Sql.ident(r.constraint());
        if (Boolean.TRUE.equals(r.violated())) {
            return new Finding(CAUSE, "rows inserted on " + f.publisher() + " fail on " + f.subscriber()
                    + ": duplicate key value violates unique constraint " + Sql.ident(r.constraint()) + " ("
                    + f.publisher() + " holds rows that repeat " + key + ", which only " + f.subscriber()
                    + " keeps unique)", keep + drop + " on " + f.subscriber() + ", or delete the conflicting rows"
                            + " there; add the key on " + f.publisher() + " so that it does not happen again" + then);
        }
        return new Finding(POSSIBLE, f.subscriber() + " keeps " + key + " unique (" + r.constraint() + ") but "
                + f.publisher() + " does not: a repeated value written on " + f.publisher() + " fails the apply",
                "check on " + f.publisher() + ": " + r.query());
    }

    /** TABLE.COLUMN as add-missing-columns --default takes it: schema.table.column, quoted only where needed. */
    static String simpleColumn(QualifiedName table, String column) {
        return simple(table.schema()) + "." + simple(table.name()) + "." + simple(column);
    }

    private static String simple(String identifier) {
        return identifier.matches("[a-z_][a-z0-9_]*") ? identifier : Sql.ident(identifier);
    }

    private static String workerText(ApplyWorker w) {
        List<String> parts = new ArrayList<>();
        if (w.pid() == null && w.pollsWithoutWorker() > 1) {
            parts.add("not running for " + Math.round(w.secondsWithoutWorker()) + " s (" + w.pollsWithoutWorker()
                    + " polls; a failed worker restarts every " + Math.round(w.retryIntervalSeconds()) + " s)");
        } else if (w.pid() == null) {
            parts.add("not running");
        }
        if (w.restarts() > 0) {
            parts.add("restarted " + w.restarts() + " time" + (w.restarts() == 1 ? "" : "s")
                    + (w.pid() == null ? "" : " (pid now " + w.pid() + ")"));
        }
        return String.join(", ", parts);
    }

    private static String restartText(ApplyWorker w) {
        return w.restarts() > 0 || w.pid() == null ? " (apply worker " + workerText(w) + ")" : "";
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
