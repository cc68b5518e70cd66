package upshift.cli;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.TypeConversionException;
import upshift.UpshiftException;
import upshift.report.Units;

/**
 * How every script's option values become typed values, registered once on each command line
 * ({@link UpshiftCommand#commandLine}): durations as operators type them ({@code 90s}, {@code 5m}, {@code 1h30m};
 * {@link Units#duration}), sizes ({@code 16MB}; {@link Units#bytes}) and every enum as its constants in kebab case
 * ({@code --until caught-up} is {@code CAUGHT_UP}). A value that does not convert is a usage error (exit 2) that
 * names the value, the option and what it takes.
 */
public final class Converters {

    private Converters() {
    }

    /** A value an option cannot take: what kind of value was expected, and how to write one. */
    public static final class Invalid extends TypeConversionException {

        private final String kind;
        private final String hint;

        Invalid(String kind, String value, String hint) {
            super("invalid " + kind + " \"" + value + "\": " + hint);
            this.kind = kind;
            this.hint = hint;
        }

        /** "duration", "size" or "value". */
        public String kind() {
            return kind;
        }

        /** How to write a valid one, e.g. "one of: hard, soft, none". */
        public String hint() {
            return hint;
        }
    }

    /** Registers the converters on {@code cli} for Duration, ByteSize and the enum type of every option it has. */
    public static CommandLine register(CommandLine cli) {
        cli.registerConverter(Duration.class, Converters::duration);
        cli.registerConverter(ByteSize.class, Converters::size);
        registerEnums(cli, cli.getCommandSpec());
        return cli;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void registerEnums(CommandLine cli, CommandSpec spec) {
        for (ArgSpec arg : spec.args()) {
            for (Class<?> type : arg.auxiliaryTypes()) {
                if (type.isEnum()) {
                    registerEnum(cli, (Class) type);
                }
            }
        }
        spec.subcommands().values().forEach(sub -> registerEnums(cli, sub.getCommandSpec()));
    }

    private static <E extends Enum<E>> void registerEnum(CommandLine cli, Class<E> type) {
        cli.registerConverter(type, value -> choice(type, value));
    }

    /** A duration: {@code 90s}, {@code 30m}, {@code 2h}, {@code 1h30m}, {@code 500ms}, a bare number of seconds. */
    public static Duration duration(String text) {
        Duration d;
        try {
            d = Units.duration(text, "the option");
        } catch (UpshiftException e) {
            throw new Invalid("duration", text, e.hint());
        }
        if (d.isNegative()) {
            throw new Invalid("duration", text, "a duration cannot be negative");
        }
        return d;
    }

    /** A size: bytes, or {@code 512kB}, {@code 16MB}, {@code 1GB} (powers of 1024). */
    public static ByteSize size(String text) {
        try {
            return new ByteSize(Units.bytes(text, "the option"));
        } catch (UpshiftException e) {
            throw new Invalid("size", text, e.hint());
        }
    }

    /**
     * The constant of {@code type} whose kebab-case name is {@code text} ({@code check-failed} for
     * {@code CHECK_FAILED}); case and {@code _} for {@code -} do not matter.
     */
    public static <E extends Enum<E>> E choice(Class<E> type, String text) {
        String wanted = text == null ? "" : text.strip().toLowerCase(Locale.ROOT).replace('_', '-');
        for (E constant : type.getEnumConstants()) {
            if (kebab(constant).equals(wanted)) {
                return constant;
            }
        }
        throw new Invalid("value", text, "one of: " + choices(type));
    }

    /** A constant as an option takes it: {@code CAUGHT_UP} is {@code caught-up}. */
    public static String kebab(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The values an enum option takes, in declaration order: {@code hard, soft, none}. */
    public static String choices(Class<? extends Enum<?>> type) {
        return Arrays.stream(type.getEnumConstants()).map(Converters::kebab).collect(Collectors.joining(", "));
    }
}
