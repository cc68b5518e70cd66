package upshift.status;

/**
 * The status of one migration: each side (null where it was not given) and the phase derived from both.
 *
 * @param phase where the runbook stands and what comes next; null unless both sides were given
 */
public record StatusReport(String migration, String phase, ClusterStatus origin, ClusterStatus destination) {
}
