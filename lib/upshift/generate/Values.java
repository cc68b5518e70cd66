package upshift.generate;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Values for one column type, as PostgreSQL's text input reads them (what COPY's text format and an untyped
 * parameter carry), made from a row's ordinal and its own random source so that a run is deterministic.
 *
 * <p>A value for a unique column is injective in the ordinal (where the type has room for it); other values are
 * random. {@code variant} is the retry number of a row the server rejected: 1 keeps numbers small and positive, 2
 * and above leave nullable parts NULL, which passes every CHECK that does not reject NULL.
 */
public final class Values {

    /** Large values go over the TOAST threshold (about 2 kB) even after compression. */
    static final int LARGE = 3000;

    /** One value request. {@code width}: the average width production statistics give, or -1. */
    public record Request(long type, int typmod, long ordinal, boolean unique, int variant, int width,
            boolean nested, CheckHint hint) {
        Request with(long otherType, int otherTypmod, boolean deeper) {
            return new Request(otherType, otherTypmod, ordinal, unique, variant, deeper ? -1 : width, true, null);
        }
    }

    private final SchemaModel model;

    public Values(SchemaModel model) {
        this.model = model;
    }

    /** A value for a type the generator cannot make. */
    public static final class Unsupported extends RuntimeException {
        public Unsupported(String type) {
            super("no generator for type " + type);
        }
    }

    /** The value's text, or null for SQL NULL (only where {@code nullable} allows it). */
    public String value(Request r, SplittableRandom random, boolean nullable) {
        SchemaModel.Type t = model.type(r.type());
        if (t == null) {
            throw new Unsupported("oid " + r.type());
        }
        if (t.kind() == 'd') {
            boolean baseNullable = nullable && !t.notNull();
            int typmod = t.baseTypmod() >= 0 ? t.baseTypmod() : r.typmod();
            CheckHint own = CheckHint.of(t.checks(), "VALUE");
            return value(new Request(t.base(), typmod, r.ordinal(), r.unique(), r.variant(), r.width(), r.nested(),
                    own != null ? own : r.hint()), random, baseNullable);
        }
        if (nullable && !r.unique() && (r.variant() >= 2 || random.nextInt(r.nested() ? 8 : 10) == 0)) {
            return null;
        }
        if (r.hint() != null && !r.hint().allowed().isEmpty()) {
            List<String> allowed = r.hint().allowed();
            return allowed.get(r.unique() ? (int) (r.ordinal() % allowed.size()) : random.nextInt(allowed.size()));
        }
        switch (t.kind()) {
            case 'e':
                if (t.labels().isEmpty()) {
                    throw new Unsupported(t.format() + " (an enum without labels)");
                }
                return t.labels().get(r.unique() ? (int) (r.ordinal() % t.labels().size())
                        : random.nextInt(t.labels().size()));
            case 'c':
                return composite(t, r, random);
            case 'r':
                return range(t, r, random);
            default:
                break;
        }
        if (t.element() != 0) {
            return array(t, r, random);
        }
        return base(t, r, random);
    }

    /** How many distinct values the type holds when that is small (enum, boolean), else -1. */
    public long capacity(long type) {
        SchemaModel.Type t = model.type(type);
        if (t == null) {
            return -1;
        }
        if (t.kind() == 'd') {
            return capacity(t.base());
        }
        if (t.kind() == 'e') {
            return t.labels().size();
        }
        return t.name().equals("bool") && "pg_catalog".equals(t.schema()) ? 2 : -1;
    }

    private String array(SchemaModel.Type t, Request r, SplittableRandom random) {
        int n = 1 + random.nextInt(3);
        StringBuilder s = new StringBuilder("{");
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                s.append(',');
            }
            Request element = new Request(t.element(), r.typmod(), i == 0 ? r.ordinal() : random.nextLong(1 << 20),
                    r.unique() && i == 0, r.variant(), -1, true, null);
            String v = value(element, random, !(r.unique() && i == 0));
            s.append(v == null ? "NULL" : arrayElement(v));
        }
        return s.append('}').toString();
    }

    private String composite(SchemaModel.Type t, Request r, SplittableRandom random) {
        StringBuilder s = new StringBuilder("(");
        boolean first = true;
        for (SchemaModel.Attribute a : t.attributes()) {
            if (!first) {
                s.append(',');
            }
            first = false;
            String v = value(r.with(a.type(), a.typmod(), true), random, !r.unique());
            if (v != null) {
                s.append(compositeField(v));
            }
        }
        return s.append(')').toString();
    }

    private String range(SchemaModel.Type t, Request r, SplittableRandom random) {
        SchemaModel.Type sub = model.type(t.subtype());
        String name = sub == null ? "" : sub.name();
        long lo = r.unique() ? r.ordinal() * 10 : random.nextLong(1_000_000);
        long span = 1 + random.nextLong(9);
        return switch (name) {
            case "int4", "int8" -> "[" + lo + "," + (lo + span) + ")";
            case "numeric", "float8", "float4" -> "[" + lo + ".5," + (lo + span) + ".25)";
            case "date" -> "[" + day(lo) + "," + day(lo + span) + ")";
            // seconds apart when unique (lower bounds 10 s apart: disjoint, as an exclusion constraint needs), hours else
            case "timestamp" -> "[\"" + moment(lo) + "\",\"" + moment(lo + span * (r.unique() ? 1 : 3600)) + "\")";
            case "timestamptz" -> "[\"" + moment(lo) + "+00\",\"" + moment(lo + span * (r.unique() ? 1 : 3600))
                    + "+00\")";
            default -> throw new Unsupported(t.format());
        };
    }

    private String base(SchemaModel.Type t, Request r, SplittableRandom random) {
        boolean u = r.unique();
        long o = r.ordinal();
        boolean small = r.variant() >= 1;
        if (r.hint() != null && (r.hint().min() != null || r.hint().max() != null)) {
            String bounded = bounded(t.name(), r, random);
            if (bounded != null) {
                return bounded;
            }
        }
        switch (t.name()) {
            case "int2":
                return Long.toString(u ? 1 + o % 32_000 : small ? 1 + random.nextInt(100) : random.nextInt(30_000));
            case "int4":
            case "oid":
                return Long.toString(u ? 1 + o : small ? 1 + random.nextInt(100) : random.nextInt(1_000_000));
            case "int8":
                return Long.toString(u ? 1 + o : small ? 1 + random.nextInt(100) : random.nextLong(1_000_000_000_000L));
            case "float4":
            case "float8":
                return u ? o + ".5" : String.format(Locale.ROOT, "%.3f", random.nextDouble() * (small ? 100 : 100_000));
            case "numeric":
                return numeric(r.typmod(), u, o, small, random);
            case "money":
                return String.format(Locale.ROOT, "%d.%02d", u ? o : random.nextInt(100_000), random.nextInt(100));
            case "bool":
                return (u ? o % 2 == 0 : random.nextBoolean()) ? "t" : "f";
            case "text":
            case "varchar":
            case "bpchar":
            case "name":
            case "citext":
                return text(t.name(), r, random);
            case "bytea":
                return bytea(r, random);
            case "uuid":
                return new UUID(u ? 0x5eed_0000_0000_4000L : random.nextLong() & ~0xF000L | 0x4000L,
                        u ? 0x8000_0000_0000_0000L | o
                                : random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL | 0x8000_0000_0000_0000L)
                        .toString();
            case "json":
            case "jsonb":
                return json(r, random);
            case "date":
                return day(u ? o : random.nextInt(9000)).toString();
            case "timestamp":
                return moment(u ? o : random.nextLong(400_000_000L));
            case "timestamptz":
                return moment(u ? o : random.nextLong(400_000_000L)) + "+00";
            case "time":
                return LocalTime.ofSecondOfDay(u ? o % 86_400 : random.nextInt(86_400)).toString();
            case "timetz":
                return LocalTime.ofSecondOfDay(u ? o % 86_400 : random.nextInt(86_400)) + "+00";
            case "interval":
                return u ? o + " seconds" : random.nextInt(400) + " days " + random.nextInt(86_400) + " seconds";
            case "inet":
                return ip(u ? o : random.nextInt(1 << 24));
            case "cidr":
                return ip(u ? o : random.nextInt(1 << 24)) + "/32";
            case "macaddr":
                return mac(u ? o : random.nextLong(1L << 40), 6);
            case "macaddr8":
                return mac(u ? o : random.nextLong(1L << 40), 8);
            case "bit":
                return bits(Math.max(1, r.typmod()), u ? o : random.nextLong());
            case "varbit":
                return bits(r.typmod() > 0 ? Math.min(r.typmod(), 48) : 1 + random.nextInt(48),
                        u ? o : random.nextLong());
            case "point":
                return "(" + (u ? o : random.nextInt(1000)) + "," + random.nextInt(1000) + ")";
            case "lseg":
                return "[(" + (u ? o : random.nextInt(100)) + ",0),(" + random.nextInt(100) + ",1)]";
            case "box":
                return "(" + (u ? o + 1 : random.nextInt(100) + 1) + ",1),(0,0)";
            case "path":
                return "[(0,0),(" + (u ? o : random.nextInt(100)) + ",1)]";
            case "polygon":
                return "((0,0),(" + (u ? o + 1 : random.nextInt(100) + 1) + ",0),(1,1))";
            case "circle":
                return "<(" + (u ? o : random.nextInt(100)) + ",0)," + (1 + random.nextInt(10)) + ">";
            case "line":
                return "{1,-1," + (u ? o : random.nextInt(100)) + "}";
            case "xml":
                return "<row n=\"" + (u ? o : random.nextInt(1000)) + "\">" + word(random, 8) + "</row>";
            case "tsvector":
                return (u ? "w" + o : word(random, 6)) + " " + word(random, 5);
            case "tsquery":
                return (u ? "w" + o : word(random, 6)) + " & " + word(random, 5);
            case "pg_lsn":
                return "0/" + Long.toHexString(u ? o : random.nextLong(1L << 32)).toUpperCase(Locale.ROOT);
            case "hstore":
                return "\"k" + (u ? o : random.nextInt(100)) + "\"=>\"" + word(random, 6) + "\", \"n\"=>\""
                        + random.nextInt(1000) + "\"";
            default:
                throw new Unsupported(t.format());
        }
    }

    /** A number within a CHECK's bounds, for the numeric types; null for other types. */
    private static String bounded(String type, Request r, SplittableRandom random) {
        if (!Set.of("int2", "int4", "int8", "numeric", "float4", "float8", "money").contains(type)) {
            return null;
        }
        boolean integer = type.startsWith("int");
        double step = integer ? 1 : 0.01;
        double lo = r.hint().low(step);
        double hi = r.hint().high(step, lo + 100_000);
        if (type.equals("numeric") && r.typmod() >= 4) {
            int precision = ((r.typmod() - 4) >> 16) & 0xFFFF;
            int scale = (r.typmod() - 4) & 0xFFFF;
            hi = Math.min(hi, Math.pow(10, precision - scale) - 1);
            if (scale == 0) {
                integer = true;
                lo = Math.ceil(lo);
            }
        }
        if (hi < lo) {
            return null;
        }
        double v = r.unique() ? lo + r.ordinal() * step : lo + random.nextDouble() * (hi - lo);
        return integer ? Long.toString((long) Math.ceil(Math.min(v, hi))) : String.format(Locale.ROOT, "%.2f",
                Math.min(Math.max(v, lo), hi));
    }

    private static String numeric(int typmod, boolean unique, long o, boolean small, SplittableRandom random) {
        if (typmod < 4) {
            return unique ? o + ".25"
                    : String.format(Locale.ROOT, "%.2f", random.nextDouble() * (small ? 100 : 100_000));
        }
        int precision = ((typmod - 4) >> 16) & 0xFFFF;
        int scale = (typmod - 4) & 0xFFFF;
        int digits = Math.max(0, Math.min(precision - scale, 12));
        long bound = digits == 0 ? 1 : (long) Math.pow(10, digits);
        long whole = unique ? o % bound : random.nextLong(small ? Math.min(bound, 100) : bound);
        if (scale == 0) {
            return Long.toString(whole);
        }
        StringBuilder fraction = new StringBuilder();
        for (int i = 0; i < Math.min(scale, 6); i++) {
            fraction.append(random.nextInt(10));
        }
        return whole + "." + fraction;
    }

    private static String text(String type, Request r, SplittableRandom random) {
        int limit = r.typmod() > 4 ? r.typmod() - 4 : type.equals("bpchar") ? 1 : type.equals("name") ? 63 : -1;
        int length;
        if (limit < 0 && !r.unique() && !r.nested() && random.nextInt(40) == 0) {
            length = LARGE + random.nextInt(1000);
        } else if (r.width() > 0) {
            length = Math.max(1, r.width() / 2 + random.nextInt(r.width() + 1));
        } else {
            length = 4 + random.nextInt(r.nested() ? 6 : 24);
        }
        if (limit > 0) {
            length = Math.min(length, limit);
        }
        String prefix = r.unique() ? Long.toString(r.ordinal(), 36) + "-" : "";
        String s = prefix + word(random, Math.max(0, length - prefix.length()));
        return limit > 0 && s.length() > limit ? s.substring(0, limit) : s;
    }

    private static String bytea(Request r, SplittableRandom random) {
        int n;
        if (!r.unique() && !r.nested() && random.nextInt(40) == 0) {
            n = LARGE + random.nextInt(1000);
        } else {
            n = r.width() > 0 ? Math.max(1, r.width()) : 1 + random.nextInt(32);
        }
        StringBuilder s = new StringBuilder(2 + 2 * n).append("\\x");
        if (r.unique()) {
            s.append(String.format(Locale.ROOT, "%016x", r.ordinal()));
        }
        for (int i = 0; i < n; i++) {
            s.append(String.format(Locale.ROOT, "%02x", random.nextInt(256)));
        }
        return s.toString();
    }

    private static String json(Request r, SplittableRandom random) {
        StringBuilder s = new StringBuilder("{\"n\": ").append(r.unique() ? r.ordinal() : random.nextInt(1_000_000))
                .append(", \"name\": \"").append(word(random, 8)).append("\", \"tags\": [\"")
                .append(word(random, 4)).append("\", ").append(random.nextInt(100)).append(", null, true]")
                .append(", \"nested\": {\"ratio\": ").append(random.nextInt(1000)).append(".5}");
        if (!r.unique() && !r.nested() && random.nextInt(40) == 0) {
            s.append(", \"blob\": \"").append(word(random, LARGE + random.nextInt(1000))).append('"');
        }
        return s.append('}').toString();
    }

    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    static String word(SplittableRandom random, int length) {
        char[] c = new char[length];
        for (int i = 0; i < length; i++) {
            c[i] = LETTERS.charAt(random.nextInt(LETTERS.length()));
        }
        return new String(c);
    }

    private static LocalDate day(long n) {
        return LocalDate.of(2000, 1, 1).plusDays(n % 2_900_000);
    }

    private static String moment(long seconds) {
        return LocalDateTime.of(2015, 1, 1, 0, 0).plusSeconds(seconds).toString().replace('T', ' ');
    }

    private static String ip(long n) {
        return "10." + ((n >> 16) & 255) + "." + ((n >> 8) & 255) + "." + (n & 255);
    }

    private static String mac(long n, int bytes) {
        List<String> parts = new ArrayList<>();
        for (int i = bytes - 1; i >= 0; i--) {
            parts.add(String.format(Locale.ROOT, "%02x", i >= 6 ? 0 : (n >> (8 * i)) & 255));
        }
        return String.join(":", parts);
    }

    private static String bits(int n, long value) {
        StringBuilder s = new StringBuilder();
        for (int i = n - 1; i >= 0; i--) {
            s.append(i < 64 && ((value >> i) & 1) == 1 ? '1' : '0');
        }
        return s.toString();
    }

    /** An array element as array input reads it: quoted when it could be misread. */
    static String arrayElement(String v) {
        if (v.isEmpty() || v.equalsIgnoreCase("NULL") || v.chars().anyMatch(ch -> "{}\",\\".indexOf(ch) >= 0
                || Character.isWhitespace(ch))) {
            return quote(v);
        }
        return v;
    }

    /** A composite field as record input reads it. */
    static String compositeField(String v) {
        if (v.isEmpty() || v.chars().anyMatch(ch -> "()\",\\".indexOf(ch) >= 0 || Character.isWhitespace(ch))) {
            return quote(v);
        }
        return v;
    }

    private static String quote(String v) {
        return '"' + v.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
