package upshift.schema;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import upshift.UpshiftException;
import upshift.pgtools.ShellWords;
import upshift.sql.QualifiedName;

/**
 * The columns an operator declared, with {@code --accept-lossy TABLE.COLUMN}, whose change of values in the new
 * model is intended (numeric(12,4) → numeric(10,2) rounding, float8 → real): preflight reports them without
 * blocking, and verify compares them as the destination converts them instead of reporting the difference.
 */
public final class AcceptedLossy {

    public static final AcceptedLossy NONE = new AcceptedLossy(Set.of());

    private final Set<ColumnRef> columns;

    private AcceptedLossy(Set<ColumnRef> columns) {
        this.columns = Set.copyOf(columns);
    }

    /** Parses every option value; a malformed one is a usage error (exit 2) naming it. */
    public static AcceptedLossy parse(List<String> values) {
        Set<ColumnRef> columns = new LinkedHashSet<>();
        for (String value : values == null ? List.<String>of() : values) {
            try {
                columns.add(ColumnRef.parse(value));
            } catch (ColumnRef.Malformed e) {
                throw UpshiftException.usage("invalid --accept-lossy " + ShellWords.quote(value) + ": "
                        + e.getMessage(), "name one column per option, e.g. --accept-lossy shop_order.total");
            }
        }
        return columns.isEmpty() ? NONE : new AcceptedLossy(columns);
    }

    public boolean accepts(QualifiedName table, String column) {
        return columns.stream().anyMatch(c -> c.is(table, column));
    }

    public Set<ColumnRef> columns() {
        return columns;
    }

    public boolean isEmpty() {
        return columns.isEmpty();
    }

    /** The option an operator adds to accept that column's change, shell-quoted. */
    public static String option(QualifiedName table, String column) {
        return "--accept-lossy " + ShellWords.quote(new ColumnRef(table, column).optionText());
    }
}
