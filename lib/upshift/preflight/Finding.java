package upshift.preflight;

/**
 * One thing preflight found.
 *
 * @param severity BLOCKING, WARNING or INFO
 * @param check    a stable name for the kind of finding (e.g. {@code replica-identity}, {@code value-length}),
 *                 for scripts and tests that look for one
 * @param side     the server it is about
 * @param subject  what it is about: a table ({@code public.auth_user}), a column
 *                 ({@code public.auth_user.username}), a setting, a role
 * @param problem  what is wrong or worth knowing, in one or two sentences
 * @param fix      the exact command or SQL that fixes it (may span lines), or null when there is nothing to do
 */
public record Finding(Severity severity, String check, Side side, String subject, String problem, String fix) {

    public boolean blocking() {
        return severity == Severity.BLOCKING;
    }
}
