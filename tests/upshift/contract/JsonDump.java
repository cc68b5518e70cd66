package upshift.contract;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.sample.SampleApp;
import upshift.testing.Run;

class JsonDump {
    @TempDir
    Path work;

    @ParameterizedTest
    @MethodSource("upshift.harness.Providers#selected")
    void dump(PgProvider provider) throws Exception {
        Path outDir = Path.of("target/json-dump");
        Files.createDirectories(outDir);
        ShopFixture f = ShopFixture.create(provider, "jdump", 10);
        try (Connection o = f.origin(); Connection d = f.destination()) {
            SampleApp.grantApplication(o, "shop-app-secret");
            SampleApp.grantApplication(d, "shop-app-secret");
        }
        PgServer v13 = Providers.shared(provider, 13);
        v13.createDatabase("jdump_ref");
        try (Connection c = DriverManager.getConnection(v13.jdbcUrl("jdump_ref"), v13.superuser(), v13.password())) {
            SampleApp.createNewModel(c);
        }
        PgServer v16 = Providers.shared(provider, 16);
        v16.createDatabase("jdump_restore");
        Path dir = work.resolve("schema");
        save(outDir, "dump-schema", Run.script("DumpSchema", Map.of("PGURL_REFERENCE", v13.uri("jdump_ref")),
                "--dir", dir.toString(), "--json"));
        save(outDir, "restore-schema", Run.script("RestoreSchema", Map.of("PGURL_DESTINATION", v16.uri("jdump_restore")),
                "--dir", dir.toString(), "--json"));
        save(outDir, "status-before", f.run("Status", "--json"));
        save(outDir, "preflight", f.run("Preflight", "--json"));
        List<String> amc = new ArrayList<>(ShopFixture.missingColumnDefaults());
        amc.add("--json");
        save(outDir, "add-missing-columns", f.run("AddMissingColumns", amc.toArray(String[]::new)));
        save(outDir, "create-publication", f.run("CreatePublication", "--json"));
        save(outDir, "create-subscription", f.run("CreateSubscription", "--json", "--origin-conninfo", f.originConninfo()));
        save(outDir, "enable-subscription", f.run("EnableSubscription", "--json"));
        save(outDir, "monitor-copying", f.run("Monitor", "--json"));
        f.waitUntilCopied();
        save(outDir, "monitor", f.run("Monitor", "--json"));
        save(outDir, "vacuum-analyze", f.run("VacuumAnalyze", "--json"));
        save(outDir, "sync-sequences-check", f.run("SyncSequences", "--check", "--json"));
        save(outDir, "sync-sequences", f.run("SyncSequences", "--json"));
        save(outDir, "verify", f.run("Verify", "--checksum", "--json"));
        save(outDir, "switchover", f.run("Switchover", "--yes", "--json", "--app-role", SampleApp.APP_ROLE,
                "--destination-conninfo", f.destinationConninfo()));
        save(outDir, "status-after", f.run("Status", "--json"));
        save(outDir, "setup-rollback", f.run("SetupRollback", "--json", "--destination-conninfo", f.destinationConninfo()));
        save(outDir, "switchback", f.run("Switchback", "--yes", "--json"));
        save(outDir, "cleanup-rollback", f.run("Cleanup", "--rollback", "--yes", "--json"));
        save(outDir, "drop-added-columns", f.run("DropAddedColumns", "--yes", "--json"));
        save(outDir, "cleanup", f.run("Cleanup", "--forward", "--yes", "--json"));
    }

    private static void save(Path dir, String name, Run run) throws Exception {
        Files.writeString(dir.resolve(name + ".json"), run.stdout());
        Files.writeString(dir.resolve(name + ".err"), "exit " + run.exitCode() + "\n" + run.stderr());
    }
}
