package org.idpbridge.keycloak.phone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PhoneScriptsTest {
    @Test
    void theTextSaysTheCodeAndItsLife() {
        assertEquals("Your Dean Health Plan Provider Portal security code is 123456. It expires "
                + "in 10 minutes. Do not share this code.",
                PhoneScripts.text("123456", "Dean Health Plan", Duration.ofMinutes(10)));
        assertTrue(PhoneScripts.text("123456", "X", Duration.ofSeconds(20))
                .contains("expires in 20 seconds"));
        assertTrue(PhoneScripts.text("123456", "X", Duration.ofSeconds(61))
                .contains("expires in 2 minutes"));
    }

    @Test
    void theCallSaysTheDigitsOneByOneTwiceAndNeverAsANumber() {
        String spoken = PhoneScripts.spoken("987654", "WellFirst Health", Duration.ofMinutes(10));
        assertTrue(spoken.startsWith("Hello. This is the WellFirst Health Provider Portal."));
        assertEquals(2, spoken.split("9 8 7 6 5 4", -1).length - 1);
        assertFalse(spoken.contains("987654"));
        assertTrue(PhoneScripts.twiml("987654", "A & B", Duration.ofMinutes(10))
                .startsWith("<Response><Say>Hello. This is the A &amp; B Provider Portal."));
    }
}
