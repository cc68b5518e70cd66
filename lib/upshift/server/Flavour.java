package upshift.server;

/** Where the server runs. Detected from settings and functions the server has, never from its host name. */
public enum Flavour {
    COMMUNITY("community"),
    RDS("Amazon RDS"),
    AURORA("Amazon Aurora");

    private final String label;

    Flavour(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Managed services: no real superuser, parameters through parameter groups, rds.logical_replication. */
    public boolean isManaged() {
        return this != COMMUNITY;
    }

    /**
     * Aurora has its own functions (aurora_version()); RDS and Aurora both have rds.* settings.
     */
    public static Flavour detect(boolean hasAuroraVersionFunction, boolean hasRdsSettings) {
        if (hasAuroraVersionFunction) {
            return AURORA;
        }
        return hasRdsSettings ? RDS : COMMUNITY;
    }

    @Override
    public String toString() {
        return label;
    }
}
