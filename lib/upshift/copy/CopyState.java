package upshift.copy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import upshift.sql.Sql;

/**
 * The snapshot copy's durable record on destination, in schema {@code upshift}: one row per subscription with its
 * phase, the chunks already copied, and the definitions of the indexes and constraints dropped for the copy (so that a
 * crash never loses them). Every change to the data and to this record commits in one transaction.
 */
public final class CopyState {

    /** Where the copy of one subscription stands. */
    public enum Phase {
        /** created by create-subscription; nothing copied, nothing dropped. */
        PENDING,
        /** the slot exists and rows are being copied under its snapshot (lost when that process ends). */
        COPYING,
        /** every row is copied; dropped indexes and constraints are being rebuilt. */
        REBUILDING,
        /** every row copied, every index and constraint back. */
        DONE;

        String code() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static Phase of(String code) {
            return valueOf(code.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /** One index or constraint dropped for the copy, and the statement that rebuilds it. */
    public record Deferred(int seq, String kind, String table, String name, String create, boolean validate) {
        public boolean foreignKey() {
            return kind.equals(FOREIGN_KEY);
        }
    }

    public static final String SCHEMA = "upshift";
    static final String FOREIGN_KEY = "foreign key";
    /** The unique index of a primary key or unique constraint, built first; dropped with its constraint. */
    static final String CONSTRAINT_INDEX = "constraint index";
    /** A primary key or unique constraint added onto its index once that is built ({@code USING INDEX}). */
    static final String USING_INDEX = "constraint using index";
    static final String STATE = Sql.ident(SCHEMA) + ".initial_copy";
    static final String CHUNKS = Sql.ident(SCHEMA) + ".copied_chunk";
    static final String DEFERRED = Sql.ident(SCHEMA) + ".deferred_object";

    private CopyState() {
    }

    /**
     * The statements that create the record (idempotent) and mark {@code subscription} pending; run when the
     * subscription is created.
     */
    public static List<String> createStatements(String subscription) {
        return List.of("CREATE SCHEMA IF NOT EXISTS " + Sql.ident(SCHEMA),
                "CREATE TABLE IF NOT EXISTS " + STATE + " (subscription text PRIMARY KEY, phase text NOT NULL,"
                        + " snapshot text, started timestamptz, finished timestamptz)",
                "CREATE TABLE IF NOT EXISTS " + CHUNKS + " (subscription text, table_name text, chunk int,"
                        + " copied_rows bigint NOT NULL, PRIMARY KEY (subscription, table_name, chunk))",
                "CREATE TABLE IF NOT EXISTS " + DEFERRED + " (subscription text, seq int, kind text NOT NULL,"
                        + " table_name text NOT NULL, object_name text NOT NULL, create_statement text NOT NULL,"
                        + " validate boolean NOT NULL, PRIMARY KEY (subscription, seq))",
                // a new subscription of an old name (after cleanup) starts over; deferred objects stay recorded
                "DELETE FROM " + CHUNKS + " WHERE subscription = " + Sql.literal(subscription),
                "INSERT INTO " + STATE + " (subscription, phase) VALUES (" + Sql.literal(subscription) + ", 'pending')"
                        + " ON CONFLICT (subscription) DO UPDATE SET phase = 'pending', snapshot = NULL,"
                        + " started = NULL, finished = NULL");
    }

    /** The phase of {@code subscription}'s snapshot copy, or empty when it has none (native table sync). */
    public static Optional<Phase> phase(Connection destination, String subscription) throws SQLException {
        if (!exists(destination)) {
            return Optional.empty();
        }
        try (PreparedStatement st = destination.prepareStatement("SELECT phase FROM " + STATE
                + " WHERE subscription = ?")) {
            st.setString(1, subscription);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? Optional.of(Phase.of(rs.getString(1))) : Optional.empty();
            }
        }
    }

    /**
     * Why {@code monitor --until ready} must keep waiting for the snapshot copy, or null when there is nothing to
     * wait for (no snapshot copy, or done). Read-only; works for any role that may read the record.
     */
    public static String pendingReason(Connection destination, String subscription) throws SQLException {
        Optional<Phase> phase = phase(destination, subscription);
        if (phase.isEmpty() || phase.get() == Phase.DONE) {
            return null;
        }
        return switch (phase.get()) {
            case PENDING -> "the snapshot copy has not started (enable-subscription runs it)";
            case COPYING -> "the snapshot copy is under way, or was interrupted (" + chunkCount(destination,
                    subscription) + " chunks copied; re-run enable-subscription to restart it)";
            default -> "the snapshot copy is rebuilding indexes and constraints (" + deferred(destination,
                    subscription).size() + " still to rebuild; re-run enable-subscription if it was interrupted)";
        };
    }

    static boolean exists(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT to_regclass(" + Sql.literal(STATE) + ") IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    static void setPhase(Connection c, String subscription, Phase phase, String snapshot) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("UPDATE " + STATE + " SET phase = ?, snapshot = ?,"
                + " started = CASE WHEN ? = 'copying' THEN now() ELSE started END,"
                + " finished = CASE WHEN ? = 'done' THEN now() END WHERE subscription = ?")) {
            st.setString(1, phase.code());
            st.setString(2, snapshot);
            st.setString(3, phase.code());
            st.setString(4, phase.code());
            st.setString(5, subscription);
            st.executeUpdate();
        }
    }

    static Set<String> doneChunks(Connection c, String subscription) throws SQLException {
        Set<String> done = new HashSet<>();
        try (PreparedStatement st = c.prepareStatement("SELECT table_name, chunk FROM " + CHUNKS
                + " WHERE subscription = ?")) {
            st.setString(1, subscription);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    done.add(rs.getString(1) + "#" + rs.getInt(2));
                }
            }
        }
        return done;
    }

    static long chunkCount(Connection c, String subscription) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT count(*) FROM " + CHUNKS + " WHERE subscription = ?")) {
            st.setString(1, subscription);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Records a copied chunk; called inside the transaction that copied it. */
    static void chunkDone(Connection c, String subscription, TableChunk chunk, long rows) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("INSERT INTO " + CHUNKS
                + " (subscription, table_name, chunk, copied_rows) VALUES (?, ?, ?, ?)")) {
            st.setString(1, subscription);
            st.setString(2, chunk.table().sql());
            st.setInt(3, chunk.index());
            st.setLong(4, rows);
            st.executeUpdate();
        }
    }

    static void forgetChunks(Connection c, String subscription) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("DELETE FROM " + CHUNKS + " WHERE subscription = ?")) {
            st.setString(1, subscription);
            st.executeUpdate();
        }
    }

    static List<Deferred> deferred(Connection c, String subscription) throws SQLException {
        List<Deferred> list = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement("SELECT seq, kind, table_name, object_name, create_statement,"
                + " validate FROM " + DEFERRED + " WHERE subscription = ? ORDER BY seq")) {
            st.setString(1, subscription);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    list.add(new Deferred(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getBoolean(6)));
                }
            }
        }
        return list;
    }

    static void recordDeferred(Connection c, String subscription, Deferred d) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("INSERT INTO " + DEFERRED + " (subscription, seq, kind,"
                + " table_name, object_name, create_statement, validate) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            st.setString(1, subscription);
            st.setInt(2, d.seq());
            st.setString(3, d.kind());
            st.setString(4, d.table());
            st.setString(5, d.name());
            st.setString(6, d.create());
            st.setBoolean(7, d.validate());
            st.executeUpdate();
        }
    }

    static void rebuilt(Connection c, String subscription, Deferred d) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("DELETE FROM " + DEFERRED + " WHERE subscription = ?"
                + " AND seq = ?")) {
            st.setString(1, subscription);
            st.setInt(2, d.seq());
            st.executeUpdate();
        }
    }

    /**
     * What cleanup finds of one subscription's record on destination.
     *
     * @param present         the record's tables exist on this server
     * @param recorded        the subscription has a record (a snapshot copy was set up for it)
     * @param notRebuilt      indexes and constraints dropped for its copy and never rebuilt (an interrupted copy)
     * @param othersRecorded  another subscription (another migration name) still has a record here
     * @param schemaHoldsMore the schema holds objects that are not the record's own tables
     */
    public record Leftover(boolean present, boolean recorded, List<Deferred> notRebuilt, boolean othersRecorded,
            boolean schemaHoldsMore) {

        /** Nothing but this subscription's finished record is there: the record's tables and schema can go. */
        public boolean schemaCanGo() {
            return present && notRebuilt.isEmpty() && !othersRecorded && !schemaHoldsMore;
        }
    }

    /** Reads what {@link #forgetStatements} decides on; read-only. */
    public static Leftover leftover(Connection destination, String subscription) throws SQLException {
        if (!exists(destination)) {
            return new Leftover(false, false, List.of(), false, false);
        }
        boolean recorded;
        boolean others;
        boolean more;
        try (PreparedStatement st = destination.prepareStatement("SELECT"
                + " EXISTS (SELECT FROM " + STATE + " WHERE subscription = ?),"
                + " EXISTS (SELECT FROM " + STATE + " WHERE subscription <> ?)"
                + " OR EXISTS (SELECT FROM " + DEFERRED + " WHERE subscription <> ?)"
                + " OR EXISTS (SELECT FROM " + CHUNKS + " WHERE subscription <> ?),"
                // anything in the schema but the three tables (with their keys' indexes, row and array types)
                + " EXISTS (SELECT FROM pg_class c WHERE c.relnamespace = n.oid AND c.relname NOT IN"
                + " ('initial_copy', 'copied_chunk', 'deferred_object', 'initial_copy_pkey', 'copied_chunk_pkey',"
                + " 'deferred_object_pkey'))"
                + " OR EXISTS (SELECT FROM pg_proc p WHERE p.pronamespace = n.oid)"
                + " OR EXISTS (SELECT FROM pg_type t WHERE t.typnamespace = n.oid AND t.typrelid = 0"
                + " AND t.typcategory <> 'A')"
                + " FROM pg_namespace n WHERE n.nspname = ?")) {
            for (int i = 1; i <= 4; i++) {
                st.setString(i, subscription);
            }
            st.setString(5, SCHEMA);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                recorded = rs.getBoolean(1);
                others = rs.getBoolean(2);
                more = rs.getBoolean(3);
            }
        }
        return new Leftover(true, recorded, deferred(destination, subscription), others, more);
    }

    /**
     * cleanup: forgets the subscription's record, and drops the record's tables and the schema when nothing else is
     * recorded or kept in them. The definitions of indexes and constraints never rebuilt stay recorded (they are the
     * only copy of them), and so does the schema.
     */
    public static List<String> forgetStatements(String subscription, Leftover left) {
        if (left.schemaCanGo()) {
            return List.of("DROP TABLE " + CHUNKS + ", " + DEFERRED + ", " + STATE,
                    "DROP SCHEMA " + Sql.ident(SCHEMA) + " RESTRICT");
        }
        String s = Sql.literal(subscription);
        return List.of("DELETE FROM " + CHUNKS + " WHERE subscription = " + s,
                "DELETE FROM " + STATE + " WHERE subscription = " + s);
    }
}
