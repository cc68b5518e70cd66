package upshift.schema;

/**
 * One column as the catalog describes it.
 *
 * @param name         column name (unquoted)
 * @param type         format_type(), e.g. {@code character varying(150)}, {@code integer}
 * @param baseType     the type's pg_type.typname after resolving domains, e.g. {@code varchar}, {@code int4}
 * @param length       the declared length of varchar(n)/char(n), or -1
 * @param notNull      NOT NULL
 * @param defaultExpr  the default expression, or null
 * @param identity     an identity column (GENERATED ... AS IDENTITY)
 * @param generated    a stored generated column (not replicated before PostgreSQL 18)
 * @param comment      the column's comment, or null
 */
public record Column(String name, String type, String baseType, int length, boolean notNull, String defaultExpr,
        boolean identity, boolean generated, String comment) {

    /** A default that comes from a sequence (serial): not something to copy onto another server. */
    public boolean defaultUsesSequence() {
        return defaultExpr != null && defaultExpr.contains("nextval(");
    }
}
