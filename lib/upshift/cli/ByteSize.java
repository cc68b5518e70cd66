package upshift.cli;

import upshift.report.Units;

/**
 * An amount of bytes as an option takes it ({@code 0}, {@code 512kB}, {@code 16MB}, {@code 1GB}: powers of 1024, as
 * PostgreSQL's own settings); {@link Converters} parses it once for every option of this type.
 */
public record ByteSize(long bytes) {

    public ByteSize {
        if (bytes < 0) {
            throw new IllegalArgumentException("a size cannot be negative: " + bytes);
        }
    }

    @Override
    public String toString() {
        return Units.pretty(bytes);
    }
}
