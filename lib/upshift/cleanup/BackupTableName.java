package upshift.cleanup;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import upshift.sql.QualifiedName;

/**
 * The name of the table drop-added-columns copies a column into before dropping it: in the table's schema,
 * {@code __upshift_backup__<table>__<column>}. PostgreSQL silently truncates identifiers to 63 bytes, which could
 * make two backups collide; a longer name is cut at a character boundary and ends in {@code _} and 8 hex digits
 * of a hash of the full name instead.
 */
public final class BackupTableName {

    public static final String PREFIX = "__upshift_backup__";

    /** NAMEDATALEN - 1: the longest identifier PostgreSQL keeps, in bytes. */
    static final int MAX_BYTES = 63;
    private static final int HASH_HEX = 8;

    private BackupTableName() {
    }

    public static QualifiedName of(QualifiedName table, String column) {
        return new QualifiedName(table.schema(), name(table.name(), column));
    }

    static String name(String table, String column) {
        String full = PREFIX + table + "__" + column;
        if (bytes(full) <= MAX_BYTES) {
            return full;
        }
        String suffix = "_" + hash(full);
        return prefixWithin(full, MAX_BYTES - bytes(suffix)) + suffix;
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The longest prefix of s (whole code points) that fits in maxBytes of UTF-8. */
    private static String prefixWithin(String s, int maxBytes) {
        int used = 0;
        int end = 0;
        while (end < s.length()) {
            int cp = s.codePointAt(end);
            int len = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (used + len > maxBytes) {
                break;
            }
            used += len;
            end += Character.charCount(cp);
        }
        return s.substring(0, end);
    }

    private static String hash(String s) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, HASH_HEX);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
