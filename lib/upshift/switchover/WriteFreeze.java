package upshift.switchover;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import upshift.UpshiftException;
import upshift.migration.MigrationNames;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;

/**
 * Stops the application writing to the replicated tables of the server being left, without stopping a
 * subscription's apply worker there.
 *
 * <ul>
 * <li><b>hard</b> (default): a BEFORE INSERT/UPDATE/DELETE row trigger and a BEFORE TRUNCATE trigger on every
 * published table, calling a function that raises SQLSTATE 25006 (read_only_sql_transaction). Ordinary triggers
 * fire in every session whose session_replication_role is origin (superusers included, whatever
 * default_transaction_read_only, BEGIN READ WRITE or PGOPTIONS say) and never in an apply worker, which runs as
 * replica. It works when the application and upshift share a role.
 * <p>It comes in two steps, so that the freeze itself is one small transaction. <em>Arming</em>, before the
 * freeze: the function is created letting every write through, and the triggers are created with it in small
 * transactions of {@link #ARM_BATCH} tables each (a walsender decodes a transaction of 1,000 CREATE TRIGGER in about
 * a second, since each command replays the transaction's invalidations so far; small ones cost it milliseconds).
 * <em>Freezing</em>: one transaction locks every published table IN SHARE ROW EXCLUSIVE MODE — the lock CREATE
 * TRIGGER takes, which waits for every open transaction that wrote those tables, so when the freeze commits every
 * earlier write is committed — and replaces the function's body with the one that rejects. A writer after the
 * commit acquires its table lock anew, which makes it read the new catalog (the function's new body), whatever its
 * snapshot. Tables this role may not lock (it needs UPDATE, DELETE or TRUNCATE on them for that) are not armed:
 * their triggers are created inside the freeze, as before.</li>
 * <li><b>soft</b>: {@code ALTER ROLE app IN DATABASE db SET default_transaction_read_only = on} for each application
 * role and its sessions terminated. A session can opt out, so it only suits an application that never does.</li>
 * <li><b>none</b>: the operator has stopped the application.</li>
 * </ul>
 */
public final class WriteFreeze {

    public enum Mode {
        HARD, SOFT, NONE;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Non-superuser login roles other than the managed services' own and PostgreSQL's predefined ones. */
    private static final String APPLICATION_ROLES = """
            SELECT rolname FROM pg_catalog.pg_roles
             WHERE rolcanlogin AND NOT rolsuper
               AND rolname <> current_user
               AND rolname !~ '^(pg_|rds|aurora)'
             ORDER BY rolname
            """;

    private static final String FROZEN_ROLES = """
            SELECT r.rolname
              FROM pg_catalog.pg_db_role_setting s
              JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
             WHERE s.setdatabase = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
               AND EXISTS (SELECT 1 FROM unnest(s.setconfig) AS c(setting)
                            WHERE c.setting ~* '^default_transaction_read_only=(on|1|t|tr|tru|true|y|ye|yes)$')
             ORDER BY r.rolname
            """;

    private static final String TERMINATE = """
            SELECT a.pid, pg_catalog.pg_terminate_backend(a.pid)
              FROM pg_catalog.pg_stat_activity a
             WHERE a.datname = current_database()
               AND a.usename = ANY (?)
               AND a.pid <> pg_catalog.pg_backend_pid()
               AND a.backend_type = 'client backend'
               AND a.backend_start >= coalesce(?::timestamptz, '-infinity')
            """;

    private static final String STILL_RUNNING = """
            SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE pid = ANY (?)
            """;

    /** Tables carrying the freeze triggers; %s: whether the function must be the one that rejects. */
    private static final String TRIGGERED_TABLES = """
            SELECT DISTINCT n.nspname, c.relname
              FROM pg_catalog.pg_trigger t
              JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
             WHERE p.proname = ? AND t.tgname IN (?, ?) %s
             ORDER BY 1, 2
            """;

    /** The rejecting body says this; the armed one does not. */
    private static final String FROZEN_MARK = "writes are frozen (read-only) by upshift";

    private static final String FUNCTION_FROZEN = """
            SELECT bool_or(p.prosrc LIKE '%' || ? || '%') FROM pg_catalog.pg_proc p
             WHERE p.proname = ? AND p.pronargs = 0 AND p.prorettype = 'pg_catalog.trigger'::pg_catalog.regtype
            """;

    /** Tables this role may lock IN SHARE ROW EXCLUSIVE MODE (UPDATE, DELETE or TRUNCATE; MAINTAIN from 17). */
    private static final String LOCKABLE = """
            SELECT n.nspname, c.relname
              FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest(?::text[], ?::text[]))
               AND pg_catalog.has_table_privilege(c.oid, 'UPDATE, DELETE, TRUNCATE')
             ORDER BY 1, 2
            """;

    /** Tables armed per transaction: few enough that decoding the transaction stays cheap. */
    static final int ARM_BATCH = 10;

    private static final String FREEZE_FUNCTION = """
            SELECT n.nspname FROM pg_catalog.pg_proc p
              JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
             WHERE p.proname = ? AND p.pronargs = 0 AND p.prorettype = 'pg_catalog.trigger'::pg_catalog.regtype
             ORDER BY 1
            """;

    private static final String NO_TRIGGER_RIGHT = """
            SELECT n.nspname, c.relname
              FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest(?::text[], ?::text[]))
               AND NOT pg_catalog.has_table_privilege(c.oid, 'TRIGGER')
             ORDER BY 1, 2
            """;

    private static final String CREATE_RIGHT = "SELECT pg_catalog.has_schema_privilege(?, 'CREATE')";

    /** How long terminated sessions get to end (a backend finishing a commit is not interrupted mid-way). */
    private static final long TERMINATION_WAIT_MILLIS = 30_000;

    private WriteFreeze() {
    }

    // ---- hard: triggers -------------------------------------------------------------------------------------

    /** The trigger function's name: {@code NAME_write_freeze}. */
    public static String functionName(MigrationNames names) {
        return names.name() + "_write_freeze";
    }

    static String rowTrigger(MigrationNames names) {
        return names.name() + "_freeze_row";
    }

    static String truncateTrigger(MigrationNames names) {
        return names.name() + "_freeze_trunc";
    }

    /** The tables that reject writes now: they carry this migration's freeze triggers, and the freeze is on. */
    public static List<QualifiedName> frozenTables(Connection server, MigrationNames names) throws SQLException {
        return names(server, String.format(TRIGGERED_TABLES, "AND p.prosrc LIKE '%' || ? || '%'"),
                functionName(names), rowTrigger(names), truncateTrigger(names), FROZEN_MARK);
    }

    /** The tables that carry this migration's freeze triggers now, armed or frozen (what lifting removes). */
    public static List<QualifiedName> triggeredTables(Connection server, MigrationNames names) throws SQLException {
        return names(server, String.format(TRIGGERED_TABLES, ""), functionName(names), rowTrigger(names),
                truncateTrigger(names));
    }

    /** Whether this migration's freeze function rejects writes now (false: armed, or there is none). */
    public static boolean functionFrozen(Connection server, MigrationNames names) throws SQLException {
        try (PreparedStatement st = server.prepareStatement(FUNCTION_FROZEN)) {
            st.setString(1, FROZEN_MARK);
            st.setString(2, functionName(names));
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** Of those tables, the ones this role may lock for the freeze's barrier (the others are not armed). */
    public static List<QualifiedName> lockable(Connection server, List<QualifiedName> tables) throws SQLException {
        List<QualifiedName> found = new ArrayList<>();
        try (PreparedStatement st = server.prepareStatement(LOCKABLE)) {
            st.setArray(1, server.createArrayOf("text", tables.stream().map(QualifiedName::schema).toArray()));
            st.setArray(2, server.createArrayOf("text", tables.stream().map(QualifiedName::name).toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    found.add(new QualifiedName(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return found;
    }

    /** The schema holding this migration's freeze function, or null. */
    public static String functionSchema(Connection server, MigrationNames names) throws SQLException {
        try (PreparedStatement st = server.prepareStatement(FREEZE_FUNCTION)) {
            st.setString(1, functionName(names));
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /**
     * Why a hard freeze cannot be installed by this session (empty when it can): tables it may not put a trigger
     * on, or no schema of those tables it may create the trigger function in.
     */
    public static List<String> hardFreezeProblems(Connection server, List<QualifiedName> tables) throws SQLException {
        List<String> problems = new ArrayList<>();
        List<QualifiedName> denied = new ArrayList<>();
        try (PreparedStatement st = server.prepareStatement(NO_TRIGGER_RIGHT)) {
            st.setArray(1, server.createArrayOf("text", tables.stream().map(QualifiedName::schema).toArray()));
            st.setArray(2, server.createArrayOf("text", tables.stream().map(QualifiedName::name).toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    denied.add(new QualifiedName(rs.getString(1), rs.getString(2)));
                }
            }
        }
        if (!denied.isEmpty()) {
            problems.add("this role may not create triggers on " + denied.size() + " published table(s) "
                    + denied.subList(0, Math.min(5, denied.size())) + (denied.size() > 5 ? " ..." : "")
                    + ": connect as their owner, or GRANT TRIGGER ON them, or use --freeze soft");
        }
        if (schemaForFunction(server, tables) == null) {
            problems.add("this role may not create a function in any schema of the published tables: GRANT CREATE"
                    + " ON SCHEMA " + Sql.ident(tables.isEmpty() ? "public" : tables.get(0).schema())
                    + ", or use --freeze soft");
        }
        return problems;
    }

    /** The first schema (in table order) of the tables where this role may create the trigger function. */
    static String schemaForFunction(Connection server, List<QualifiedName> tables) throws SQLException {
        Set<String> schemas = new LinkedHashSet<>();
        tables.forEach(t -> schemas.add(t.schema()));
        for (String schema : schemas) {
            try (PreparedStatement st = server.prepareStatement(CREATE_RIGHT)) {
                st.setString(1, schema);
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        return schema;
                    }
                }
            }
        }
        return null;
    }

    /**
     * Arming, before the freeze: the function letting every write through (only when there is none: an existing one
     * may be frozen already), then the triggers on {@code tables}, {@link #ARM_BATCH} tables per transaction. Each
     * element is one multi-statement string holding its own BEGIN and COMMIT: one round trip for the lot, and a
     * failure leaves the batches before it armed, which is harmless (they let writes through) and which the next
     * run, --abort and switchback's lift all remove or reuse.
     */
    public static List<String> armStatements(MigrationNames names, String functionSchema, boolean functionExists,
            List<QualifiedName> tables, String lockTimeout) {
        String function = Sql.qualified(functionSchema, functionName(names));
        List<String> sql = new ArrayList<>();
        if (!functionExists) {
            sql.add(functionSql(names, function, false));
        }
        for (int from = 0; from < tables.size(); from += ARM_BATCH) {
            StringBuilder batch = new StringBuilder("BEGIN;\nSET LOCAL lock_timeout = " + Sql.literal(lockTimeout)
                    + ";\n");
            for (QualifiedName t : tables.subList(from, Math.min(tables.size(), from + ARM_BATCH))) {
                triggers(names, function, t).forEach(x -> batch.append(x).append(";\n"));
            }
            sql.add(batch.append("COMMIT").toString());
        }
        return sql;
    }

    /**
     * The freeze, one transaction (all or nothing): lock every published table (the barrier: it waits for the open
     * write transactions, at most lock_timeout), create the triggers on the tables not armed, and replace the
     * function's body with the one that rejects. {@code locked} are the tables this role may lock (arming armed
     * those); the triggers CREATE TRIGGER makes on the others take the same lock.
     */
    public static List<String> hardFreezeStatements(MigrationNames names, String functionSchema,
            List<QualifiedName> locked, List<QualifiedName> unarmed, String lockTimeout) {
        String function = Sql.qualified(functionSchema, functionName(names));
        List<String> sql = new ArrayList<>();
        sql.add("SET LOCAL lock_timeout = " + Sql.literal(lockTimeout));
        if (!locked.isEmpty()) {
            sql.add("LOCK TABLE " + String.join(", ", locked.stream().map(QualifiedName::sql).toList())
                    + " IN SHARE ROW EXCLUSIVE MODE");
        }
        for (QualifiedName t : unarmed) {
            sql.addAll(triggers(names, function, t));
        }
        sql.add(functionSql(names, function, true));
        return sql;
    }

    private static List<String> triggers(MigrationNames names, String function, QualifiedName t) {
        return List.of("CREATE TRIGGER " + Sql.ident(rowTrigger(names)) + " BEFORE INSERT OR UPDATE OR DELETE ON "
                + t.sql() + " FOR EACH ROW EXECUTE FUNCTION " + function + "()",
                "CREATE TRIGGER " + Sql.ident(truncateTrigger(names)) + " BEFORE TRUNCATE ON " + t.sql()
                        + " FOR EACH STATEMENT EXECUTE FUNCTION " + function + "()");
    }

    /** The trigger function: rejecting (frozen) or letting every write through (armed). */
    private static String functionSql(MigrationNames names, String function, boolean frozen) {
        String body = frozen
                ? "  RAISE EXCEPTION 'cannot % %.%: " + FROZEN_MARK + ", migration " + names.name()
                        + ", while the database moves to another server', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME\n"
                        + "    USING ERRCODE = 'read_only_sql_transaction',\n"
                        + "          HINT = 'write to the new primary; upshift switchover --abort or switchback lifts"
                        + " this';\n"
                : "  -- armed by upshift, migration " + names.name() + ": writes pass until the freeze replaces"
                        + " this body\n"
                        + "  IF TG_LEVEL = 'ROW' THEN\n"
                        + "    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n"
                        + "    RETURN NEW;\n"
                        + "  END IF;\n"
                        + "  RETURN NULL;\n";
        return "CREATE OR REPLACE FUNCTION " + function + "() RETURNS trigger LANGUAGE plpgsql AS $upshift$\n"
                + "BEGIN\n" + body + "END\n$upshift$";
    }

    /** The statements that lift the hard freeze: its triggers, then its function. */
    public static List<String> hardUnfreezeStatements(MigrationNames names, String functionSchema,
            List<QualifiedName> frozen) {
        List<String> sql = new ArrayList<>();
        for (QualifiedName t : frozen) {
            sql.add("DROP TRIGGER IF EXISTS " + Sql.ident(rowTrigger(names)) + " ON " + t.sql());
            sql.add("DROP TRIGGER IF EXISTS " + Sql.ident(truncateTrigger(names)) + " ON " + t.sql());
        }
        if (functionSchema != null) {
            sql.add("DROP FUNCTION IF EXISTS " + Sql.qualified(functionSchema, functionName(names)) + "()");
        }
        return sql;
    }

    // ---- soft: role settings --------------------------------------------------------------------------------

    /** The roles to freeze: the ones given, or every non-superuser login role except upshift's own. */
    public static List<String> applicationRoles(Connection server, List<String> given) throws SQLException {
        if (given != null && !given.isEmpty()) {
            return List.copyOf(given);
        }
        return strings(server, APPLICATION_ROLES);
    }

    /** The roles read-only in this database now (whoever set it, with any spelling of true PostgreSQL accepts). */
    public static List<String> frozenRoles(Connection server) throws SQLException {
        return strings(server, FROZEN_ROLES);
    }

    public static List<String> softFreezeStatements(String database, List<String> roles) {
        return roles.stream().map(role -> "ALTER ROLE " + Sql.ident(role) + " IN DATABASE " + Sql.ident(database)
                + " SET default_transaction_read_only = on").toList();
    }

    public static List<String> softUnfreezeStatements(String database, List<String> roles) {
        return roles.stream().map(role -> "ALTER ROLE " + Sql.ident(role) + " IN DATABASE " + Sql.ident(database)
                + " RESET default_transaction_read_only").toList();
    }

    /**
     * Terminates the roles' client sessions in this database (those started at or after {@code since}, or all when
     * it is null) and waits until they are gone: pg_terminate_backend only signals, and a backend that is committing
     * finishes first. Returns how many sessions were ended.
     */
    public static int terminateSessions(Connection server, List<String> roles, String since) throws SQLException {
        if (roles.isEmpty()) {
            return 0;
        }
        List<Integer> pids = new ArrayList<>();
        try (PreparedStatement st = server.prepareStatement(TERMINATE)) {
            st.setArray(1, server.createArrayOf("text", roles.toArray()));
            st.setString(2, since);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    pids.add(rs.getInt(1));
                }
            }
        }
        long deadline = System.currentTimeMillis() + TERMINATION_WAIT_MILLIS;
        try (PreparedStatement st = server.prepareStatement(STILL_RUNNING)) {
            st.setArray(1, server.createArrayOf("int4", pids.toArray()));
            while (!pids.isEmpty()) {
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) == 0) {
                        break;
                    }
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new UpshiftException("terminated application sessions are still running after "
                            + TERMINATION_WAIT_MILLIS / 1000 + " s", "see pg_stat_activity; re-run, or --abort");
                }
                Pause.millis(50);
            }
        }
        return pids.size();
    }

    /** The terminate query as SQL for a --dry-run script. */
    public static String terminateSql(List<String> roles) {
        return TERMINATE.strip().replace("ANY (?)", "ANY (ARRAY[" + String.join(", ",
                roles.stream().map(Sql::literal).toList()) + "]::text[])")
                .replace("coalesce(?::timestamptz, '-infinity')", "'-infinity'");
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private static List<String> strings(Connection server, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (PreparedStatement st = server.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    private static List<QualifiedName> names(Connection server, String sql, String... params) throws SQLException {
        List<QualifiedName> names = new ArrayList<>();
        try (PreparedStatement st = server.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setString(i + 1, params[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    names.add(new QualifiedName(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return names;
    }
}
