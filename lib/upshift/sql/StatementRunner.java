package upshift.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;

import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.report.Output;

/**
 * Runs the statements that change something, or under --dry-run prints them as a psql-pasteable script with a
 * comment naming the server each block is for. Read-only queries do not go through here: a dry run still
 * looks at both servers to decide what it would do.
 */
public final class StatementRunner {

    private final Output out;
    private final boolean dryRun;
    private Cluster lastTarget;
    /** Under --dry-run of a two-server step: each server's script, printed whole by {@link #flushScripts}. */
    private java.util.Map<String, List<String>> scripts;
    private java.util.Map<String, Cluster> scriptTargets;
    private String onlyRole;

    public StatementRunner(Output out, boolean dryRun) {
        this.out = out;
        this.dryRun = dryRun;
    }

    public boolean dryRun() {
        return dryRun;
    }

    /** Runs one statement on the target (autocommit), or prints it. */
    public void execute(Cluster target, String sql) {
        if (dryRun) {
            printFor(target, terminated(sql));
            return;
        }
        out.statement(target.role(), sql);
        try (Statement st = target.connection().createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw failed(target, sql, e);
        }
    }

    /**
     * A psql meta-command (e.g. \set) that only the --dry-run script needs; ignored when executing. Empty text is
     * ignored too.
     */
    public void scriptOnly(Cluster target, String text) {
        if (dryRun && text != null && !text.isBlank()) {
            printFor(target, text.strip());
        }
    }

    /** Sets the bind parameters of a {@link #executeBound} statement. */
    @FunctionalInterface
    public interface Binder {
        void bind(PreparedStatement statement) throws SQLException;
    }

    /**
     * Runs one statement with bind parameters on the target (autocommit), e.g. a bulk change over
     * {@code unnest(?::int8[], ...)} that does the work of thousands of statements in one round trip; or, under
     * --dry-run, prints {@code equivalent} instead: the same change as plain statements psql runs unchanged (bind
     * parameters cannot be pasted). Any result rows are read and discarded.
     */
    public void executeBound(Cluster target, String sql, Binder binder, List<String> equivalent) {
        executeBound(target, sql, binder, equivalent, rs -> {
            // drain: the statement's effect is what matters
        });
    }

    /** Reads one result row of an {@link #executeBound} statement. */
    @FunctionalInterface
    public interface RowReader {
        void row(java.sql.ResultSet row) throws SQLException;
    }

    /** {@link #executeBound}, handing each result row to {@code rows} (none under --dry-run). */
    public void executeBound(Cluster target, String sql, Binder binder, List<String> equivalent, RowReader reader) {
        if (dryRun) {
            equivalent.forEach(s -> printFor(target, terminated(s)));
            return;
        }
        out.statement(target.role(), sql + (equivalent.isEmpty() ? "" : "  -- " + equivalent.size() + " change(s)"));
        try (PreparedStatement st = target.connection().prepareStatement(sql)) {
            binder.bind(st);
            boolean rows = st.execute();
            if (rows) {
                try (var rs = st.getResultSet()) {
                    while (rs.next()) {
                        reader.row(rs);
                    }
                }
            }
        } catch (SQLException e) {
            throw failed(target, sql, e);
        }
    }

    /** Runs the statements in one transaction (all or nothing), or prints them between BEGIN and COMMIT. */
    public void transaction(Cluster target, List<String> statements) {
        if (dryRun) {
            StringBuilder script = new StringBuilder("BEGIN;\n");
            statements.forEach(s -> script.append(terminated(s)).append('\n'));
            printFor(target, script.append("COMMIT;").toString());
            return;
        }
        Connection c = target.connection();
        String current = null;
        try {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                for (String sql : statements) {
                    current = sql;
                    out.statement(target.role(), sql);
                    st.execute(sql);
                }
            }
            c.commit();
        } catch (SQLException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // the session is gone; the server rolls back on its own
            }
            throw failed(target, current, e);
        } finally {
            try {
                c.setAutoCommit(true);
            } catch (SQLException ignored) {
                // broken session: the next use reports it
            }
        }
    }

    /**
     * For a step that changes two servers: under --dry-run, collect one psql script per server instead of
     * interleaving them, so that each can be pasted into a psql session on its own server. {@code only} (origin,
     * destination, or null for both) keeps just that server's script.
     */
    public void scriptPerServer(String only) {
        scripts = new java.util.LinkedHashMap<>();
        scriptTargets = new java.util.LinkedHashMap<>();
        onlyRole = only;
    }

    /** Prints the collected scripts, origin's first, each headed by the server it is for. */
    public void flushScripts() {
        if (scripts == null) {
            return;
        }
        for (String role : List.of("origin", "destination")) {
            List<String> script = scripts.get(role);
            if (script == null || (onlyRole != null && !onlyRole.equals(role))) {
                continue;
            }
            out.script("-- psql script for " + role + " (" + scriptTargets.get(role).endpoint() + "), "
                    + "to run there in this order:");
            script.forEach(out::script); // one by one: each piece is masked on its own, as when not collected
            out.script("");
        }
        scripts.clear();
    }

    private void printFor(Cluster target, String sql) {
        if (scripts != null) {
            scripts.computeIfAbsent(target.role(), r -> new java.util.ArrayList<>()).add(sql);
            scriptTargets.put(target.role(), target);
            return;
        }
        if (target != lastTarget) {
            out.script("-- on " + target.role() + ": " + target.endpoint());
            lastTarget = target;
        }
        out.script(sql);
    }

    private static String terminated(String sql) {
        String s = sql.strip();
        return s.endsWith(";") ? s : s + ";";
    }

    static UpshiftException failed(Cluster target, String sql, SQLException e) {
        String[] words = sql == null ? new String[0] : sql.strip().split("\\s+", 4);
        String head = String.join(" ", Arrays.copyOf(words, Math.min(3, words.length)));
        return new UpshiftException("on " + target.role() + ", " + head + " ... failed: "
                + Queries.firstLine(e.getMessage()), "run again with -v to see every statement", e);
    }
}
