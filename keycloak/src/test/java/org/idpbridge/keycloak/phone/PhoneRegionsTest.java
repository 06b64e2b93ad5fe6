package org.idpbridge.keycloak.phone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PhoneRegionsTest {
    private static PhoneNumbers.Verdict verdict(String typed) {
        return PhoneNumbers.read(typed, PhoneRegions.DEFAULT).verdict();
    }

    /** Issue 19 row 4: the ten numbers one password-only login called in a minute. */
    @ParameterizedTest
    @ValueSource(strings = {"+44 7400 123456", "+882 34 21234", "+371 21 234 567",
        "+234 802 123 4567", "+64 21 123 4567", "+49 1512 3456789", "+55 11 96123-4567",
        "+998 91 234 56 78", "+964 791 234 5678", "+225 01 23 45 6789"})
    void internationalNumbersAreRefusedByDefault(String typed) {
        assertEquals(PhoneNumbers.Verdict.REGION, verdict(typed), typed);
    }

    @ParameterizedTest
    @ValueSource(strings = {"+1 876-210-1234", "+1 809-234-5678", "876-210-1234",
        "+1 506-234-5678", "900-555-1234", "1-900-555-1234", "800-555-1234",
        "500-555-1234", "123-456-7890"})
    void caribbeanCanadianPremiumTollFreeAndUnplaceableNumbersAreRefused(String typed) {
        assertEquals(PhoneNumbers.Verdict.REGION, verdict(typed), typed);
    }

    @ParameterizedTest
    @ValueSource(strings = {"608-555-1234", "+1 787-234-5678", "+1 671-300-1234",
        "+1 340-642-1234", "+1 684-733-1234", "+1 670-234-5678"})
    void theUnitedStatesAndItsTerritoriesAreAllowed(String typed) {
        assertEquals(PhoneNumbers.Verdict.OK, verdict(typed), typed);
    }

    @Test
    void nonsenseIsStillInvalidNotARegionMatter() {
        assertEquals(PhoneNumbers.Verdict.INVALID, verdict("12"));
        assertEquals(PhoneNumbers.Verdict.INVALID, verdict("+44 12"));
    }

    @Test
    void aPlanMayAllowOtherRegions() {
        Set<String> regions = PhoneRegions.parse("us, pr,GB", PhoneRegions.DEFAULT, "option");
        assertEquals(Set.of("US", "PR", "GB"), regions);
        assertEquals(PhoneNumbers.Verdict.OK,
                PhoneNumbers.read("+44 7400 123456", regions).verdict());
        assertEquals(PhoneNumbers.Verdict.REGION,
                PhoneNumbers.read("+1 671-300-1234", regions).verdict());  // Guam not listed
        // Premium-rate stays refused in an allowed region.
        assertEquals(PhoneNumbers.Verdict.REGION,
                PhoneNumbers.read("900-555-1234", regions).verdict());
    }

    @Test
    void aBadOptionStopsTheBootNamingItAndABadRealmAttributeFallsBack() {
        var refused = assertThrows(IllegalArgumentException.class,
                () -> PhoneRegions.parse("US,XX", PhoneRegions.DEFAULT, "the-option"));
        assertTrue(refused.getMessage().contains("the-option"), refused.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> PhoneRegions.parse(" , ", PhoneRegions.DEFAULT, "the-option"));
        assertEquals(PhoneRegions.DEFAULT, PhoneRegions.parse("", PhoneRegions.DEFAULT, "o"));
        assertEquals(PhoneRegions.DEFAULT, PhoneRegions.resolve("nonsense!", PhoneRegions.DEFAULT));
        assertEquals(Set.of("CA"), PhoneRegions.resolve("CA", PhoneRegions.DEFAULT));
    }
}
