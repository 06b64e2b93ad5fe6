package org.idpbridge.keycloak.phone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class PhoneNumbersTest {
    @Test
    void usNumbersAsTypedBecomeE164() {
        assertEquals(Optional.of("+16085551234"), PhoneNumbers.toE164("608-555-1234"));
        assertEquals(Optional.of("+16085551234"), PhoneNumbers.toE164("(608) 555 1234"));
        assertEquals(Optional.of("+16085551234"), PhoneNumbers.toE164("+1 608 555 1234"));
    }

    @Test
    void nonsenseIsRefused() {
        assertTrue(PhoneNumbers.toE164("12").isEmpty());
        assertTrue(PhoneNumbers.toE164("call me").isEmpty());
        assertTrue(PhoneNumbers.toE164("").isEmpty());
        assertTrue(PhoneNumbers.toE164(null).isEmpty());
    }

    @Test
    void numbersAreShownMasked() {
        assertEquals("***-***-1234", PhoneNumbers.mask("+16085551234"));
    }
}
