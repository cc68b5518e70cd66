package upshift.preflight;

import java.util.function.Consumer;

import upshift.migration.MigrationNames;
import upshift.schema.AcceptedLossy;

/**
 * How preflight runs.
 *
 * @param names           the migration's object names: its own slots and subscriptions are not counted as
 *                        capacity in use, and existing ones are reported as already in place
 * @param skipDataChecks  do not scan origin tables for values that would not fit the destination's narrower
 *                        types (for very large databases); those checks become "not checked" warnings
 * @param progress        where progress lines go (the script passes its Output's note); never null
 * @param rollbackConninfo how origin's server reaches destination for the rollback subscription; null skips the
 *                        checks of the way back (--no-rollback)
 * @param acceptLossy     columns whose change of values in the new model is intended (--accept-lossy): their
 *                        lossy conversion is a warning instead of blocking; rejected values still block
 */
public record PreflightOptions(MigrationNames names, boolean skipDataChecks, Consumer<String> progress,
        String rollbackConninfo, AcceptedLossy acceptLossy) {

    /** Without accepted lossy columns. */
    public PreflightOptions(MigrationNames names, boolean skipDataChecks, Consumer<String> progress,
            String rollbackConninfo) {
        this(names, skipDataChecks, progress, rollbackConninfo, AcceptedLossy.NONE);
    }

    public PreflightOptions {
        if (names == null) {
            names = new MigrationNames(MigrationNames.DEFAULT);
        }
        if (progress == null) {
            progress = line -> { };
        }
        if (acceptLossy == null) {
            acceptLossy = AcceptedLossy.NONE;
        }
    }

    /** The default migration name, data checks on, no progress output, no checks of the way back. */
    public static PreflightOptions defaults() {
        return new PreflightOptions(null, false, null, null);
    }
}
