package upshift.verify;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import upshift.connect.Cluster;
import upshift.sql.QualifiedName;
import upshift.sql.Queries;

/**
 * Which tables changed on one server since a moment: a <em>temporary</em> logical replication slot with the
 * test_decoding plugin, held by a session of its own, whose decoded changes are reduced (in SQL) to the distinct
 * relations that an INSERT, UPDATE, DELETE or TRUNCATE touched.
 *
 * <p>Every transaction that commits after {@link #start} returned is decoded by the slot (the slot is consistent
 * when creation returns), so a snapshot taken after {@code start} plus the relations decoded since cover every
 * change: a table that is not among them holds exactly what that snapshot saw. Changes between the slot's
 * consistent point and the snapshot only make a table look changed, which is safe.
 *
 * <p>The session is nobody else's: PostgreSQL drops a session's temporary slots on <em>any</em> error in it (and
 * when it ends), so the slot cannot share the session that verifies tables or freezes writes, where an error is
 * expected and handled. A slot lost for any reason (an error, the session ended, WAL removed under
 * {@code max_slot_wal_keep_size}) is reported by {@link #collect} as {@link Unavailable}, never as "nothing
 * changed". Decoding cannot see what leaves no row change in the WAL (a rewrite by ALTER TABLE, an unlogged table),
 * hence {@link #layouts}: callers compare tables' storage and column definitions too.
 */
public final class ChangedTables implements AutoCloseable {

    /** Why a slot could not be created or read; the caller falls back to verifying every table. */
    public static final class Unavailable extends Exception {

        private static final long serialVersionUID = 1L;

        public Unavailable(String reason, Throwable cause) {
            super(reason, cause);
        }
    }

    /**
     * One table's storage and columns on one side: {@code logged} false for an unlogged (or temporary) relation,
     * whose changes are not decoded; {@code digest} over its relfilenodes (a rewrite changes them) and its columns
     * (name, type, typmod, collation, dropped, generated, and an enum's labels).
     */
    public record Layout(boolean logged, String digest) {
    }

    private static final String IDENT = "(?:\"(?:[^\"]|\"\")*\"|[^\".,: ]+)";
    private static final String QUALIFIED = IDENT + "\\." + IDENT;

    /** test_decoding's "table s.t: INSERT: ..." and "table s.a, s.b: TRUNCATE: ...": the relation list. */
    static final String RELATIONS_PATTERN = "^table (" + QUALIFIED + "(?:, " + QUALIFIED
            + ")*): (?:INSERT|UPDATE|DELETE|TRUNCATE):";

    /** Consumes what the slot holds; one row per distinct relation list (a line that does not parse is kept). */
    private static final String CHANGES = """
            SELECT DISTINCT coalesce(m[1], data)
              FROM (SELECT data, pg_catalog.regexp_match(data, ?) AS m
                      FROM pg_catalog.pg_logical_slot_get_changes(?, NULL, NULL, 'skip-empty-xacts', '1',
                                                                  'include-xids', '0')
                     WHERE data LIKE 'table %') d
            """;

    private static final String CREATE = """
            SELECT lsn::text FROM pg_catalog.pg_create_logical_replication_slot(?, 'test_decoding', true)
            """;

    private static final String HELD = """
            SELECT active_pid = pg_catalog.pg_backend_pid() FROM pg_catalog.pg_replication_slots WHERE slot_name = ?
            """;

    /** Each named relation and, for a partition, the partitioned tables above it. */
    private static final String WITH_ANCESTORS = """
            SELECT an.nspname, ac.relname
              FROM unnest(?::text[], ?::text[]) AS x(s, r)
              JOIN pg_catalog.pg_namespace n ON n.nspname = x.s
              JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = x.r
             CROSS JOIN LATERAL pg_catalog.pg_partition_ancestors(c.oid) a(relid)
              JOIN pg_catalog.pg_class ac ON ac.oid = a.relid
              JOIN pg_catalog.pg_namespace an ON an.oid = ac.relnamespace
            """;

    /**
     * Each table's layout in one statement. The pg_class lookup per relation is a LATERAL subquery kept apart
     * (OFFSET 0): as a plain join the planner, expecting 1,000 rows from pg_partition_tree, hashed and scanned all of
     * pg_class once per table (460 ms at 500 tables, 12 ms this way).
     */
    private static final String LAYOUTS = """
            SELECT x.s, x.r, bool_and(c.relpersistence = 'p'),
                   md5(string_agg(c.oid::text || ':' || c.relfilenode::text || ':' || coalesce((
                       SELECT string_agg(concat_ws(' ', a.attnum, a.attname, a.atttypid, a.atttypmod, a.attcollation,
                                                   a.attisdropped, a.attgenerated, (
                                  SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumtypid, e.enumsortorder)
                                    FROM pg_catalog.pg_type ty
                                    JOIN pg_catalog.pg_enum e ON e.enumtypid IN (ty.oid, ty.typelem, ty.typbasetype)
                                   WHERE ty.oid = a.atttypid)), ';' ORDER BY a.attnum)
                         FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0), ''),
                       '|' ORDER BY c.oid))
              FROM unnest(?::text[], ?::text[]) AS x(s, r)
              JOIN pg_catalog.pg_namespace n ON n.nspname = x.s
              JOIN pg_catalog.pg_class t ON t.relnamespace = n.oid AND t.relname = x.r
             CROSS JOIN LATERAL (SELECT t.oid UNION SELECT relid FROM pg_catalog.pg_partition_tree(t.oid)) m(relid)
             CROSS JOIN LATERAL (SELECT c.* FROM pg_catalog.pg_class c WHERE c.oid = m.relid OFFSET 0) c
             GROUP BY x.s, x.r
            """;

    /** Sessions holding a transaction id (slot creation waits for each), and prepared transactions. */
    private static final String WAITED_FOR = """
            SELECT coalesce((SELECT string_agg(format('pid %s (%s, database %s, %s, since %s)', pid,
                                                      coalesce(usename::text, '?'), coalesce(datname::text, '?'),
                                                      coalesce(state, '?'), xact_start), ', ')
                               FROM pg_catalog.pg_stat_activity
                              WHERE backend_xid IS NOT NULL AND pid <> pg_catalog.pg_backend_pid()), 'none visible')
                   || coalesce((SELECT '; prepared transactions ' || string_agg(quote_literal(gid), ', ')
                                  FROM pg_catalog.pg_prepared_xacts), '')
            """;

    private final String role;
    private final String slot;
    private final String startLsn;
    private Connection session;
    private final Set<QualifiedName> changed = new LinkedHashSet<>();
    private final List<String> unreadable = new ArrayList<>();

    private ChangedTables(String role, String slot, String startLsn, Connection session) {
        this.role = role;
        this.slot = slot;
        this.startLsn = startLsn;
        this.session = session;
    }

    /**
     * Opens a session of its own on the cluster and creates the temporary slot there. Creating a logical slot waits
     * until every transaction holding a transaction id on that server (any database, prepared ones included) has
     * ended; it waits at most {@code timeout}. Throws {@link Unavailable} with the reason when the server cannot
     * decode (wal_level, the plugin, the role's rights, no free slot) or the wait timed out.
     */
    public static ChangedTables start(Cluster cluster, String slot, Duration timeout) throws Unavailable {
        Connection c;
        try {
            c = cluster.openAnother();
        } catch (RuntimeException e) {
            throw new Unavailable("cannot open a second session on " + cluster.role() + ": " + e.getMessage(), e);
        }
        try {
            String walLevel = Queries.single(c, "SELECT pg_catalog.current_setting('wal_level')");
            if (!"logical".equals(walLevel)) {
                throw new Unavailable("wal_level is " + walLevel + " on " + cluster.role()
                        + " (decoding needs wal_level = logical)", null);
            }
            try (Statement st = c.createStatement()) {
                st.execute("SET statement_timeout = " + Math.max(1, timeout.toMillis()));
            }
            String lsn;
            try (PreparedStatement st = c.prepareStatement(CREATE)) {
                st.setString(1, slot);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    lsn = rs.getString(1);
                }
            } catch (SQLException e) {
                throw new Unavailable(createFailure(cluster, e, timeout), e);
            }
            try (Statement st = c.createStatement()) {
                st.execute("SET statement_timeout = 0");
            }
            return new ChangedTables(cluster.role(), slot, lsn, c);
        } catch (Unavailable e) {
            closeQuietly(c);
            throw e;
        } catch (SQLException e) {
            closeQuietly(c);
            throw new Unavailable("cannot prepare a slot on " + cluster.role() + ": " + Queries.firstLine(e.getMessage()), e);
        }
    }

    private static String createFailure(Cluster cluster, SQLException e, Duration timeout) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String where = " on " + cluster.role();
        return switch (state) {
            case "57014" -> "creating the slot" + where + " waited " + timeout.toSeconds() + " s for the transactions"
                    + " running there to end (a logical slot waits for every transaction holding a transaction id,"
                    + " in any database, prepared ones too): " + waitedFor(cluster);
            case "42501" -> "the role may not create replication slots" + where + " (it needs REPLICATION; on RDS"
                    + " rds_replication): " + Queries.firstLine(e.getMessage());
            case "53400" -> "no free replication slot" + where + " (max_replication_slots): "
                    + Queries.firstLine(e.getMessage());
            case "58P01" -> "the test_decoding plugin is not installed" + where + ": " + Queries.firstLine(e.getMessage());
            default -> "cannot create a test_decoding slot" + where + ": " + Queries.firstLine(e.getMessage());
        };
    }

    private static String waitedFor(Cluster cluster) {
        try {
            String who = Queries.single(cluster.connection(), WAITED_FOR);
            return who == null ? "none visible" : who;
        } catch (SQLException | RuntimeException e) {
            return "(cannot list them: " + Queries.firstLine(e.getMessage()) + ")";
        }
    }

    /** The slot's name. */
    public String slot() {
        return slot;
    }

    /** Where decoding starts: the slot's consistent point. */
    public String startLsn() {
        return startLsn;
    }

    public String role() {
        return role;
    }

    /**
     * Decodes (and consumes) everything the slot holds up to now, adding the relations changed to {@link #changed}.
     * Throws {@link Unavailable} when the slot is gone or cannot be read: then nothing is known.
     */
    public void collect() throws Unavailable {
        if (session == null) {
            throw new Unavailable("the slot on " + role + " was already dropped", null);
        }
        try {
            Boolean held = Queries.single(session, HELD, slot);
            if (held == null) {
                throw new Unavailable("temporary slot " + slot + " on " + role + " is gone (PostgreSQL drops a"
                        + " session's temporary slots on any error in it)", null);
            }
            if (!held) {
                throw new Unavailable("slot " + slot + " on " + role + " is held by another session", null);
            }
            try (PreparedStatement st = session.prepareStatement(CHANGES)) {
                st.setString(1, RELATIONS_PATTERN);
                st.setString(2, slot);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        String text = rs.getString(1);
                        List<QualifiedName> relations = parse(text);
                        if (relations == null) {
                            unreadable.add(text.length() > 200 ? text.substring(0, 200) + "..." : text);
                        } else {
                            changed.addAll(relations);
                        }
                    }
                }
            }
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            throw new Unavailable((state.startsWith("08") ? "the session holding slot " + slot + " on " + role
                    + " ended" : "cannot decode slot " + slot + " on " + role) + ": " + Queries.firstLine(e.getMessage()), e);
        }
    }

    /** The relations decoded so far, as test_decoding names them (partitions by their own name). */
    public Set<QualifiedName> changed() {
        return Set.copyOf(changed);
    }

    /** Decoded lines whose relation could not be read: when any, every table must be treated as changed. */
    public List<String> unreadable() {
        return List.copyOf(unreadable);
    }

    /** The relations decoded so far, each with the partitioned tables above it (a change to a partition is one). */
    public Set<QualifiedName> changedWithAncestors() throws Unavailable {
        Set<QualifiedName> all = new LinkedHashSet<>(changed);
        if (changed.isEmpty()) {
            return all;
        }
        try (PreparedStatement st = session.prepareStatement(WITH_ANCESTORS)) {
            Queries.bindNames(session, st, new ArrayList<>(changed));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    all.add(new QualifiedName(rs.getString(1), rs.getString(2)));
                }
            }
        } catch (SQLException e) {
            throw new Unavailable("cannot read partition ancestors on " + role + ": " + Queries.firstLine(e.getMessage()), e);
        }
        return all;
    }

    /** Each table's {@link Layout} in this slot's session; a table the server lacks has none. */
    public Map<QualifiedName, Layout> layouts(List<QualifiedName> tables) throws Unavailable {
        try {
            return layouts(session, tables);
        } catch (SQLException e) {
            throw new Unavailable("cannot read the tables' definitions on " + role + ": " + Queries.firstLine(e.getMessage()),
                    e);
        }
    }

    static Map<QualifiedName, Layout> layouts(Connection c, List<QualifiedName> tables) throws SQLException {
        Map<QualifiedName, Layout> layouts = new LinkedHashMap<>();
        try (PreparedStatement st = c.prepareStatement(LAYOUTS)) {
            Queries.bindNames(c, st, tables);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    layouts.put(new QualifiedName(rs.getString(1), rs.getString(2)),
                            new Layout(rs.getBoolean(3), rs.getString(4)));
                }
            }
        }
        return layouts;
    }

    /** Drops the slot (it would go with the session anyway) and closes the session. Idempotent. */
    @Override
    public void close() {
        if (session == null) {
            return;
        }
        try (PreparedStatement st = session.prepareStatement(
                "SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots"
                        + " WHERE slot_name = ? AND active_pid = pg_catalog.pg_backend_pid()")) {
            st.setString(1, slot);
            st.execute();
        } catch (SQLException ignored) {
            // closing the session below drops a temporary slot all the same
        } finally {
            closeQuietly(session);
            session = null;
        }
    }

    // ---- parsing test_decoding's relation lists --------------------------------------------------------------

    /**
     * "s.t" or "s.a, s.b" (each part quoted as quote_identifier does, or not), optionally followed by test_decoding's
     * ": OP:" and the rest; null when it does not parse.
     */
    static List<QualifiedName> parse(String text) {
        if (text == null) {
            return null;
        }
        int[] pos = {text.startsWith("table ") ? "table ".length() : 0};
        List<QualifiedName> names = new ArrayList<>();
        while (true) {
            String schema = ident(text, pos);
            if (schema == null || pos[0] >= text.length() || text.charAt(pos[0]) != '.') {
                return null;
            }
            pos[0]++;
            String name = ident(text, pos);
            if (name == null) {
                return null;
            }
            names.add(new QualifiedName(schema, name));
            if (pos[0] == text.length() || text.startsWith(": ", pos[0])) {
                return names;
            }
            if (!text.startsWith(", ", pos[0])) {
                return null;
            }
            pos[0] += 2;
        }
    }

    private static String ident(String text, int[] pos) {
        int i = pos[0];
        if (i >= text.length()) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        if (text.charAt(i) == '"') {
            i++;
            while (true) {
                if (i >= text.length()) {
                    return null;
                }
                char ch = text.charAt(i);
                if (ch == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        sb.append('"');
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                sb.append(ch);
                i++;
            }
            if (sb.isEmpty()) {
                return null;
            }
        } else {
            while (i < text.length() && ".,: \"".indexOf(text.charAt(i)) < 0) {
                sb.append(text.charAt(i));
                i++;
            }
            if (sb.isEmpty()) {
                return null;
            }
        }
        pos[0] = i;
        return sb.toString();
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // nothing more to do with a broken session
        }
    }
}
