package upshift.junit;

import java.util.List;
import java.util.Locale;

import upshift.switchover.WriteFreeze;

/**
 * What to rehearse: {@link UpshiftRehearsal}'s attributes, or {@link UpshiftRehearsalExtension.Builder}'s.
 * Empty strings of the annotation are nulls here.
 */
public record RehearsalSpec(int origin, int destination, String schema, String newSchema, String newModelCommand,
        String newModelDir, String rows, int rate, long seed, WriteFreeze.Mode freeze, boolean switchback,
        List<String> defaults, String provider, String junitReport, boolean requirePass) {

    public RehearsalSpec {
        if (schema == null || schema.isBlank()) {
            throw new IllegalArgumentException("an upshift rehearsal needs a schema (the old model's SQL file)");
        }
        if (origin >= destination) {
            throw new IllegalArgumentException("the destination's major version (" + destination
                    + ") must be newer than the origin's (" + origin + ")");
        }
        if (newSchema != null && newModelCommand != null) {
            throw new IllegalArgumentException("give the new model as newSchema or as newModelCommand, not both");
        }
        if (rate < 0) {
            throw new IllegalArgumentException("rate " + rate + " is negative");
        }
        defaults = defaults == null ? List.of() : List.copyOf(defaults);
    }

    static RehearsalSpec of(UpshiftRehearsal a) {
        return new RehearsalSpec(a.origin(), a.destination(), a.schema(), blankToNull(a.newSchema()),
                blankToNull(a.newModelCommand()), blankToNull(a.newModelDir()), blankToNull(a.rows()), a.rate(),
                a.seed(), freeze(a.freeze()), a.switchback(), List.of(a.defaults()), blankToNull(a.provider()),
                blankToNull(a.junitReport()), a.requirePass());
    }

    static WriteFreeze.Mode freeze(String label) {
        try {
            return WriteFreeze.Mode.valueOf(label.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("freeze \"" + label + "\" is not hard, soft or none", e);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
