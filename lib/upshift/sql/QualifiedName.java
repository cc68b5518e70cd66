package upshift.sql;

import java.util.Comparator;

/** A schema-qualified relation name as the catalog spells it (unquoted), e.g. schema {@code public}, name {@code Order}. */
public record QualifiedName(String schema, String name) implements Comparable<QualifiedName> {

    private static final Comparator<QualifiedName> ORDER =
            Comparator.comparing(QualifiedName::schema).thenComparing(QualifiedName::name);

    public QualifiedName {
        if (schema == null || schema.isEmpty() || name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a qualified name needs a schema and a name");
        }
    }

    /** {@code "schema"."name"}, safe to splice into SQL. */
    public String sql() {
        return Sql.qualified(schema, name);
    }

    /** As an operator reads it: {@code public.Order} (unquoted; for display only). */
    @Override
    public String toString() {
        return schema + "." + name;
    }

    @Override
    public int compareTo(QualifiedName other) {
        return ORDER.compare(this, other);
    }
}
