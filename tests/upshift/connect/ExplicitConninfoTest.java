package upshift.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import upshift.ExitCode;
import upshift.UpshiftException;

/** --origin-conninfo / --destination-conninfo against the conninfo derived from --origin / --destination. */
class ExplicitConninfoTest {

    @AfterEach
    void forgetPasswords() {
        Secrets.forgetAll();
    }

    private static Endpoint derived(String url) {
        return Endpoint.resolve(url, new Environment(Map.of(), Path.of("/nonexistent"), "osuser"));
    }

    @Test
    void theSameUserKeepsThePasswordAndSaysSo() {
        Endpoint origin = derived("postgresql://app:s3cr%20t@old-db:5432/app");
        ExplicitConninfo c = ExplicitConninfo.complete("host=10.0.0.5 dbname=app user=app", origin,
                "--origin-conninfo", "--origin");
        assertEquals("host=10.0.0.5 dbname=app user=app password='s3cr t'", c.conninfo());
        assertEquals("--origin-conninfo names user \"app\" and no password: the password of --origin (same user)"
                + " is used for it", c.note());
        assertFalse(c.note().contains("s3cr"));

        ExplicitConninfo uri = ExplicitConninfo.complete("postgresql://app@10.0.0.5/app?sslmode=require", origin,
                "--origin-conninfo", "--origin");
        assertEquals("postgresql://app@10.0.0.5/app?sslmode=require&password=s3cr%20t", uri.conninfo());
        assertEquals("s3cr t", ConnectionStrings.parse(uri.conninfo()).get("password"), "still one conninfo");
    }

    @Test
    void anotherUserWithoutAPasswordIsRefusedWithTheReason() {
        Endpoint origin = derived("postgresql://app:pw1@old-db/app");
        for (String given : new String[] {"host=10.0.0.5 dbname=app user=replicator", "host=10.0.0.5 dbname=app"}) {
            UpshiftException e = assertThrows(UpshiftException.class,
                    () -> ExplicitConninfo.complete(given, origin, "--origin-conninfo", "--origin"), given);
            assertEquals(ExitCode.USAGE, e.exitCode());
            assertTrue(e.getMessage().startsWith("--origin-conninfo has no password and names "), e.getMessage());
            assertTrue(e.hint().contains("replaces the conninfo derived from --origin, which carried the password"),
                    e.hint());
            assertFalse(e.getMessage().contains("pw1") || e.hint().contains("pw1"));
        }
    }

    @Test
    void whatNeedsNoHelpIsUsedAsGiven() {
        Endpoint withPassword = derived("postgresql://app:pw2@old-db/app");
        Endpoint withoutPassword = derived("postgresql://app@old-db/app");
        String own = "host=new-db user=replicator password=other";
        assertEquals(own, ExplicitConninfo.complete(own, withPassword, "--destination-conninfo", "--destination")
                .conninfo());
        String cert = "host=new-db user=replicator sslmode=verify-full sslcert=/c.crt sslkey=/c.key";
        assertNull(ExplicitConninfo.complete(cert, withPassword, "--origin-conninfo", "--origin").note(),
                "a client certificate authenticates");
        String noPassword = "host=new-db user=replicator";
        assertEquals(noPassword, ExplicitConninfo.complete(noPassword, withoutPassword, "--origin-conninfo",
                "--origin").conninfo(), "nothing was lost: --origin had no password either");
        assertEquals(noPassword, ExplicitConninfo.complete(noPassword, null, "--origin-conninfo", "--origin")
                .conninfo(), "no --origin given");
        assertEquals(ExitCode.USAGE, assertThrows(UpshiftException.class, () -> ExplicitConninfo.complete(
                "host=x bogus=1", withPassword, "--origin-conninfo", "--origin")).exitCode());
    }
}
