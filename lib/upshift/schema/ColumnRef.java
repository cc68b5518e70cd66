package upshift.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import upshift.sql.QualifiedName;
import upshift.sql.Sql;

/**
 * A column named on the command line: {@code TABLE.COLUMN} (schema {@code public}) or {@code SCHEMA.TABLE.COLUMN}.
 * Parts in double quotes keep their case (and may hold dots, {@code =} or doubled quotes), others are folded to
 * lower case as the server folds them.
 *
 * @param table  the table
 * @param column the column name as the catalog spells it
 */
public record ColumnRef(QualifiedName table, String column) {

    private static final Pattern PLAIN_IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_$]*");

    public ColumnRef {
        if (table == null || column == null || column.isEmpty()) {
            throw new IllegalArgumentException("a column needs a table and a name");
        }
    }

    /** Why a value is not a column name; the caller turns it into a usage error naming its option. */
    public static final class Malformed extends IllegalArgumentException {
        public Malformed(String why) {
            super(why);
        }
    }

    /**
     * Parses the column name at the start of {@code value}: returns the column and the index just after it (past
     * trailing blanks), so that a caller can read what follows (add-missing-columns' {@code =SQL}).
     */
    public static Parsed parsePrefix(String value) {
        String v = value == null ? "" : value;
        List<String> parts = new ArrayList<>();
        int i = 0;
        while (i < v.length() && Character.isWhitespace(v.charAt(i))) {
            i++;
        }
        while (i < v.length()) {
            StringBuilder part = new StringBuilder();
            if (v.charAt(i) == '"') {
                i++;
                boolean closed = false;
                while (i < v.length()) {
                    char c = v.charAt(i);
                    if (c == '"') {
                        if (i + 1 < v.length() && v.charAt(i + 1) == '"') {
                            part.append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        closed = true;
                        break;
                    }
                    part.append(c);
                    i++;
                }
                if (!closed || part.length() == 0) {
                    throw new Malformed("an unterminated or empty quoted name");
                }
            } else {
                while (i < v.length() && isIdentifierChar(v.charAt(i))) {
                    part.append(v.charAt(i));
                    i++;
                }
                if (part.length() == 0) {
                    throw new Malformed("a missing name");
                }
                part = new StringBuilder(part.toString().toLowerCase(Locale.ROOT));
            }
            parts.add(part.toString());
            if (i < v.length() && v.charAt(i) == '.') {
                i++;
                continue;
            }
            break;
        }
        while (i < v.length() && Character.isWhitespace(v.charAt(i))) {
            i++;
        }
        if (parts.size() < 2 || parts.size() > 3) {
            throw new Malformed("the column needs its table: TABLE.COLUMN or SCHEMA.TABLE.COLUMN");
        }
        QualifiedName table = parts.size() == 2 ? new QualifiedName("public", parts.get(0))
                : new QualifiedName(parts.get(0), parts.get(1));
        return new Parsed(new ColumnRef(table, parts.get(parts.size() - 1)), i);
    }

    /** A column name and where the text after it starts. */
    public record Parsed(ColumnRef column, int end) {
    }

    /** Parses a value that is only a column name. */
    public static ColumnRef parse(String value) {
        Parsed parsed = parsePrefix(value);
        if (parsed.end() != (value == null ? 0 : value.length())) {
            throw new Malformed("unexpected text after the column name: " + value.substring(parsed.end()));
        }
        return parsed.column();
    }

    /** Whether this names that column. */
    public boolean is(QualifiedName t, String c) {
        return table.equals(t) && column.equals(c);
    }

    /** The column as an operator reads it: {@code public.shop_product.is_legacy} (unquoted; for display). */
    @Override
    public String toString() {
        return table + "." + column;
    }

    /** The column as an option spells it, quoted only where needed: {@code public."Shop".is_legacy}. */
    public String optionText() {
        return optionName(table.schema()) + "." + optionName(table.name()) + "." + optionName(column);
    }

    private static String optionName(String name) {
        return PLAIN_IDENTIFIER.matcher(name).matches() ? name : Sql.ident(name);
    }

    private static boolean isIdentifierChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c > 127;
    }
}
