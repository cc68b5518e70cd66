package upshift.pgtools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.sample.SampleApp;
import upshift.testing.Run;

/**
 * dump-schema on a reference database (the new model, on the 13 server: the only major this machine's pg_dump 15
 * can dump next to 16) and restore-schema into a fresh database on the 16 server, through the scripts, in-process;
 * pg_dump and psql run on this machine against the servers' host-visible ports.
 */
class SchemaDumpRestoreTest {

    @TempDir
    Path work;

    /** A fresh database with the new model on the given server; returns its URL (with password). */
    private static String reference(PgServer server, String database) throws SQLException {
        server.createDatabase(database);
        try (Connection c = connect(server, database)) {
            SampleApp.createNewModel(c);
        }
        return server.uri(database);
    }

    private static Connection connect(PgServer server, String database) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(database), server.superuser(), server.password());
    }

    private static Run dump(String referenceUrl, Path dir, String... more) {
        List<String> args = new ArrayList<>(List.of("--dir", dir.toString()));
        args.addAll(List.of(more));
        return Run.script("DumpSchema", Map.of("PGURL_REFERENCE", referenceUrl), args.toArray(String[]::new));
    }

    private static Run restore(String destinationUrl, Path dir, String... more) {
        List<String> args = new ArrayList<>(List.of("--dir", dir.toString()));
        args.addAll(List.of(more));
        return Run.script("RestoreSchema", Map.of("PGURL_DESTINATION", destinationUrl), args.toArray(String[]::new));
    }

    private static String column(Connection c, String schema, String table, String column) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a"
                        + " JOIN pg_catalog.pg_class r ON r.oid = a.attrelid"
                        + " JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace"
                        + " WHERE n.nspname = '" + schema + "' AND r.relname = '" + table + "'"
                        + " AND a.attname = '" + column + "'")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Tables outside the system schemas. */
    private static long userTables(Connection c) throws SQLException {
        return count(c, "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
                + " ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p')"
                + " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'");
    }

    private static void assertNoPassword(PgServer server, Run run) {
        assertFalse(run.stdout().contains(server.password()), "password on stdout:\n" + run.stdout());
        assertFalse(run.stderr().contains(server.password()), "password on stderr:\n" + run.stderr());
    }

    @ParameterizedTest(name = "dump-schema 13, restore-schema 16 [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void dumpsTheNewModelAndRestoresItOnTheDestination(PgProvider provider) throws Exception {
        PgServer v13 = Providers.shared(provider, 13);
        PgServer v16 = Providers.shared(provider, 16);
        String referenceUrl = reference(v13, "pgtools_ref");
        v16.createDatabase("pgtools_dst");
        String destinationUrl = v16.uri("pgtools_dst");
        Path dir = work.resolve("schema");

        Run dryDump = dump(referenceUrl, dir, "--dry-run");
        assertEquals(ExitCode.OK, dryDump.exitCode(), dryDump.stderr());
        assertTrue(dryDump.stdout().contains("--schema-only"), dryDump.stdout());
        assertTrue(dryDump.stdout().contains("# dump-schema runs a client tool, pg_dump; it has no SQL of its own"),
                "a dry run that prints no SQL says so: " + dryDump.stdout());
        assertFalse(Files.exists(dir), "--dry-run wrote files");
        assertNoPassword(v13, dryDump);

        Run dumped = dump(referenceUrl, dir);
        assertEquals(ExitCode.OK, dumped.exitCode(), dumped.stderr());
        assertNoPassword(v13, dumped);
        assertTrue(Files.readString(dir.resolve("schema.sql")).contains("CREATE TABLE public.auth_user"));
        assertTrue(Files.readString(dir.resolve("django_migrations.sql")).contains("COPY public.django_migrations"));
        JsonNode manifest = new ObjectMapper().readTree(dir.resolve("manifest.json").toFile());
        assertEquals(7, manifest.get("tableCount").asInt(), manifest.toString());
        assertEquals(6, manifest.get("djangoMigrationsRows").asInt(), manifest.toString());
        assertTrue(manifest.at("/reference/serverVersion").asText().startsWith("13."), manifest.toString());
        assertFalse(manifest.at("/pgDump/version").asText().isEmpty(), manifest.toString());
        assertFalse(manifest.get("createdAt").asText().isEmpty());
        assertTrue(manifest.get("tables").toString().contains("{\"schema\":\"Billing\",\"name\":\"Invoice\"}"),
                manifest.toString());
        assertFalse(manifest.toString().contains(v13.password()), "password in the manifest");

        Run again = dump(referenceUrl, dir);
        assertEquals(ExitCode.OK, again.exitCode(), again.stderr());
        assertTrue(again.stdout().contains("already dumped"), again.stdout());

        Run dryRestore = restore(destinationUrl, dir, "--dry-run");
        assertEquals(ExitCode.OK, dryRestore.exitCode(), dryRestore.stderr());
        assertTrue(dryRestore.stdout().contains("--single-transaction"), dryRestore.stdout());
        assertTrue(dryRestore.stdout().contains("# restore-schema runs a client tool, psql, on the dump files; it has"
                + " no SQL of its own to print."), "a dry run that prints no SQL says so: " + dryRestore.stdout());
        assertTrue(dryRestore.stdout().contains("ON_ERROR_STOP=1"), dryRestore.stdout());
        assertFalse(dryRestore.stdout().contains("CREATE TABLE"), "dry run printed the file contents");
        assertNoPassword(v16, dryRestore);
        try (Connection d = connect(v16, "pgtools_dst")) {
            assertEquals(0, userTables(d), "--dry-run changed the destination");
        }

        Run restored = restore(destinationUrl, dir);
        assertEquals(ExitCode.OK, restored.exitCode(), restored.stdout() + restored.stderr());
        assertNoPassword(v16, restored);
        assertTrue(restored.stdout().contains("restored 7 tables"), restored.stdout());
        try (Connection d = connect(v16, "pgtools_dst")) {
            assertEquals("bigint", column(d, "public", "auth_user", "id"));
            assertEquals("character varying(150)", column(d, "public", "auth_user", "username"));
            assertEquals("character varying(254)", column(d, "public", "auth_user", "email"));
            assertEquals("bigint", column(d, "public", "shop_orderline", "order_id"));
            assertEquals("character varying(200)", column(d, "public", "shop_product", "name"));
            assertEquals("bigint", column(d, "Billing", "Invoice", "Id"));
            assertEquals(null, column(d, "public", "auth_user", "legacy_flags"));
            assertEquals(6, count(d, "SELECT count(*) FROM public.django_migrations"));
            assertEquals(7, count(d, "SELECT nextval('public.django_migrations_id_seq')"));
            assertEquals(7, userTables(d));
        }

        Run rerun = restore(destinationUrl, dir, "--json");
        assertEquals(ExitCode.OK, rerun.exitCode(), rerun.stderr());
        JsonNode result = new ObjectMapper().readTree(rerun.stdout());
        assertEquals("already-restored", result.get("status").asText());
        assertEquals(6, result.get("djangoMigrationsRows").asInt());
        Run rerunText = restore(destinationUrl, dir);
        assertEquals(ExitCode.OK, rerunText.exitCode(), rerunText.stderr());
        assertTrue(rerunText.stdout().contains("already restored"), rerunText.stdout());
    }

    @ParameterizedTest(name = "a broken statement restores nothing [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void aFailingStatementIsNamedAndNothingIsRestored(PgProvider provider) throws Exception {
        PgServer v13 = Providers.shared(provider, 13);
        PgServer v16 = Providers.shared(provider, 16);
        String referenceUrl = reference(v13, "pgtools_ref_broken");
        v16.createDatabase("pgtools_dst_broken");
        Path dir = work.resolve("broken");
        Run dumped = dump(referenceUrl, dir);
        assertEquals(ExitCode.OK, dumped.exitCode(), dumped.stderr());

        // a bad row in the second file: the first file's tables go too (one transaction for both files)
        Path django = dir.resolve("django_migrations.sql");
        String goodRows = Files.readString(django);
        Files.writeString(django, goodRows.replaceFirst("\n1\tauth\t", "\nnot-a-number\tauth\t"));
        Run badRow = restore(v16.uri("pgtools_dst_broken"), dir);
        assertEquals(ExitCode.FAILED, badRow.exitCode(), badRow.stdout() + badRow.stderr());
        assertTrue(badRow.stderr().contains(django + ":"), badRow.stderr());
        assertTrue(badRow.stderr().contains("\"COPY public.django_migrations"), badRow.stderr());
        assertTrue(badRow.stderr().contains("not-a-number"), badRow.stderr());
        try (Connection d = connect(v16, "pgtools_dst_broken")) {
            assertEquals(0, userTables(d), "a failed restore left tables behind");
        }
        Files.writeString(django, goodRows);

        // a statement that fails, after the first tables were created in the same transaction
        Path schema = dir.resolve("schema.sql");
        List<String> lines = new ArrayList<>(Files.readAllLines(schema));
        int after = lines.indexOf("CREATE TABLE public.auth_user (");
        while (!lines.get(after).equals(");")) {
            after++;
        }
        after++; // index just after the auth_user statement
        lines.addAll(after, List.of("", "CREATE TABLE public.broken (",
                "    id integer REFERENCES public.no_such_table (id)", ");"));
        Files.write(schema, lines);
        int brokenFirst = after + 2;

        Run failed = restore(v16.uri("pgtools_dst_broken"), dir);
        assertEquals(ExitCode.FAILED, failed.exitCode(), failed.stdout() + failed.stderr());
        assertNoPassword(v16, failed);
        String err = failed.stderr();
        assertTrue(err.contains(schema + ":"), err);
        assertTrue(err.contains("statement from line " + brokenFirst + " \"CREATE TABLE public.broken (\""), err);
        assertTrue(err.contains("no_such_table"), err);
        assertTrue(err.contains("nothing was restored"), err);
        try (Connection d = connect(v16, "pgtools_dst_broken")) {
            assertEquals(0, userTables(d), "a failed restore left tables behind");
            assertEquals(0, count(d, "SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = 'Billing'"));
        }
    }

    @ParameterizedTest(name = "a partly restored destination fails [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void aPartlyRestoredDestinationIsNotTouched(PgProvider provider) throws Exception {
        PgServer v13 = Providers.shared(provider, 13);
        PgServer v16 = Providers.shared(provider, 16);
        String referenceUrl = reference(v13, "pgtools_ref_partial");
        v16.createDatabase("pgtools_dst_partial");
        try (Connection d = connect(v16, "pgtools_dst_partial"); Statement st = d.createStatement()) {
            st.execute("CREATE TABLE public.auth_user (id bigint PRIMARY KEY)");
        }
        Path dir = work.resolve("partial");
        assertEquals(ExitCode.OK, dump(referenceUrl, dir).exitCode());
        Run run = restore(v16.uri("pgtools_dst_partial"), dir);
        assertEquals(ExitCode.FAILED, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("already has 1 of the dump's 7 tables"), run.stderr());
        assertTrue(run.stderr().contains("hint:"), run.stderr());
        try (Connection d = connect(v16, "pgtools_dst_partial")) {
            assertEquals(1, userTables(d));
        }
    }

    @ParameterizedTest(name = "a folder with another dump needs --force [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void aDifferentDumpIsNotOverwrittenWithoutForce(PgProvider provider) throws Exception {
        PgServer v13 = Providers.shared(provider, 13);
        String referenceUrl = reference(v13, "pgtools_ref_force");
        Path dir = work.resolve("force");
        assertEquals(ExitCode.OK, dump(referenceUrl, dir).exitCode());
        String before = Files.readString(dir.resolve("schema.sql"));
        try (Connection c = connect(v13, "pgtools_ref_force"); Statement st = c.createStatement()) {
            st.execute("ALTER TABLE public.shop_product ADD COLUMN weight numeric");
        }
        Run refused = dump(referenceUrl, dir);
        assertEquals(ExitCode.FAILED, refused.exitCode(), refused.stderr());
        assertTrue(refused.stderr().contains("schema.sql differs"), refused.stderr());
        assertTrue(refused.stderr().contains("--force"), refused.stderr());
        assertEquals(before, Files.readString(dir.resolve("schema.sql")));

        Run forced = dump(referenceUrl, dir, "--force", "--django-migrations-table", "none");
        assertEquals(ExitCode.OK, forced.exitCode(), forced.stderr());
        assertTrue(Files.readString(dir.resolve("schema.sql")).contains("weight numeric"));
        assertFalse(Files.exists(dir.resolve("django_migrations.sql")));
        assertNotEquals(before, Files.readString(dir.resolve("schema.sql")));

        Path stranger = work.resolve("stranger");
        Files.createDirectories(stranger);
        Files.writeString(stranger.resolve("notes.txt"), "mine");
        Run notOurs = dump(referenceUrl, stranger);
        assertEquals(ExitCode.FAILED, notOurs.exitCode(), notOurs.stderr());
        assertTrue(notOurs.stderr().contains("not empty"), notOurs.stderr());
    }

    @ParameterizedTest(name = "pg_dump older than the server is refused [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void refusesToDumpAServerNewerThanPgDump(PgProvider provider) throws Exception {
        PgVersion pgDump = PgToolFinder.system(null).newest("pg_dump").version();
        assumeTrue(pgDump.major() < 16, "this machine has pg_dump " + pgDump + ", which can dump 16");
        PgServer v16 = Providers.shared(provider, 16);
        String referenceUrl = reference(v16, "pgtools_ref_16");
        Path dir = work.resolve("newer");
        Run run = dump(referenceUrl, dir);
        assertEquals(ExitCode.FAILED, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("error: pg_dump " + pgDump + " cannot dump PostgreSQL 16."), run.stderr());
        assertTrue(run.stderr().contains("install postgresql-client-16 or pass --pg-bin"), run.stderr());
        assertFalse(Files.exists(dir));
        assertNoPassword(v16, run);
    }

    /**
     * A psql older than 15.14 stops at the dump's restrict meta-command. Stand-in: a psql that reports 15.13 and
     * fails the way an old one does when a file still has the line, else runs the real psql.
     */
    @ParameterizedTest(name = "an older psql gets the dump without restrict lines [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void anOlderPsqlGetsTheDumpWithoutRestrictLines(PgProvider provider) throws Exception {
        PgTool realPsql = PgToolFinder.system(null).newest("psql");
        PgTool realPgDump = PgToolFinder.system(null).newest("pg_dump");
        Path bin = Files.createDirectories(work.resolve("old-bin"));
        Files.writeString(bin.resolve("psql"), String.join("\n",
                "#!/bin/sh",
                "if [ \"$1\" = --version ]; then echo 'psql (PostgreSQL) 15.13'; exit 0; fi",
                "prev=",
                "for a in \"$@\"; do",
                "  if [ \"$prev\" = -f ] && grep -n '^\\\\restrict' \"$a\" >/dev/null; then",
                "    echo \"psql:$a:5: error: invalid command \\\\restrict\" >&2; exit 3",
                "  fi",
                "  prev=$a",
                "done",
                "exec " + realPsql.path() + " \"$@\"", ""));
        Files.writeString(bin.resolve("pg_dump"), "#!/bin/sh\nexec " + realPgDump.path() + " \"$@\"\n");
        bin.resolve("psql").toFile().setExecutable(true);
        bin.resolve("pg_dump").toFile().setExecutable(true);

        PgServer v13 = Providers.shared(provider, 13);
        PgServer v16 = Providers.shared(provider, 16);
        String referenceUrl = reference(v13, "pgtools_ref_oldpsql");
        v16.createDatabase("pgtools_dst_oldpsql");
        Path dir = work.resolve("oldpsql");
        Run dumped = dump(referenceUrl, dir, "--pg-bin", bin.toString());
        assertEquals(ExitCode.OK, dumped.exitCode(), dumped.stderr());
        assumeTrue(Files.readString(dir.resolve("schema.sql")).contains("\n\\restrict "),
                "this pg_dump (" + realPgDump.version() + ") writes no restrict lines");

        Run restored = restore(v16.uri("pgtools_dst_oldpsql"), dir, "--pg-bin", bin.toString());
        assertEquals(ExitCode.OK, restored.exitCode(), restored.stdout() + restored.stderr());
        assertTrue(restored.stderr().contains("psql 15.13 does not know"), restored.stderr());
        assertTrue(Files.readString(dir.resolve("schema.sql")).contains("\n\\restrict "),
                "the operator's file was changed");
        try (Connection d = connect(v16, "pgtools_dst_oldpsql")) {
            assertEquals(7, userTables(d));
        }
    }

    @Test
    void withoutAReferenceItIsAUsageError() {
        Run run = Run.script("DumpSchema", Map.of("PGURL_ORIGIN", "postgresql://u@localhost:1/x"),
                "--dir", work.resolve("x").toString());
        assertEquals(ExitCode.USAGE, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("--reference"), run.stderr());
    }

    @Test
    void restoreWithoutAFolderSaysHowToMakeOne() {
        Run run = Run.script("RestoreSchema", Map.of("PGURL_DESTINATION", "postgresql://u@localhost:1/x"),
                "--dir", work.resolve("nothing").toString());
        assertEquals(ExitCode.FAILED, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("dump-schema"), run.stderr());
    }
}
