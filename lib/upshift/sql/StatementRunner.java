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
    private String stepName;
    private boolean flushed;

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
     * destination) prints just that server's script. Null prints the one script there is when only one server
     * has statements, and when both have, both for reading behind a {@code \quit}: two scripts are never one
     * script, and psql given the whole output runs nothing. Every script first checks that psql is on its server
     * ({@link #serverCheck}). {@code step} names the step in the headers (e.g. cleanup).
     */
    public void scriptPerServer(String only, String step) {
        scripts = new java.util.LinkedHashMap<>();
        scriptTargets = new java.util.LinkedHashMap<>();
        onlyRole = only;
        stepName = step;
    }

    /** Prints the collected scripts (see {@link #scriptPerServer}); nothing when not collecting, or after the first. */
    public void flushScripts() {
        if (scripts == null || flushed) {
            return;
        }
        flushed = true;
        List<String> roles = List.of("origin", "destination");
        String shown = onlyRole;
        if (shown == null && scripts.size() <= 1) {
            shown = scripts.isEmpty() ? null : scripts.keySet().iterator().next();
            if (shown == null) {
                out.script("-- " + stepName + " --dry-run: nothing to run on either server");
                return;
            }
        }
        if (shown == null) {
            out.script("-- " + stepName + " --dry-run: one psql script per server, shown for reading only.");
            out.script("-- To paste or pipe one into psql, print it alone: " + stepName
                    + " --dry-run --on origin (or --on destination).");
            out.script("\\echo 'two scripts for two servers, not run: print one with " + stepName
                    + " --dry-run --on origin|destination'");
            out.script("\\quit");
            for (String role : roles) {
                out.script("");
                out.script("-- ======== " + role + (scriptTargets.containsKey(role)
                        ? " (" + scriptTargets.get(role).endpoint() + ")" : "") + ": "
                        + (scripts.containsKey(role) ? "--on " + role : "nothing to run") + " ========");
                if (scripts.containsKey(role)) {
                    out.script(serverCheck(scriptTargets.get(role)));
                    scripts.get(role).forEach(out::script);
                }
            }
            return;
        }
        List<String> script = scripts.get(shown);
        if (script == null) {
            out.script("-- " + stepName + " --dry-run --on " + shown + ": nothing to run on " + shown);
        } else {
            Cluster target = scriptTargets.get(shown);
            out.script("-- psql script for " + shown + " (" + target.endpoint() + "): " + stepName + " --dry-run --on "
                    + shown);
            out.script(serverCheck(target));
            script.forEach(out::script); // one by one: each piece is masked on its own, as when not collected
        }
        for (String role : roles) {
            if (!role.equals(shown) && scripts.containsKey(role)) {
                out.note(stepName + " --dry-run: " + role + " has a script too (" + scripts.get(role).size()
                        + " statement(s)): print it with --on " + role);
            }
        }
    }

    /**
     * psql lines that stop the script unless psql is connected to the database and server version it is for:
     * a script for origin pasted into a session on destination runs nothing.
     */
    static String serverCheck(Cluster target) {
        var facts = target.facts();
        String database = facts.database();
        return "SELECT current_database() <> " + Sql.literal(database)
                + " OR current_setting('server_version_num')::int <> " + facts.versionNum()
                + " AS upshift_wrong_server \\gset\n"
                + "\\if :upshift_wrong_server\n"
                + "  \\echo 'this script is for " + target.role() + " (database " + database.replace("'", "")
                + ", PostgreSQL " + facts.version().replace("'", "") + "), not this session: nothing was run'\n"
                + "  \\quit\n"
                + "\\endif";
    }

    private void printFor(Cluster target, String sql) {
        if (scripts != null) {
            scripts.computeIfAbsent(target.role(), r -> new java.util.ArrayList<>()).add(sql);
            scriptTargets.put(target.role(), target);
            return;
        }
        if (target != lastTarget) {
            out.script("-- on " + target.role() + ": " + target.endpoint());
            out.script(serverCheck(target));
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
