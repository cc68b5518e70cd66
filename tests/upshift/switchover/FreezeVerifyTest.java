package upshift.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static upshift.switchover.CutoverTesting.freezeTriggers;
import static upshift.switchover.CutoverTesting.ok;
import static upshift.switchover.CutoverTesting.streaming;
import static upshift.switchover.CutoverTesting.subscriptions;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.ExitCode;
import upshift.UpshiftException;
import upshift.connect.Cluster;
import upshift.connect.ConnectSettings;
import upshift.connect.Endpoint;
import upshift.fixture.ShopFixture;
import upshift.harness.PgProvider;
import upshift.report.Output;
import upshift.sample.SampleApp;
import upshift.schema.AcceptedLossy;
import upshift.sequences.SequenceSync;
import upshift.sql.Sql;
import upshift.sql.StatementRunner;
import upshift.switchover.Cutover.VerifyMode;

/**
 * switchover's default verification, exact and short inside the freeze, on a replicating 13 -> 16 shop: every table
 * checksummed before the freeze with temporary test_decoding slots on both sides, only the tables changed since
 * checksummed again inside it. The library is driven directly so that writes land exactly between the pre-check
 * and the freeze: the confirmation callback runs there.
 */
class FreezeVerifyTest {

    /** The published tables, in the order switchover lists them. */
    private static final List<String> ALL = List.of("Billing.Invoice", "public.auth_user", "public.shop_order",
            "public.shop_orderline", "public.shop_product");

    @ParameterizedTest(name = "writes after the pre-check: those tables re-verified in the freeze, the others proven"
            + " unchanged, no slot left [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void changedTablesAreReverified(PgProvider provider) throws Exception {
        ShopFixture f = streaming(provider, 16, "fv_delta");
        List<String> seen = new ArrayList<>();
        Cutover.Report report = cutover(f, VerifyMode.CHECKSUM, Duration.ofSeconds(30), plan -> {
            seen.add(plan.verification());
            try {
                seen.add(origin(f, verifySlots(f)) + "/" + destination(f, verifySlots(f)));
                f.onOrigin("INSERT INTO shop_order (user_id, status) VALUES ((SELECT min(id) FROM auth_user),"
                        + " 'after-precheck')");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(seen.get(0).contains("all 5 table(s) equal") && seen.get(0).contains("before the freeze"),
                seen.get(0));
        assertEquals("1/1", seen.get(1), "one temporary slot on each side during the pre-check");

        assertEquals("switched over", report.outcome());
        FreezeVerify.Outcome v = report.verification();
        assertNotNull(v, "the report says how it verified");
        assertEquals("checksum-delta", v.mode());
        assertTrue(v.exact());
        assertEquals(5, v.tables());
        assertEquals(5, v.preFreezeTables());
        assertEquals(List.of(), names(v.preFreezeDiffering()));
        assertEquals(List.of("public.shop_order"), names(v.reverifiedInFreeze()));
        assertEquals(List.of("public.shop_order"), names(v.changedOnOrigin()));
        assertEquals(List.of("public.shop_order"), names(v.changedOnDestination()), "the apply worker's change");
        assertEquals(ALL.stream().filter(t -> !t.equals("public.shop_order")).toList(), names(v.provenUnchanged()));
        assertNull(v.fallbackReason());
        List<String> phases = report.phases().stream().map(Cutover.PhaseResult::phase).toList();
        assertEquals(List.of("check", "pre-verify", "freeze", "drain", "sequences", "verify", "drop-forward",
                "rollback"), phases.stream().filter(p -> !p.startsWith("prepare")).toList());
        String detail = report.phases().get(phases.indexOf("verify")).detail();
        assertTrue(detail.contains("5 table(s) equal (checksum, exact): 1 re-verified in the freeze"), detail);
        assertTrue(detail.contains("4 proven unchanged since the pre-check"), detail);
        assertEquals(0, origin(f, verifySlots(f)), "no verification slot left on origin");
        assertEquals(0, destination(f, verifySlots(f)), "no verification slot left on destination");
        assertEquals(1, f.destinationLong("SELECT count(*) FROM shop_order WHERE status = 'after-precheck'"));
    }

    @ParameterizedTest(name = "a destination row changed after the pre-check is caught in the freeze: origin stays"
            + " frozen, nothing dropped; --verify counts would pass it and says it is not exact [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void corruptionAfterThePreCheckIsCaught(PgProvider provider) throws Exception {
        ShopFixture f = streaming(provider, 16, "fv_corrupt");
        String email = emailOfFirstUser(f);
        UpshiftException e = assertThrows(UpshiftException.class, () -> cutover(f, VerifyMode.CHECKSUM,
                Duration.ofSeconds(30), plan -> corrupt(f)));
        assertEquals(ExitCode.CHECK_FAILED, e.exitCode(), e.getMessage());
        assertTrue(e.getMessage().contains("public.auth_user: rows differ (checksum)"), e.getMessage());
        assertTrue(e.getMessage().contains("changed on destination [public.auth_user]"), e.getMessage());
        assertFalse(e.getMessage().contains("shop_order:"), "only the corrupted table differs: " + e.getMessage());
        assertFrozenNothingDropped(f);

        ok(f.run("Switchover", "--abort", "--yes"));
        f.onDestination("UPDATE auth_user SET email = " + Sql.literal(email) + " WHERE id = (SELECT min(id) FROM"
                + " auth_user)");
        // the old default: the same corruption, the same row count: passes, and the report says so
        Cutover.Report counted = cutover(f, VerifyMode.COUNTS, Duration.ofSeconds(30), plan -> corrupt(f));
        assertEquals("switched over", counted.outcome());
        assertEquals("counts", counted.verification().mode());
        assertFalse(counted.verification().exact(), "counts is not exact");
        assertTrue(counted.verification().note().contains("row counts only"), counted.verification().note());
        String pre = counted.phases().get(1).detail();
        assertEquals("skipped (--verify counts)", pre);
        assertEquals(0, origin(f, verifySlots(f)) + destination(f, verifySlots(f)), "counts makes no slot");
    }

    @ParameterizedTest(name = "a difference present before the switchover, with nothing written since, is refused in"
            + " pre-verify: nothing frozen, replication untouched, no slot left [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void aRealDifferenceIsRefusedBeforeTheFreeze(PgProvider provider) throws Exception {
        ShopFixture f = streaming(provider, 16, "fv_stable");
        String email = emailOfFirstUser(f);
        corrupt(f); // before the switchover starts: not a row in flight
        List<String> reached = new ArrayList<>();
        UpshiftException e = assertThrows(UpshiftException.class, () -> cutover(f, VerifyMode.CHECKSUM,
                Duration.ofSeconds(30), plan -> reached.add("confirmation")));
        assertEquals(ExitCode.CHECK_FAILED, e.exitCode(), e.getMessage());
        assertTrue(e.getMessage().contains("1 table(s) differ although nothing was written to them"), e.getMessage());
        assertTrue(e.getMessage().contains("public.auth_user: rows differ (checksum)"), e.getMessage());
        assertTrue(e.getMessage().contains("nothing is frozen"), e.getMessage());
        assertTrue(e.hint().contains("--accept-lossy"), e.hint());
        assertEquals(List.of(), reached, "refused before the confirmation, so before the freeze");
        assertEquals(0, freezeTriggers(f), "nothing frozen");
        assertNull(CutoverTesting.record(f), "no cutover record");
        assertEquals(0, origin(f, verifySlots(f)) + destination(f, verifySlots(f)), "no verification slot left");
        try (Connection d = f.destination()) {
            assertEquals(1, subscriptions(d, f.names().subscription()), "the forward subscription stays");
        }
        f.onOrigin("INSERT INTO shop_order (user_id, status) VALUES ((SELECT min(id) FROM auth_user), 'still open')");

        // fixed: the same switchover goes through
        f.onDestination("UPDATE auth_user SET email = " + Sql.literal(email) + " WHERE id = (SELECT min(id) FROM"
                + " auth_user)");
        assertEquals("switched over", cutover(f, VerifyMode.CHECKSUM, Duration.ofSeconds(30), plan -> { }).outcome());
    }

    @ParameterizedTest(name = "no slot in time on destination: every table checksummed inside the freeze, still"
            + " exact, the reason reported [{0}]")
    @MethodSource("upshift.harness.Providers#selected")
    void fallbackStillVerifiesExactly(PgProvider provider) throws Exception {
        ShopFixture f = streaming(provider, 16, "fv_fallback");
        String email = emailOfFirstUser(f);
        // an open transaction holding a transaction id on destination: creating a logical slot waits for it
        f.onDestination("CREATE TABLE fv_blocker (id int)");
        for (boolean corrupted : List.of(true, false)) {
            try (Connection blocker = f.destination(); Statement st = blocker.createStatement()) {
                blocker.setAutoCommit(false);
                st.execute("INSERT INTO fv_blocker VALUES (1)");
                Consumer<Cutover.Plan> afterPreCheck = plan -> {
                    try {
                        assertTrue(plan.verification().contains("every table is checksummed inside the freeze"),
                                plan.verification());
                        blocker.rollback(); // the rollback slot at prepare would wait for it too
                        if (corrupted) {
                            corrupt(f);
                        }
                    } catch (Exception x) {
                        throw new IllegalStateException(x);
                    }
                };
                if (corrupted) {
                    UpshiftException e = assertThrows(UpshiftException.class, () -> cutover(f, VerifyMode.CHECKSUM,
                            Duration.ofSeconds(2), afterPreCheck));
                    assertEquals(ExitCode.CHECK_FAILED, e.exitCode(), e.getMessage());
                    assertTrue(e.getMessage().contains("public.auth_user: rows differ (checksum)"), e.getMessage());
                    assertTrue(e.getMessage().contains("checksum of every table inside the freeze: creating the slot"
                            + " on destination waited 2 s"), e.getMessage());
                    assertFrozenNothingDropped(f);
                    ok(f.run("Switchover", "--abort", "--yes"));
                    f.onDestination("UPDATE auth_user SET email = " + Sql.literal(email)
                            + " WHERE id = (SELECT min(id) FROM auth_user)");
                } else {
                    Cutover.Report report = cutover(f, VerifyMode.CHECKSUM, Duration.ofSeconds(2), afterPreCheck);
                    assertEquals("switched over", report.outcome());
                    FreezeVerify.Outcome v = report.verification();
                    assertEquals("checksum-full", v.mode());
                    assertTrue(v.exact());
                    assertEquals(ALL, names(v.reverifiedInFreeze()));
                    assertEquals(List.of(), names(v.provenUnchanged()));
                    assertTrue(v.fallbackReason().contains("creating the slot on destination waited 2 s for the"
                            + " transactions running there"), v.fallbackReason());
                    assertTrue(v.fallbackReason().contains("pid "), "names what it waited for: " + v.fallbackReason());
                    String pre = report.phases().get(1).detail();
                    assertTrue(pre.startsWith("skipped, every table will be checksummed inside the freeze"), pre);
                }
            }
            assertEquals(0, origin(f, verifySlots(f)) + destination(f, verifySlots(f)), "no slot left");
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    /** switchover through the library (hard freeze, no way back), the callback between the pre-check and the freeze. */
    static Cutover.Report cutover(ShopFixture f, VerifyMode verify, Duration verifyWait, Consumer<Cutover.Plan> hook)
            throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream stream = new PrintStream(sink, true, StandardCharsets.UTF_8);
        Output out = new Output(stream, stream, false, false);
        try (Cluster origin = cluster("origin", f.originUrl());
             Cluster destination = cluster("destination", f.destinationUrl())) {
            Cutover.Settings settings = new Cutover.Settings(WriteFreeze.Mode.HARD, List.of(), 0,
                    Duration.ofMinutes(2), verify, 0, SequenceSync.DEFAULT_EXCLUDES, false, null, null,
                    Duration.ofSeconds(60), verifyWait, AcceptedLossy.NONE);
            return Cutover.switchover(origin, destination, f.names(), new StatementRunner(out, false), out)
                    .run(settings, hook);
        }
    }

    private static void corrupt(ShopFixture f) {
        try {
            f.onDestination("UPDATE auth_user SET email = 'corrupted@example.com' WHERE id = (SELECT min(id) FROM"
                    + " auth_user)");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String emailOfFirstUser(ShopFixture f) throws Exception {
        try (Connection o = f.origin(); Statement st = o.createStatement();
             var rs = st.executeQuery("SELECT email FROM auth_user ORDER BY id LIMIT 1")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Origin frozen by upshift's triggers, its record kept, the forward subscription not dropped, no slot left. */
    private static void assertFrozenNothingDropped(ShopFixture f) throws Exception {
        assertEquals(2L * SampleApp.TABLES.size(), freezeTriggers(f), "origin stays frozen");
        assertNotNull(CutoverTesting.record(f), "the cutover record stays on origin");
        try (Connection d = f.destination()) {
            assertEquals(1, subscriptions(d, f.names().subscription()), "the forward subscription is not dropped");
        }
        assertEquals(0, origin(f, verifySlots(f)) + destination(f, verifySlots(f)), "no verification slot left");
    }

    private static String verifySlots(ShopFixture f) {
        return "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE "
                + Sql.literal(f.database().replace("_", "\\_") + "\\_verify\\_%");
    }

    private static long origin(ShopFixture f, String sql) throws Exception {
        return f.originLong(sql);
    }

    private static long destination(ShopFixture f, String sql) throws Exception {
        return f.destinationLong(sql);
    }

    private static Cluster cluster(String role, String url) {
        return new Cluster(role, Endpoint.resolve(url), ConnectSettings.defaults("upshift test"));
    }

    /** Table names as the report's text shows them. */
    private static List<String> names(List<upshift.sql.QualifiedName> tables) {
        return tables == null ? null : tables.stream().map(Object::toString).toList();
    }
}
