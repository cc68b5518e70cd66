package upshift.columns;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.postgresql.core.Parser;

import upshift.UpshiftException;
import upshift.pgtools.ShellWords;
import upshift.schema.ColumnRef;
import upshift.sql.QualifiedName;

/**
 * One {@code --default TABLE.COLUMN=SQL} of add-missing-columns: a database default for a column the new model
 * dropped, so that rows the new application inserts on destination (they omit the column) carry a value that
 * origin's {@code NOT NULL} accepts when rollback replication brings them back.
 *
 * <p>TABLE is {@code schema.table} or {@code table} (schema {@code public}); parts in double quotes keep their case
 * (and may hold dots or {@code =}), others are folded to lower case as the server folds them. SQL is one
 * expression ({@link #singleExpression}), checked by the server.
 *
 * @param table      the table
 * @param column     the column name as the catalog spells it
 * @param expression the default expression, as given
 */
public record ColumnDefault(QualifiedName table, String column, String expression) {

    public ColumnDefault {
        if (table == null || column == null || column.isEmpty() || expression == null || expression.isBlank()) {
            throw new IllegalArgumentException("a column default needs a table, a column and an expression");
        }
    }

    /** Parses one option value; a usage error (exit 2) naming the value when it is not TABLE.COLUMN=SQL. */
    public static ColumnDefault parse(String value) {
        String v = value == null ? "" : value.strip();
        ColumnRef.Parsed name;
        try {
            name = ColumnRef.parsePrefix(v);
        } catch (ColumnRef.Malformed e) {
            throw malformed(value, e.getMessage());
        }
        int i = name.end();
        if (i >= v.length() || v.charAt(i) != '=') {
            throw malformed(value, "no '=' after the column name");
        }
        String expression = v.substring(i + 1).strip();
        if (expression.isEmpty()) {
            throw malformed(value, "no SQL expression after '='");
        }
        ColumnDefault parsed = new ColumnDefault(name.column().table(), name.column().column(), expression);
        if (!singleExpression(expression)) {
            throw UpshiftException.usage("invalid --default for " + parsed.target() + ": " + expression
                    + " is not one SQL expression (a ';' or top-level ',', unbalanced parentheses, an unterminated quote"
                    + " or a -- comment)",
                    "pass one expression, e.g. --default " + ShellWords.quote(parsed.targetSql() + "=false"));
        }
        return parsed;
    }

    /** Parses every value; a column named twice is a usage error. */
    public static List<ColumnDefault> parseAll(List<String> values) {
        List<ColumnDefault> defaults = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String value : values == null ? List.<String>of() : values) {
            ColumnDefault d = parse(value);
            if (!seen.add(d.targetSql())) {
                throw UpshiftException.usage("--default names " + d.target() + " twice",
                        "give one --default per column");
            }
            defaults.add(d);
        }
        return defaults;
    }

    /** Whether this default is for that column. */
    public boolean isFor(QualifiedName t, String c) {
        return table.equals(t) && column.equals(c);
    }

    /** The column as an operator reads it: {@code public.shop_product.is_legacy} (unquoted; for display). */
    public String target() {
        return table + "." + column;
    }

    /** The column as this option spells it, quoted only where needed: {@code public.shop_product.is_legacy}. */
    public String targetSql() {
        return new ColumnRef(table, column).optionText();
    }

    /** The option an operator adds for that column and expression, shell-quoted: {@code --default 'x.y.z=false'}. */
    public static String option(QualifiedName table, String column, String expression) {
        return "--default " + ShellWords.quote(new ColumnDefault(table, column, expression).targetSql() + "="
                + expression);
    }

    /**
     * One expression and nothing else: outside quotes and comments (as the driver's lexer reads them) no {@code ;}
     * or {@code ,} at the top level, parentheses balanced, no {@code --} comment (it would swallow the rest of a
     * --dry-run line) and nothing left open. The statements put it after {@code SET DEFAULT}, where the grammar
     * takes one expression up to a top-level comma, so it cannot add a clause or a second action.
     */
    static boolean singleExpression(String expression) {
        char[] q = expression.toCharArray();
        int depth = 0;
        for (int i = 0; i < q.length; i++) {
            char c = q[i];
            int end = i;
            switch (c) {
                case '\'' -> end = Parser.parseSingleQuotes(q, i, true);
                case '"' -> end = Parser.parseDoubleQuotes(q, i);
                case '$' -> end = Parser.parseDollarQuotes(q, i);
                case '/' -> end = Parser.parseBlockComment(q, i);
                case '-' -> {
                    if (Parser.parseLineComment(q, i) != i) {
                        return false;
                    }
                }
                case '(' -> depth++;
                case ')' -> {
                    if (--depth < 0) {
                        return false;
                    }
                }
                case ';' -> {
                    return false; // never a statement separator, not even inside parentheses
                }
                case ',' -> {
                    if (depth == 0) {
                        return false;
                    }
                }
                default -> {
                    // part of the expression
                }
            }
            if (end >= q.length) {
                return false; // an unterminated quote, dollar quote or comment
            }
            i = end;
        }
        return depth == 0;
    }

    private static UpshiftException malformed(String value, String problem) {
        return UpshiftException.usage("not a --default TABLE.COLUMN=SQL: " + value + " (" + problem + ")",
                "e.g. --default shop_product.is_legacy=false or --default '\"Billing\".\"Invoice\".\"Col\"=0'");
    }
}
