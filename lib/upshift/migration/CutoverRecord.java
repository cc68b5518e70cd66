package upshift.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import upshift.sql.Sql;

/**
 * What a switchover (or switchback) has done so far, kept on the server it froze as the COMMENT of the publication
 * it drains: the freeze (mode, when it began by that server's clock, the roles it made read-only) and how far the
 * cutover got. Reading it back makes the freeze window right across resumes and crashes, lets --abort undo only
 * what upshift did, and is the evidence a resume needs before it treats a missing subscription as dropped by
 * upshift.
 *
 * @param step       "switchover" or "switchback"
 * @param freezeMode hard, soft or none
 * @param frozenAt   the frozen server's clock when the freeze began (ISO-8601, UTC)
 * @param roles      the roles this freeze made read-only (soft mode), to be reset and nothing else
 * @param stage      how far it got: frozen, drained (everything applied, the drained subscription disabled by
 *                   upshift so that a later write stays in its slot), prepared (the way back created), dropping
 *                   (about to drop the drained subscription), dropped (dropped, the new primary open), done (the way
 *                   back started, or none asked for)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CutoverRecord(String step, String freezeMode, String frozenAt, List<String> roles, String stage) {

    public static final String FROZEN = "frozen";
    public static final String DRAINED = "drained";
    public static final String PREPARED = "prepared";
    public static final String DROPPING = "dropping";
    public static final String DROPPED = "dropped";
    public static final String DONE = "done";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "upshift cutover record: ";

    private static final String READ = """
            SELECT pg_catalog.obj_description(p.oid, 'pg_publication')
              FROM pg_catalog.pg_publication p WHERE p.pubname = ?
            """;

    public CutoverRecord {
        roles = roles == null ? List.of() : List.copyOf(roles);
    }

    public CutoverRecord withStage(String newStage) {
        return new CutoverRecord(step, freezeMode, frozenAt, roles, newStage);
    }

    /** Whether the stage is at least {@code other} (frozen < drained < prepared < dropping < dropped < done). */
    public boolean reached(String other) {
        List<String> order = List.of(FROZEN, DRAINED, PREPARED, DROPPING, DROPPED, DONE);
        return order.indexOf(stage) >= order.indexOf(other);
    }

    /** The record on that publication, if there is one. */
    public static Optional<CutoverRecord> read(Connection server, String publication) throws SQLException {
        try (PreparedStatement st = server.prepareStatement(READ)) {
            st.setString(1, publication);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next() || rs.getString(1) == null || !rs.getString(1).startsWith(PREFIX)) {
                    return Optional.empty();
                }
                try {
                    return Optional.of(JSON.readValue(rs.getString(1).substring(PREFIX.length()),
                            CutoverRecord.class));
                } catch (JsonProcessingException e) {
                    return Optional.empty();
                }
            }
        }
    }

    /** COMMENT ON PUBLICATION ... IS '<record>'. */
    public String writeSql(String publication) {
        try {
            return "COMMENT ON PUBLICATION " + Sql.ident(publication) + " IS "
                    + Sql.literal(PREFIX + JSON.writeValueAsString(this));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String clearSql(String publication) {
        return "COMMENT ON PUBLICATION " + Sql.ident(publication) + " IS NULL";
    }
}
