package upshift.sql;

import java.sql.SQLException;

import org.postgresql.core.Utils;

/**
 * Quoting for SQL text upshift builds. Every identifier goes through {@link #ident}, every literal that cannot
 * be a bind parameter (DDL has none) through {@link #literal}; both use pgjdbc's own escaping.
 */
public final class Sql {

    private Sql() {
    }

    /** A quoted identifier: {@code "Mixed Case"}, {@code "public"}; embedded double quotes doubled. */
    public static String ident(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("empty SQL identifier");
        }
        try {
            return Utils.escapeIdentifier(null, name).toString();
        } catch (SQLException e) {
            throw new IllegalArgumentException("identifier cannot be quoted: " + e.getMessage(), e);
        }
    }

    /**
     * A quoted string literal for a server with standard_conforming_strings on (the default since 9.1, and
     * required by upshift): single quotes doubled, backslashes kept as they are.
     */
    public static String literal(String value) {
        if (value == null) {
            return "NULL";
        }
        try {
            return "'" + Utils.escapeLiteral(null, value, true) + "'";
        } catch (SQLException e) {
            throw new IllegalArgumentException("literal cannot be quoted: " + e.getMessage(), e);
        }
    }

    /** {@code "schema"."name"}. */
    public static String qualified(String schema, String name) {
        return ident(schema) + "." + ident(name);
    }
}
