package upshift.connect;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps passwords out of everything upshift prints. Two layers: the textual forms a password takes in
 * connection strings ({@code password=...}, {@code user:secret@host}) are masked wherever they appear, and
 * every password an {@link Endpoint} resolved is registered so that an echo of it in a server error message is
 * masked too.
 */
public final class Secrets {

    public static final String MASK = "********";

    /** Registered passwords shorter than this are only masked in their connection-string forms. */
    private static final int MIN_LITERAL_LENGTH = 4;

    private static final Set<String> KNOWN = ConcurrentHashMap.newKeySet();

    /**
     * password=value or password='quoted value' in a libpq conninfo, also inside a SQL literal, where the
     * conninfo's quotes are doubled: {@code password=''it\''s''}.
     */
    private static final Pattern CONNINFO_PASSWORD = Pattern.compile(
            "(?i)(?<![a-z0-9_])((?:ssl)?password\\s*=\\s*)(''(?:\\\\''|\\\\[^']|[^'\\\\])*''|'(?:\\\\.|[^'\\\\])*'|[^\\s'&]+)");

    /** scheme://user:password@ in a URI. */
    private static final Pattern URI_PASSWORD = Pattern.compile(
            "(?i)((?:postgres(?:ql)?|jdbc:postgresql)://[^:/@\\s]*:)([^@\\s]*)(@)");

    /** password=value as a URI query parameter. */
    private static final Pattern QUERY_PASSWORD = Pattern.compile("(?i)([?&]password=)([^&\\s]*)");

    private Secrets() {
    }

    /** Remembers a password so that any later output containing it is masked. */
    public static void register(String password) {
        if (password != null && password.length() >= MIN_LITERAL_LENGTH) {
            KNOWN.add(password);
        }
    }

    /**
     * Forgets every registered password. For the tests of this package, which resolve made-up passwords such as
     * "fallback" or "secret": left registered, they would mask those words in every later output of the JVM.
     */
    static void forgetAll() {
        KNOWN.clear();
    }

    /** The text with every password form and every registered password replaced by {@link #MASK}. */
    public static String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String result = URI_PASSWORD.matcher(text).replaceAll(m ->
                Matcher.quoteReplacement(m.group(1) + MASK + m.group(3)));
        result = QUERY_PASSWORD.matcher(result).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MASK));
        result = CONNINFO_PASSWORD.matcher(result).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MASK));
        for (String secret : KNOWN) {
            result = result.replace(secret, MASK);
        }
        return result;
    }
}
