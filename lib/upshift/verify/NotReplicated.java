package upshift.verify;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonProperty;

import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.migration.Publications;
import upshift.schema.TableSelection;
import upshift.sql.QualifiedName;

/**
 * One group of the database's tables that replication does not carry, so that a verdict such as "all 12
 * table(s) equal" is never read as "the whole database is equal".
 *
 * @param reason why they are not replicated (or not compared), e.g. "unlogged (cannot be published)"
 * @param tables the tables, in schema/name order (with the owner for other owners' tables)
 */
public record NotReplicated(String reason, List<Relation> tables) {

    /** One table: its schema and name, and its owner where that is why it is not replicated. */
    public record Relation(String schema, String name,
            @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
            String owner) {

        static Relation of(QualifiedName table) {
            return new Relation(table.schema(), table.name(), null);
        }

        /** {@code public.cache}, or {@code public.cache (owner x)}. */
        @Override
        public String toString() {
            return schema + "." + name + (owner == null ? "" : " (owner " + owner + ")");
        }
    }

    public static final String UNLOGGED = "unlogged (cannot be published)";
    public static final String OTHER_OWNER = "owned by other roles";
    public static final String EXCLUDED = "excluded by pattern";
    public static final String OTHER_SCHEMA = "outside the --schema list";
    public static final String NOT_PUBLISHED = "not in the publication (left out when it was created, or created"
            + " since)";
    public static final String EXTENSION = "belong to an extension (created by the extension on destination)";
    public static final String MATERIALIZED = "materialized views (refresh them on destination)";
    public static final String FOREIGN = "foreign tables";
    public static final String NOT_COMPARED = "replicated but not compared here (--table)";

    private static final String RELATIONS = """
            SELECT n.nspname, c.relname, c.relkind, c.relpersistence,
                   pg_catalog.pg_get_userbyid(c.relowner) AS owner,
                   EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                            WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
                              AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
                              AND d.deptype = 'e') AS extension_member
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p', 'm', 'f')
               AND NOT c.relispartition
               AND c.relpersistence <> 't'
               AND n.nspname NOT IN ('pg_catalog', 'information_schema')
               AND n.nspname NOT LIKE 'pg\\_toast%'
               AND n.nspname NOT LIKE 'pg\\_temp%'
             ORDER BY n.nspname, c.relname
            """;

    @JsonProperty("count")
    public int count() {
        return tables.size();
    }

    /** "2 unlogged (cannot be published): public.cache, public.sessions" with at most {@code max} names. */
    public String describe(int max) {
        List<String> shown = tables.stream().limit(max).map(Relation::toString).toList();
        return tables.size() + " " + reason + ": " + String.join(", ", shown)
                + (tables.size() > max ? ", ... (" + (tables.size() - max) + " more)" : "");
    }

    /**
     * The origin tables outside {@code replicated}, grouped by why. Partitions are carried by their root and not
     * listed. "Other roles" means owners of none of the replicated tables (the selection's owner when nothing is
     * replicated yet).
     *
     * @param replicated  the tables replication carries (the publication's, or the selection's)
     * @param selection   the selection options in effect: their exclude patterns and schemas name the reason
     * @param notCompared replicated tables this run leaves out (verify --table); empty otherwise
     */
    public static List<NotReplicated> find(Connection origin, Collection<QualifiedName> replicated,
            TableSelection selection, Collection<QualifiedName> notCompared) throws SQLException {
        Set<QualifiedName> carried = new HashSet<>(replicated);
        Map<String, List<Relation>> groups = new LinkedHashMap<>();
        for (String reason : List.of(UNLOGGED, OTHER_OWNER, EXCLUDED, OTHER_SCHEMA, NOT_PUBLISHED, EXTENSION,
                MATERIALIZED, FOREIGN)) {
            groups.put(reason, new ArrayList<>());
        }
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement st = origin.prepareStatement(RELATIONS); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                rows.add(new Row(new QualifiedName(rs.getString(1), rs.getString(2)), rs.getString(3).charAt(0),
                        "u".equals(rs.getString(4)), rs.getString(5), rs.getBoolean(6)));
            }
        }
        Set<String> owners = new HashSet<>();
        rows.stream().filter(r -> carried.contains(r.name())).forEach(r -> owners.add(r.owner()));
        if (owners.isEmpty()) {
            owners.add(selection.owner());
        }
        for (Row r : rows) {
            if (carried.contains(r.name())) {
                continue;
            }
            String reason;
            String owner = null;
            if (r.kind() == 'm') {
                reason = MATERIALIZED;
            } else if (r.kind() == 'f') {
                reason = FOREIGN;
            } else if (r.extensionMember()) {
                reason = EXTENSION;
            } else if (r.unlogged()) {
                reason = UNLOGGED;
            } else if (selection.excluded(r.name())) {
                reason = EXCLUDED; // the operator's choice, whoever owns it
            } else if (!owners.contains(r.owner())) {
                reason = OTHER_OWNER;
                owner = r.owner();
            } else if (!selection.schemas().isEmpty() && !selection.schemas().contains(r.name().schema())) {
                reason = OTHER_SCHEMA;
            } else {
                reason = NOT_PUBLISHED;
            }
            groups.get(reason).add(new Relation(r.name().schema(), r.name().name(), owner));
        }
        List<NotReplicated> result = new ArrayList<>();
        groups.forEach((reason, tables) -> {
            if (!tables.isEmpty()) {
                result.add(new NotReplicated(reason.equals(EXCLUDED) ? EXCLUDED + " ("
                        + String.join(", ", selection.excludes()) + ")" : reason, List.copyOf(tables)));
            }
        });
        if (!notCompared.isEmpty()) {
            result.add(new NotReplicated(NOT_COMPARED, notCompared.stream().sorted().map(Relation::of)
                    .toList()));
        }
        return result;
    }

    /** The same for verify: the source's tables are replicated, those --table left out are not compared. */
    public static List<NotReplicated> find(Cluster origin, VerifyTables list, TableSelection selection) {
        try {
            return find(origin.connection(), list.replicated(), selection, list.notCompared());
        } catch (SQLException e) {
            throw new UpshiftException("cannot list origin's tables: " + e.getMessage(),
                    "the role needs to read pg_class and pg_depend on origin", e);
        }
    }

    /**
     * For status: the tables outside origin's publication, with the default exclude patterns (status has no
     * selection options); empty when the publication does not exist (nothing is replicated yet).
     */
    public static List<NotReplicated> outsidePublication(Connection origin, String publication, String user)
            throws SQLException {
        if (Publications.existing(origin, List.of(publication)).isEmpty()) {
            return List.of();
        }
        return find(origin, Publications.tables(origin, List.of(publication)),
                new TableSelection(user, TableSelection.DEFAULT_EXCLUDES, List.of()), List.of());
    }

    private record Row(QualifiedName name, char kind, boolean unlogged, String owner, boolean extensionMember) {
    }
}
