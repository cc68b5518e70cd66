package upshift.subscription;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import upshift.server.Capabilities;
import upshift.server.Flavour;

/** The WITH clause for every version pair: what the subscriber accepts and what the publisher can honour. */
class SubscriptionOptionsTest {

    @ParameterizedTest(name = "forward {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "13 | 16 | false | copy_data = true, create_slot = true, slot_name = 's', enabled = false,"
                + " disable_on_error = true, run_as_owner = true",
        "13 | 14 | true  | copy_data = true, create_slot = true, slot_name = 's', enabled = false",
        "14 | 15 | false | copy_data = true, create_slot = true, slot_name = 's', enabled = false, streaming = on,"
                + " disable_on_error = true",
        "14 | 18 | true  | copy_data = true, create_slot = true, slot_name = 's', enabled = false, streaming = on,"
                + " disable_on_error = true, run_as_owner = true, binary = true",
        "16 | 18 | false | copy_data = true, create_slot = true, slot_name = 's', enabled = false,"
                + " streaming = parallel, disable_on_error = true, run_as_owner = true",
        "13 | 13 | true  | copy_data = true, create_slot = true, slot_name = 's', enabled = false"})
    void forward(int publisher, int subscriber, boolean binary, String expected) {
        assertEquals("WITH (" + expected + ")", SubscriptionOptions.forward(caps(publisher), caps(subscriber), "s",
                binary).withClause());
    }

    @ParameterizedTest(name = "rollback {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "16 | 13 | copy_data = false, create_slot = true, slot_name = 's', enabled = false",
        "18 | 14 | copy_data = false, create_slot = true, slot_name = 's', enabled = false, streaming = on",
        "18 | 16 | copy_data = false, create_slot = true, slot_name = 's', enabled = false, streaming = parallel,"
                + " disable_on_error = true, run_as_owner = true"})
    void rollback(int publisher, int subscriber, String expected) {
        assertEquals("WITH (" + expected + ")",
                SubscriptionOptions.rollback(caps(publisher), caps(subscriber), "s").withClause());
    }

    private static Capabilities caps(int major) {
        return Capabilities.of(major, Flavour.COMMUNITY);
    }
}
