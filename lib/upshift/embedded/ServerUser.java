package upshift.embedded;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.List;

import upshift.UpshiftException;

/**
 * The operating-system user an embedded server runs as. PostgreSQL refuses to run as root, so a root JVM runs
 * initdb, pg_ctl and postgres through {@code setpriv} as {@code nobody}, in directories owned by {@code nobody};
 * any other JVM runs them as itself.
 */
final class ServerUser {

    static final String UNPRIVILEGED_USER = "nobody";
    private static final String[] UNPRIVILEGED_GROUPS = {"nogroup", "nobody"};

    private final List<String> prefix;
    private final UserPrincipal owner;
    private final GroupPrincipal group;

    private ServerUser(List<String> prefix, UserPrincipal owner, GroupPrincipal group) {
        this.prefix = prefix;
        this.owner = owner;
        this.group = group;
    }

    /** {@code nobody} through setpriv when this JVM is root, else the JVM's own user. */
    static ServerUser forThisJvm() {
        return isRoot() ? unprivileged() : new ServerUser(List.of(), null, null);
    }

    /** True when commands are run as another user than the JVM's. */
    boolean switchesUser() {
        return owner != null;
    }

    /** The command line that runs {@code command} as this user. */
    List<String> command(List<String> command) {
        List<String> result = new ArrayList<>(prefix);
        result.addAll(command);
        return result;
    }

    /** Hands a file or directory this JVM created to this user. */
    void own(Path path) throws IOException {
        if (owner != null) {
            PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS);
            view.setOwner(owner);
            view.setGroup(group);
        }
    }

    /**
     * Fails unless this user can reach {@code path}: when the server runs as {@code nobody}, it and every directory
     * above it must be traversable by other users.
     */
    void checkCanReach(Path path) {
        if (owner == null) {
            return;
        }
        for (Path dir = path.toAbsolutePath(); dir != null; dir = dir.getParent()) {
            try {
                if (!Files.getPosixFilePermissions(dir).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    throw new UpshiftException(path + " is out of reach of user " + UNPRIVILEGED_USER
                            + ", who runs the embedded server: " + dir + " is not traversable by other users",
                            "point -Djava.io.tmpdir or -Dupshift.postgres.cache at a directory every user can"
                                    + " traverse (e.g. /tmp)");
                }
            } catch (IOException e) {
                throw new UpshiftException("could not read the permissions of " + dir + ": " + e,
                        "check that " + path + " exists and is readable", e);
            }
        }
    }

    @Override
    public String toString() {
        return owner == null ? System.getProperty("user.name") : owner.getName() + " (via setpriv)";
    }

    private static ServerUser unprivileged() {
        UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
        UserPrincipal user;
        try {
            user = lookup.lookupPrincipalByName(UNPRIVILEGED_USER);
        } catch (IOException e) {
            throw new UpshiftException("this JVM runs as root, which PostgreSQL refuses, and there is no user "
                    + UNPRIVILEGED_USER + " to run the server as", "run as an ordinary user, or create user "
                    + UNPRIVILEGED_USER, e);
        }
        GroupPrincipal group = unprivilegedGroup(lookup);
        List<String> prefix = List.of(setpriv().toString(), "--reuid=" + user.getName(),
                "--regid=" + group.getName(), "--clear-groups", "--");
        return new ServerUser(prefix, user, group);
    }

    private static GroupPrincipal unprivilegedGroup(UserPrincipalLookupService lookup) {
        for (String name : UNPRIVILEGED_GROUPS) {
            try {
                return lookup.lookupPrincipalByGroupName(name);
            } catch (UserPrincipalNotFoundException absent) {
                // try the next conventional name
            } catch (IOException e) {
                throw new UpshiftException("could not look up group " + name + ": " + e,
                        "check /etc/group", e);
            }
        }
        throw new UpshiftException("this JVM runs as root and none of the groups " + String.join(", ",
                UNPRIVILEGED_GROUPS) + " exists to run the server with", "create group nogroup, or run as an"
                + " ordinary user");
    }

    private static Path setpriv() {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        List<String> dirs = new ArrayList<>(List.of(path.split(":")));
        dirs.addAll(List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin"));
        for (String dir : dirs) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "setpriv");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new UpshiftException("this JVM runs as root, which PostgreSQL refuses, and setpriv is not installed"
                + " to run the server as " + UNPRIVILEGED_USER, "install util-linux (apt-get install util-linux),"
                + " or run as an ordinary user");
    }

    private static boolean isRoot() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return Integer.valueOf(0).equals(uid);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }
}
