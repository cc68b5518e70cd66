package upshift.pgtools;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** A command line as a POSIX shell reads it, for --dry-run and -v: each word single-quoted unless it is plain. */
public final class ShellWords {

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./=:@%+,-]+");

    private ShellWords() {
    }

    public static String join(List<String> words) {
        return words.stream().map(ShellWords::quote).collect(Collectors.joining(" "));
    }

    public static String quote(String word) {
        if (!word.isEmpty() && PLAIN.matcher(word).matches()) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
