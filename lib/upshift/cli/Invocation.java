package upshift.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine.Model.UsageMessageSpec;
import upshift.connect.Environment;

/**
 * How the operator ran the step, so that the examples in its --help can be pasted as they are: {@code ./jbang
 * ALIAS} from a checkout (the launcher exports {@value #LAUNCHER_VARIABLE}) or {@code jbang ALIAS@upshift} from
 * the catalog (jbang-catalog.json gives every alias the system property {@value #CATALOG_PROPERTY}, which JBang
 * passes to the step; README, "From the catalog"). Anything else (a test, {@code jbang scripts/X.java}) shows
 * the checkout's form. The launcher wins over the property: with {@code UPSHIFT_STEP_VIA_JBANG=1} it runs the
 * catalog's alias itself.
 */
public enum Invocation {

    CHECKOUT, CATALOG;

    /** Set by ./jbang for the steps it runs. */
    public static final String LAUNCHER_VARIABLE = "UPSHIFT_LAUNCHER";
    /** Set by jbang-catalog.json for every alias. */
    public static final String CATALOG_PROPERTY = "upshift.catalog";
    /** The catalog's name in README's {@code jbang catalog add --name upshift ...}. */
    public static final String CATALOG_NAME = "upshift";

    private static final Pattern EXAMPLE = Pattern.compile("\\./jbang ([a-z][a-z-]*)");

    public static Invocation of(Environment env) {
        if (env.get(LAUNCHER_VARIABLE) != null) {
            return CHECKOUT;
        }
        String catalog = System.getProperty(CATALOG_PROPERTY);
        return catalog != null && !catalog.isBlank() ? CATALOG : CHECKOUT;
    }

    /** {@code ./jbang cleanup} or {@code jbang cleanup@upshift}. */
    public String command(String alias) {
        return this == CATALOG ? "jbang " + alias + "@" + CATALOG_NAME : "./jbang " + alias;
    }

    /** Rewrites the examples of a usage message (footer and description) for this invocation. */
    public void apply(UsageMessageSpec usage) {
        if (this == CHECKOUT) {
            return;
        }
        usage.footer(rewrite(usage.footer()));
        usage.description(rewrite(usage.description()));
    }

    /**
     * Each {@code ./jbang ALIAS} as this invocation writes it; the continuation lines of a command that ends in
     * a backslash move right with it, so that its options stay aligned.
     */
    String[] rewrite(String[] lines) {
        List<String> result = new ArrayList<>();
        int shift = 0;
        for (String line : lines) {
            if (shift > 0 && line.startsWith(" ")) {
                line = " ".repeat(shift) + line;
            } else {
                shift = 0;
            }
            Matcher m = EXAMPLE.matcher(line);
            StringBuilder rewritten = new StringBuilder();
            int delta = 0;
            while (m.find()) {
                String replacement = command(m.group(1));
                delta += replacement.length() - m.group().length();
                m.appendReplacement(rewritten, Matcher.quoteReplacement(replacement));
            }
            m.appendTail(rewritten);
            line = rewritten.toString();
            if (line.stripTrailing().endsWith("\\")) {
                shift = Math.max(shift, delta);
            } else {
                shift = 0;
            }
            result.add(line);
        }
        return result.toArray(String[]::new);
    }
}
