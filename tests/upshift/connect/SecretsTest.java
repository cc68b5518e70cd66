package upshift.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

class SecretsTest {

    /** The made-up passwords these tests resolve must not mask words in later tests' output (one JVM). */
    @org.junit.jupiter.api.AfterEach
    void forgetPasswords() {
        Secrets.forgetAll();
    }


    @Test
    void masksEveryConnectionStringForm() {
        assertEquals("postgresql://u:********@h/db", Secrets.redact("postgresql://u:pw@h/db"));
        assertEquals("jdbc:postgresql://h/db?user=u&password=********&x=1",
                Secrets.redact("jdbc:postgresql://h/db?user=u&password=pw&x=1"));
        assertEquals("host=h password=******** port=1", Secrets.redact("host=h password=pw port=1"));
        assertEquals("host=h password=******** port=1", Secrets.redact("host=h password='p w\\'x' port=1"));
        // inside a SQL literal, where quotes are doubled
        assertEquals("CONNECTION 'host=h password=******** dbname=d'",
                Secrets.redact("CONNECTION 'host=h password=''it\\''s secret'' dbname=d'"));
        assertEquals("CONNECTION 'host=h password=********'", Secrets.redact("CONNECTION 'host=h password=abc'"));
    }

    @Test
    void masksRegisteredPasswordsWherever_theyAppear() {
        Secrets.register("correct-horse-battery");
        String message = Secrets.redact("FATAL: role \"x\" with secret correct-horse-battery rejected");
        assertFalse(message.contains("correct-horse-battery"), message);
    }

    @Test
    void theTlsKeyPassphraseIsMaskedToo() {
        assertEquals("host=h sslpassword=******** sslmode=verify-full",
                Secrets.redact("host=h sslpassword=keypass sslmode=verify-full"));
    }

    @Test
    void aPsqlVariableNamedLikeAPasswordIsNotMasked() {
        assertEquals("psql -v origin_password=...", Secrets.redact("psql -v origin_password=..."));
    }

    @Test
    void shortPasswordsAreNotMaskedInsideOrdinaryWords() {
        Secrets.register("p");
        assertEquals("replication", Secrets.redact("replication"));
    }
}
