package upshift.schema;

import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A column's type as one server defines it, deep enough to compare across servers: a same-named enum or domain can
 * differ between origin and destination, and {@link Conversion} must see the difference.
 *
 * @param format   format_type() with the column's modifier, e.g. {@code numeric(10,2)}, {@code character
 *                 varying(20)[]}, {@code mood}; valid as a type expression in a session of that server
 * @param schema   the type's schema ({@code pg_catalog} for built-in types)
 * @param name     pg_type.typname, e.g. {@code int4}, {@code _varchar}, {@code mood}
 * @param kind     pg_type.typtype: {@code b} base, {@code e} enum, {@code d} domain, {@code c} composite,
 *                 {@code r} range, {@code m} multirange, {@code p} pseudo
 * @param element  for an array type, its element type (with the column's modifier); otherwise null
 * @param base     for a domain, the type it is based on (with the domain's modifier); otherwise null
 * @param labels   for an enum, its labels in sort order; otherwise empty
 * @param checks   for a domain, its CHECK constraints as pg_get_constraintdef() prints them, ordered by name
 * @param notNull  for a domain, whether it is NOT NULL
 * @param detail   for a composite, its attributes ({@code name type, ...}); for a range, its subtype; else null
 */
public record TypeDefinition(String format, String schema, String name, char kind, TypeDefinition element,
        TypeDefinition base, List<String> labels, List<String> checks, boolean notNull, String detail) {

    private static final Pattern MODIFIER = Pattern.compile("\\((\\d+)(?:,(\\d+))?\\)");

    public TypeDefinition {
        labels = labels == null ? List.of() : List.copyOf(labels);
        checks = checks == null ? List.of() : List.copyOf(checks);
    }

    /** A built-in base type without modifier, for tests and for building definitions by hand. */
    public static TypeDefinition builtin(String format, String name) {
        return new TypeDefinition(format, "pg_catalog", name, 'b', null, null, List.of(), List.of(), false, null);
    }

    public boolean isArray() {
        return element != null;
    }

    public boolean isDomain() {
        return kind == 'd';
    }

    public boolean isEnum() {
        return kind == 'e';
    }

    /** The type with every domain peeled off (a domain over a domain too). */
    public TypeDefinition withoutDomains() {
        return isDomain() && base != null ? base.withoutDomains() : this;
    }

    /**
     * Whether the type, as {@link #format}, means the same on origin: a built-in type (arrays of built-in types
     * too), so that an expression can convert origin values to it on origin.
     */
    public boolean builtIn() {
        return "pg_catalog".equals(schema) && (element == null || element.builtIn());
    }

    /** The first type modifier number: n of varchar(n)/char(n)/bit(n), p of numeric(p,s) and time(p); or -1. */
    public int modifier() {
        Matcher m = MODIFIER.matcher(format);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** The scale of numeric(p,s) (0 for numeric(p)), or -1 for an unconstrained numeric or another type. */
    public int scale() {
        Matcher m = MODIFIER.matcher(format);
        if (!m.find()) {
            return -1;
        }
        return m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
    }

    /** Whether both definitions are the same everywhere that matters for the values they hold. */
    public boolean sameDefinition(TypeDefinition other) {
        if (other == null) {
            return false;
        }
        return format.equals(other.format) && Objects.equals(schema, other.schema) && name.equals(other.name)
                && kind == other.kind && labels.equals(other.labels) && checks.equals(other.checks)
                && notNull == other.notNull && Objects.equals(detail, other.detail)
                && (element == null ? other.element == null : element.sameDefinition(other.element))
                && (base == null ? other.base == null : base.sameDefinition(other.base));
    }

    /** What a person reads: the format, plus a domain's base and checks. */
    public String describe() {
        if (isDomain() && base != null) {
            return format + " (domain over " + base.describe() + (notNull ? ", NOT NULL" : "")
                    + (checks.isEmpty() ? "" : ", " + String.join(" ", checks)) + ")";
        }
        return format;
    }
}
