package upshift.status;

/** The status of one migration: each side, null where it was not given. */
public record StatusReport(String migration, ClusterStatus origin, ClusterStatus destination) {
}
