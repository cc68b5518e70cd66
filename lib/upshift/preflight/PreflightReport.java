package upshift.preflight;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnore;

import upshift.schema.TableDrift;

/**
 * What preflight found on both servers: the findings, most serious first, and a summary. Later steps reuse it
 * (create-subscription asks {@link #binarySafe()}).
 *
 * @param migration   the migration name
 * @param origin      the origin server
 * @param destination the destination server
 * @param tables      the tables the migration publishes
 * @param findings    every finding, BLOCKING first, then WARNING, then INFO
 * @param summary     counts per severity and the binary-transfer verdict
 * @param drifts      the schema comparison behind the findings (empty when the destination has no schema yet)
 */
public record PreflightReport(String migration, Server origin, Server destination,
        List<upshift.sql.QualifiedName> tables,
        List<Finding> findings, Summary summary, @JsonIgnore List<TableDrift> drifts) {

    /** One side, as the report header shows it. */
    public record Server(String endpoint, String version, int major, String flavour, String database, String user) {
    }

    /**
     * @param blocking   findings that stop the migration
     * @param warnings   findings that need a decision or a later step
     * @param info       findings worth knowing
     * @param binarySafe whether the subscription may use {@code binary = true}
     * @param ready      no blocking finding: preflight exits 0
     */
    public record Summary(int blocking, int warnings, int info, boolean binarySafe, boolean ready) {
    }

    public PreflightReport {
        tables = List.copyOf(tables);
        findings = List.copyOf(findings);
        drifts = List.copyOf(drifts);
    }

    /** No blocking finding. */
    public boolean ready() {
        return summary.ready();
    }

    /**
     * Whether {@code binary = true} is safe for the subscription: both servers support it and every replicated
     * column has the same type on both sides.
     */
    public boolean binarySafe() {
        return summary.binarySafe();
    }

    public List<Finding> findings(Severity severity) {
        return findings.stream().filter(f -> f.severity() == severity).toList();
    }

    /** Findings of one check (e.g. {@code replica-identity}), in report order. */
    public List<Finding> findings(String check) {
        return findings.stream().filter(f -> f.check().equals(check)).toList();
    }
}
