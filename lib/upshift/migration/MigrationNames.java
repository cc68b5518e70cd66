package upshift.migration;

import java.util.regex.Pattern;

import upshift.UpshiftException;

/**
 * The objects one migration creates, all derived from its name (default {@code upshift}): forward publication,
 * subscription and slot, and their rollback twins.
 */
public record MigrationNames(String name) {

    public static final String DEFAULT = "upshift";

    /** Replication slot names allow lower-case letters, digits and underscores, at most 63 bytes. */
    private static final Pattern VALID = Pattern.compile("[a-z0-9_]+");
    private static final int LONGEST_SUFFIX = "_rollback_slot".length();

    public MigrationNames {
        if (name == null || !VALID.matcher(name).matches() || name.length() + LONGEST_SUFFIX > 63) {
            throw UpshiftException.usage("invalid migration name \"" + name + "\"",
                    "use lower-case letters, digits and underscores, at most " + (63 - LONGEST_SUFFIX)
                            + " characters (it becomes part of replication slot names)");
        }
    }

    public String publication() {
        return name + "_pub";
    }

    public String subscription() {
        return name + "_sub";
    }

    public String slot() {
        return name + "_slot";
    }

    public String rollbackPublication() {
        return name + "_rollback_pub";
    }

    public String rollbackSubscription() {
        return name + "_rollback_sub";
    }

    public String rollbackSlot() {
        return name + "_rollback_slot";
    }
}
