package org.idpbridge.keycloak.phone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PhoneNumbersTest {
    @ParameterizedTest
    @ValueSource(strings = {"608-555-1234", "(608) 555-1234", "608.555.1234", "6085551234",
        "+1 608 555 1234", "1-608-555-1234", " 608 555 1234 "})
    void usNumbersAsTypedBecomeE164(String typed) {
        assertEquals(Optional.of("+16085551234"), PhoneNumbers.toE164(typed));
    }

    @Test
    void theGuidesExampleNumberIsAccepted() {
        assertEquals(Optional.of("+11234567890"), PhoneNumbers.toE164("123-456-7890"));
    }

    @Test
    void otherCountriesNeedTheirCountryCodeAndAValidNumber() {
        assertEquals(Optional.of("+442079460958"), PhoneNumbers.toE164("+44 20 7946 0958"));
        assertTrue(PhoneNumbers.toE164("+44 12").isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"12", "555-12", "call me", "", "   ", "608-555-12345",
        "608-555-1234 ext. 5", "1234567890123456789012345678901234567890123"})
    void nonsenseIsRefused(String typed) {
        assertTrue(PhoneNumbers.toE164(typed).isEmpty(), typed);
    }

    @Test
    void nothingIsRefused() {
        assertTrue(PhoneNumbers.toE164(null).isEmpty());
    }

    @Test
    void numbersAreShownMaskedToTheLastFourDigits() {
        assertEquals("***-***-1234", PhoneNumbers.mask("+16085551234"));
        assertEquals("***-***-7890", PhoneNumbers.mask("+11234567890"));
        assertEquals("***-***-0958", PhoneNumbers.mask("+442079460958"));
        assertEquals("***-***-", PhoneNumbers.mask(null));
    }
}
