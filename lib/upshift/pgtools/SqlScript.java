package upshift.pgtools;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import upshift.sql.QualifiedName;

/**
 * A psql script as pg_dump writes one, split into statements with their line numbers: SQL statements (ended by
 * a semicolon outside quotes, dollar quotes and comments), backslash meta-commands (one line each) and COPY
 * ... FROM stdin blocks (the statement, its data lines and the closing {@code \.}). Enough to say which statement
 * a psql error's line belongs to, which tables a dump creates and how many rows it loads.
 */
public final class SqlScript {

    /** What kind of statement. */
    public enum Kind { SQL, META, COPY }

    /**
     * One statement: the lines it spans (1-based, inclusive), its text (without leading comments), and for COPY
     * the number of data rows.
     */
    public record Statement(Kind kind, int firstLine, int lastLine, String text, long rows) {

        /** The statement's first line, as an operator recognises it in the file. */
        public String head() {
            int nl = text.indexOf('\n');
            return (nl >= 0 ? text.substring(0, nl) : text).strip();
        }
    }

    private static final Pattern CREATE_TABLE = Pattern.compile(
            "^CREATE\\s+(?:(?:UNLOGGED|FOREIGN)\\s+)?TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern COPY_FROM_STDIN = Pattern.compile(
            "^COPY\\s.*\\sFROM\\s+stdin\\s*;?\\s*$", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern DOLLAR_TAG = Pattern.compile("\\$([A-Za-z_\\u0080-\\uffff][A-Za-z0-9_\\u0080-\\uffff]*)?\\$");

    private final List<Statement> statements;

    private SqlScript(List<Statement> statements) {
        this.statements = List.copyOf(statements);
    }

    public List<Statement> statements() {
        return statements;
    }

    /** The statement that spans this line, else the last one that starts before it (null when none does). */
    public Statement statementAt(int line) {
        Statement before = null;
        for (Statement s : statements) {
            if (s.firstLine() <= line && line <= s.lastLine()) {
                return s;
            }
            if (s.firstLine() <= line) {
                before = s;
            }
        }
        return before;
    }

    /** Every table (plain, unlogged, partitioned, foreign) a CREATE TABLE statement of the script creates. */
    public List<QualifiedName> createdTables() {
        List<QualifiedName> tables = new ArrayList<>();
        for (Statement s : statements) {
            if (s.kind() != Kind.SQL) {
                continue;
            }
            Matcher m = CREATE_TABLE.matcher(s.text());
            if (m.find()) {
                QualifiedName name = qualifiedNameAt(s.text(), m.end());
                if (name != null) {
                    tables.add(name);
                }
            }
        }
        return tables;
    }

    /** The data rows of all COPY ... FROM stdin blocks. */
    public long copyRows() {
        return statements.stream().filter(s -> s.kind() == Kind.COPY).mapToLong(Statement::rows).sum();
    }

    // ---- parsing --------------------------------------------------------------------------------------------

    public static SqlScript parse(String text) {
        List<Statement> result = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int k = 0; k < lines.length; k++) {
            lines[k] = stripCr(lines[k]);
        }
        int startLine = -1; // 0-based line and column where the current statement starts, -1: between statements
        int startCol = 0;
        // lexer state that survives line ends
        String dollarTag = null;
        boolean inSingle = false;
        boolean backslashEscapes = false;
        boolean inDouble = false;
        int blockDepth = 0;
        int lineIdx = 0;
        while (lineIdx < lines.length) {
            String line = lines[lineIdx];
            boolean between = startLine < 0 && dollarTag == null && !inSingle && !inDouble && blockDepth == 0;
            if (between && line.stripLeading().startsWith("\\")) {
                result.add(new Statement(Kind.META, lineIdx + 1, lineIdx + 1, line.strip(), 0));
                lineIdx++;
                continue;
            }
            int i = 0;
            int n = line.length();
            int nextLine = lineIdx + 1;
            while (i < n) {
                char c = line.charAt(i);
                if (dollarTag != null) {
                    int end = line.indexOf(dollarTag, i);
                    i = end < 0 ? n : end + dollarTag.length();
                    if (end >= 0) {
                        dollarTag = null;
                    }
                    continue;
                }
                if (inSingle) {
                    if (backslashEscapes && c == '\\') {
                        i += 2;
                    } else if (c == '\'' && i + 1 < n && line.charAt(i + 1) == '\'') {
                        i += 2;
                    } else {
                        inSingle = c != '\'';
                        i++;
                    }
                    continue;
                }
                if (inDouble) {
                    if (c == '"' && i + 1 < n && line.charAt(i + 1) == '"') {
                        i += 2;
                    } else {
                        inDouble = c != '"';
                        i++;
                    }
                    continue;
                }
                if (blockDepth > 0) {
                    if (c == '*' && i + 1 < n && line.charAt(i + 1) == '/') {
                        blockDepth--;
                        i += 2;
                    } else if (c == '/' && i + 1 < n && line.charAt(i + 1) == '*') {
                        blockDepth++;
                        i += 2;
                    } else {
                        i++;
                    }
                    continue;
                }
                if (c == '-' && i + 1 < n && line.charAt(i + 1) == '-') {
                    break; // the rest of the line is a comment
                }
                if (c == '/' && i + 1 < n && line.charAt(i + 1) == '*') {
                    blockDepth = 1;
                    i += 2;
                    continue;
                }
                if (Character.isWhitespace(c)) {
                    i++;
                    continue;
                }
                if (startLine < 0) {
                    startLine = lineIdx;
                    startCol = i;
                }
                if (c == '\'') {
                    backslashEscapes = i > 0 && (line.charAt(i - 1) == 'E' || line.charAt(i - 1) == 'e')
                            && (i < 2 || !isIdentifierChar(line.charAt(i - 2)));
                    inSingle = true;
                    i++;
                    continue;
                }
                if (c == '"') {
                    inDouble = true;
                    i++;
                    continue;
                }
                if (c == '$' && (i == 0 || !isIdentifierChar(line.charAt(i - 1)))) {
                    Matcher m = DOLLAR_TAG.matcher(line).region(i, n);
                    if (m.lookingAt()) {
                        dollarTag = m.group();
                        i = m.end();
                        continue;
                    }
                }
                if (c == ';') {
                    String statement = slice(lines, startLine, startCol, lineIdx, i + 1);
                    if (COPY_FROM_STDIN.matcher(statement).matches()) {
                        long rows = 0;
                        int data = lineIdx + 1;
                        while (data < lines.length && !lines[data].equals("\\.")) {
                            rows++;
                            data++;
                        }
                        int last = Math.min(data, lines.length - 1);
                        result.add(new Statement(Kind.COPY, startLine + 1, last + 1, statement, rows));
                        nextLine = last + 1;
                        startLine = -1;
                        break; // pg_dump ends the COPY line with its semicolon
                    }
                    result.add(new Statement(Kind.SQL, startLine + 1, lineIdx + 1, statement, 0));
                    startLine = -1;
                    i++;
                    continue;
                }
                i++;
            }
            lineIdx = nextLine;
        }
        if (startLine >= 0) {
            String rest = slice(lines, startLine, startCol, lines.length - 1, lines[lines.length - 1].length());
            if (!rest.isBlank()) {
                result.add(new Statement(Kind.SQL, startLine + 1, lines.length, rest.strip(), 0));
            }
        }
        return new SqlScript(result);
    }

    /** The text from (line a, column ca) to (line b, column cb exclusive), lines joined with newlines. */
    private static String slice(String[] lines, int a, int ca, int b, int cb) {
        if (a == b) {
            return lines[a].substring(ca, cb);
        }
        StringBuilder sb = new StringBuilder(lines[a].substring(ca));
        for (int k = a + 1; k < b; k++) {
            sb.append('\n').append(lines[k]);
        }
        return sb.append('\n').append(lines[b], 0, cb).toString();
    }

    /** A name parsed from a text, and the position just after it. */
    record NameAt(QualifiedName name, int end) {
    }

    /** A possibly quoted, possibly schema-qualified name starting at {@code pos}; null if there is none. */
    static QualifiedName qualifiedNameAt(String text, int pos) {
        NameAt n = nameAt(text, pos);
        return n == null ? null : n.name();
    }

    /** The same with where it ends; unquoted parts are folded to lower case, as the server does. */
    static NameAt nameAt(String text, int pos) {
        List<String> parts = new ArrayList<>();
        int i = pos;
        while (i < text.length() && parts.size() < 3) {
            StringBuilder part = new StringBuilder();
            if (text.charAt(i) == '"') {
                i++;
                while (i < text.length()) {
                    char c = text.charAt(i);
                    if (c == '"') {
                        if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                            part.append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    part.append(c);
                    i++;
                }
            } else {
                while (i < text.length() && isIdentifierChar(text.charAt(i))) {
                    part.append(text.charAt(i));
                    i++;
                }
                if (part.length() == 0) {
                    return null; // nothing where a name (or the part after a dot) should be
                }
                part = new StringBuilder(part.toString().toLowerCase(Locale.ROOT));
            }
            parts.add(part.toString());
            if (i < text.length() && text.charAt(i) == '.') {
                i++;
                if (i >= text.length()) {
                    return null; // a dot with nothing after it
                }
                continue;
            }
            break;
        }
        if (parts.isEmpty() || parts.stream().anyMatch(String::isEmpty)) {
            return null;
        }
        if (parts.size() == 1) {
            return new NameAt(new QualifiedName("public", parts.get(0)), i);
        }
        // database.schema.table: the last two parts
        return new NameAt(new QualifiedName(parts.get(parts.size() - 2), parts.get(parts.size() - 1)), i);
    }

    private static boolean isIdentifierChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c > 127;
    }

    private static String stripCr(String line) {
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }
}
