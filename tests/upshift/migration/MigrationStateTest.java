package upshift.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import upshift.harness.PgProvider;
import upshift.harness.PgServer;
import upshift.harness.Providers;
import upshift.server.Capabilities;
import upshift.server.Flavour;
import upshift.sql.QualifiedName;

/**
 * The migration's state as every step reads it, on 13 (where pg_subscription.oid is hidden from non-superusers)
 * and 16, as the superuser and as a plain role: both must see the same subscription, tables, slot and
 * publications.
 */
class MigrationStateTest {

    private static final MigrationNames NAMES = new MigrationNames("mstate");
    private static final String READER = "mstate_reader";
    private static final String READER_PASSWORD = "mstate-reader-pw";

    static Stream<Arguments> servers() {
        return Providers.selected().stream().flatMap(p -> Stream.of(Arguments.of(p, 13), Arguments.of(p, 16)));
    }

    @ParameterizedTest(name = "migration state on {1}, superuser and plain role [{0}]")
    @MethodSource("servers")
    void superuserAndPlainRoleReadTheSameState(PgProvider provider, int major) throws Exception {
        PgServer server = Providers.shared(provider, major);
        server.createDatabase("mstate_pub");
        server.createDatabase("mstate_sub");
        Capabilities caps = Capabilities.of(major, Flavour.COMMUNITY);
        try (Connection pub = superuser(server, "mstate_pub"); Connection sub = superuser(server, "mstate_sub");
             Statement ps = pub.createStatement(); Statement ss = sub.createStatement()) {
            ss.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + READER + "') THEN"
                    + " CREATE ROLE " + READER + " LOGIN PASSWORD '" + READER_PASSWORD + "'; END IF; END $$");
            for (Statement st : List.of(ps, ss)) {
                st.execute("CREATE TABLE public.b (id int PRIMARY KEY)");
                st.execute("CREATE TABLE public.a (id int PRIMARY KEY)");
                st.execute("CREATE SEQUENCE public.s");
            }
            ps.execute("CREATE PUBLICATION mstate_pub FOR TABLE public.a, public.b");
            ps.execute("SELECT pg_catalog.pg_create_logical_replication_slot('mstate_slot', 'pgoutput')");
            // connects to fetch the table list, creates no slot, starts no worker: the tables stay 'i'
            ss.execute("CREATE SUBSCRIPTION mstate_sub CONNECTION '" + server.peerConninfo("mstate_pub").replace("'",
                    "''") + "' PUBLICATION mstate_pub WITH (create_slot = false, slot_name = 'mstate_slot',"
                    + " enabled = false)");
            try (Connection plainSub = reader(server, "mstate_sub");
                 Connection plainPub = reader(server, "mstate_pub")) {
                assertOidHiddenOnlyOnThirteen(plainSub, major);

                Subscription asSuperuser = Subscription.find(sub, caps, "mstate_sub").orElseThrow();
                Subscription asReader = Subscription.find(plainSub, caps, "mstate_sub").orElseThrow();
                assertEquals(asSuperuser, asReader, "the plain role reads the same subscription, oid included");
                assertEquals("mstate_sub", asReader.name());
                assertFalse(asReader.enabled());
                assertEquals("mstate_slot", asReader.slotName());
                assertEquals(List.of("mstate_pub"), asReader.publications());
                assertEquals(List.of(new QualifiedName("public", "a"), new QualifiedName("public", "b")),
                        asReader.tableNames());
                asReader.tables().forEach(t -> assertEquals(SyncState.INITIALIZING, t.state(), t.toString()));
                assertEquals(2, asReader.notReady());
                assertNull(Subscription.applyWorkerPid(plainSub, "mstate_sub"), "a disabled subscription has none");
                if (major >= 15) {
                    assertEquals(Boolean.FALSE, asReader.disableOnError());
                } else {
                    assertNull(asReader.disableOnError(), "13 has no disable_on_error");
                }
                assertNull(Subscription.find(plainSub, "mstate_sub").orElseThrow().disableOnError());
                assertTrue(Subscription.find(plainSub, caps, "mstate_rollback_sub").isEmpty());
                assertTrue(Subscription.find(plainPub, caps, "mstate_sub").isEmpty(), "another database's");

                ReplicationSlot slot = ReplicationSlot.find(plainPub, "mstate_slot").orElseThrow();
                assertEquals("mstate_pub", slot.database());
                assertEquals("pgoutput", slot.plugin());
                assertFalse(slot.active());
                assertNull(slot.activePid());
                assertFalse(slot.temporary());
                assertTrue(slot.inCurrentDatabase());
                assertNotNull(slot.confirmedFlushLsn());
                assertNotNull(slot.retained());
                assertFalse(ReplicationSlot.find(plainSub, "mstate_slot").orElseThrow().inCurrentDatabase());
                assertTrue(ReplicationSlot.exists(plainSub, "mstate_slot"), "slots are cluster-wide");
                assertFalse(ReplicationSlot.exists(plainSub, "mstate_rollback_slot"));

                assertEquals(List.of("mstate_pub"),
                        Publications.existing(plainPub, List.of("mstate_pub", "mstate_rollback_pub")));
                assertEquals(List.of(new QualifiedName("public", "a"), new QualifiedName("public", "b")),
                        Publications.tables(plainPub, List.of("mstate_pub")));

                MigrationState onPublisher = MigrationState.read(plainPub, NAMES);
                assertEquals(List.of(new MigrationState.PublicationState("mstate_pub", 2)),
                        onPublisher.publications());
                assertEquals(List.of(), onPublisher.subscriptions());
                assertEquals(List.of("mstate_slot"), onPublisher.slots().stream().map(ReplicationSlot::name).toList());

                MigrationState onSubscriber = MigrationState.read(plainSub, NAMES);
                assertEquals(List.of(), onSubscriber.publications());
                assertEquals(List.of(Subscription.find(sub, "mstate_sub").orElseThrow()), onSubscriber.subscriptions());
                assertEquals(onPublisher.slots().stream().map(ReplicationSlot::name).toList(),
                        onSubscriber.slots().stream().map(ReplicationSlot::name).toList());
                // slots compared by name: the WAL they retain may grow between two reads
                MigrationState bySuperuser = MigrationState.read(sub, NAMES);
                assertEquals(bySuperuser.publications(), onSubscriber.publications());
                assertEquals(bySuperuser.subscriptions(), onSubscriber.subscriptions(), "superuser and plain role agree");
                assertFalse(onSubscriber.isEmpty());
            } finally {
                ss.execute("ALTER SUBSCRIPTION mstate_sub SET (slot_name = NONE)");
                ss.execute("DROP SUBSCRIPTION mstate_sub");
                ps.execute("SELECT pg_catalog.pg_drop_replication_slot('mstate_slot')");
            }
        }
    }

    /** Proves that the plain role goes through the fallback on 13 and reads the column directly later on. */
    private static void assertOidHiddenOnlyOnThirteen(Connection plain, int major) throws SQLException {
        String direct = "SELECT s.oid FROM pg_catalog.pg_subscription s";
        if (major == 13) {
            SQLException e = assertThrows(SQLException.class, () -> {
                try (Statement st = plain.createStatement()) {
                    st.executeQuery(direct).close();
                }
            });
            assertEquals("42501", e.getSQLState(), e.getMessage());
        } else {
            try (Statement st = plain.createStatement()) {
                st.executeQuery(direct).close();
            }
        }
    }

    private static Connection superuser(PgServer server, String database) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(database), server.superuser(), server.password());
    }

    private static Connection reader(PgServer server, String database) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(database), READER, READER_PASSWORD);
    }
}
