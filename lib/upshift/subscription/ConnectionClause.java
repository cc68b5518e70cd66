package upshift.subscription;

import java.util.LinkedHashMap;
import java.util.Map;

import upshift.connect.ConnectionStrings;
import upshift.connect.Endpoint;
import upshift.sql.Sql;

/**
 * The CONNECTION '...' of a subscription. Executed, it carries the password (the subscriber's server needs it).
 * Under --dry-run no password may be printed, yet the script must run unchanged in psql: the password then comes
 * from a psql variable the operator passes ({@code psql -v origin_password=...}), spliced in with \set.
 */
public final class ConnectionClause {

    private final String conninfo;
    private final String passwordVariable;

    /**
     * @param conninfo         libpq conninfo the subscriber's server uses to reach the publisher
     * @param passwordVariable psql variable name for the dry-run script, e.g. {@code origin_password}
     */
    public ConnectionClause(String conninfo, String passwordVariable) {
        this.conninfo = conninfo;
        this.passwordVariable = passwordVariable;
    }

    /** CONNECTION 'conninfo' with the password, for execution. */
    public String forExecution() {
        return "CONNECTION " + Sql.literal(conninfo);
    }

    /**
     * psql meta-commands that must precede the dry-run statement (empty when the conninfo has no password: the
     * subscriber's server then uses its own password file).
     */
    public String dryRunPreamble() {
        Map<String, String> params = new LinkedHashMap<>(ConnectionStrings.parse(conninfo));
        if (!params.containsKey("password")) {
            return "";
        }
        params.remove("password");
        params.remove("sslpassword");
        StringBuilder withoutPassword = new StringBuilder();
        params.forEach((k, v) -> withoutPassword.append(k).append('=').append(Endpoint.quoteConninfoValue(v))
                .append(' '));
        String variable = psqlVariable();
        return "-- the password is not printed: run this script with  psql -v " + passwordVariable + "='...'\n"
                + "\\set " + variable + " " + Sql.literal(withoutPassword + "password=") + " :" + passwordVariable;
    }

    /** CONNECTION for the dry-run script: a psql variable when a password is involved. */
    public String forDryRun() {
        return dryRunPreamble().isEmpty() ? forExecution() : "CONNECTION :'" + psqlVariable() + "'";
    }

    private String psqlVariable() {
        return "upshift_" + passwordVariable.replace("_password", "") + "_conninfo";
    }
}
