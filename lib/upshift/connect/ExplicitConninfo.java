package upshift.connect;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

import upshift.UpshiftException;

/**
 * An explicit {@code --origin-conninfo} / {@code --destination-conninfo}: the conninfo a server uses to reach the
 * other one, given instead of the one derived from {@code --origin} / {@code --destination}. It replaces the
 * derived conninfo whole, and the derived one carries the password (from the URL, PGPASSWORD or the password
 * file), which an explicit one easily leaves out: the server then fails with "password is required". So:
 * an explicit conninfo without a password that names the derived one's user keeps the derived password (and says
 * so); one that names another user (or none) is refused with a hint, unless it authenticates otherwise (a client
 * certificate, GSSAPI, require_auth).
 *
 * @param conninfo what the server gets (never print it: it may hold the password)
 * @param note     what was done to it, for the operator; null when it is used as given
 */
public record ExplicitConninfo(String conninfo, String note) {

    /**
     * @param explicit      the option's value
     * @param derived       the endpoint the option replaces (from --origin / --destination); null when not given
     * @param option        "--origin-conninfo"
     * @param derivedOption "--origin"
     */
    public static ExplicitConninfo complete(String explicit, Endpoint derived, String option, String derivedOption) {
        Map<String, String> params = ConnectionStrings.parse(explicit);
        Secrets.register(params.get("password"));
        if (derived == null || !derived.hasPassword() || present(params.get("password"))
                || authenticatesOtherwise(params)) {
            return new ExplicitConninfo(explicit, null);
        }
        String user = params.get("user");
        if (derived.user().equals(user)) {
            String password = derived.get("password");
            String lower = explicit.strip().toLowerCase(Locale.ROOT);
            String completed;
            if (lower.startsWith("postgresql://") || lower.startsWith("postgres://")) {
                String encoded = URLEncoder.encode(password, StandardCharsets.UTF_8).replace("+", "%20");
                completed = explicit.strip() + (explicit.contains("?") ? "&" : "?") + "password=" + encoded;
            } else {
                completed = explicit.strip() + " password=" + Endpoint.quoteConninfoValue(password);
            }
            return new ExplicitConninfo(completed, option + " names user \"" + user + "\" and no password: the"
                    + " password of " + derivedOption + " (same user) is used for it");
        }
        String who = present(user) ? "user \"" + user + "\"" : "no user (the server would log in as its own OS"
                + " user)";
        throw UpshiftException.usage(option + " has no password and names " + who + ", not \"" + derived.user()
                + "\" of " + derivedOption,
                option + " replaces the conninfo derived from " + derivedOption + ", which carried the password:"
                        + " add password=... (or user=" + Endpoint.quoteConninfoValue(derived.user())
                        + " to reuse " + derivedOption + "'s), or leave " + option + " out");
    }

    private static boolean authenticatesOtherwise(Map<String, String> params) {
        return present(params.get("sslcert")) || present(params.get("sslkey"))
                || "require".equals(params.get("gssencmode")) || present(params.get("require_auth"))
                || present(params.get("passfile"));
    }

    private static boolean present(String value) {
        return value != null && !value.isEmpty();
    }
}
