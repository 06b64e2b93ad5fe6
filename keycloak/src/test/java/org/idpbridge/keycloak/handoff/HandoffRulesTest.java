package org.idpbridge.keycloak.handoff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HandoffRulesTest {
    private static final String CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    private static Map<String, String> request() {
        Map<String, String> r = new HashMap<>();
        r.put("state", "state-1234567");
        r.put("nonce", "nonce-1234567");
        r.put("scope", "openid profile email");
        r.put("code_challenge", CHALLENGE);
        r.put("code_challenge_method", "S256");
        r.put("extra", "ignored");
        return r;
    }

    @Test
    void onlyAnAccountTheBridgeCreatedInARegistrationIsHandedOff() {
        assertTrue(HandoffRules.bridgeRegistration("true", false, 0, 0));
        // No marker: an account made elsewhere (the seeded plan administrator, the console).
        assertFalse(HandoffRules.bridgeRegistration(null, false, 0, 0));
        assertFalse(HandoffRules.bridgeRegistration("yes", false, 0, 0));
        // Even with the marker: a realm role (plan administrator), a group (a member), a
        // service account.
        assertFalse(HandoffRules.bridgeRegistration("true", false, 0, 1));
        assertFalse(HandoffRules.bridgeRegistration("true", false, 1, 0));
        assertFalse(HandoffRules.bridgeRegistration("true", true, 0, 0));
    }

    @Test
    void onlyARegistrationUnderWayIsHandedOff() {
        assertTrue(HandoffRules.pending(List.of("phone-verification", "TERMS_AND_CONDITIONS"),
                Set.of("password")));
        // Finished the phone step: signs in the usual way.
        assertFalse(HandoffRules.pending(List.of("TERMS_AND_CONDITIONS"), Set.of("password")));
        // A second factor or a passkey must never be skipped by a link.
        assertFalse(HandoffRules.pending(List.of("phone-verification"),
                Set.of("password", "phone-otp")));
        assertFalse(HandoffRules.pending(List.of("phone-verification"),
                Set.of("password", "webauthn-passwordless")));
        assertFalse(HandoffRules.pending(List.of("phone-verification"), Set.of("password", "otp")));
    }

    @Test
    void carriesTheBridgesAuthorizationRequestOnly() {
        Map<String, String> kept = HandoffRules.authorization(request()).orElseThrow();
        assertEquals(Set.of("state", "nonce", "scope", "code_challenge", "code_challenge_method"),
                kept.keySet());
        assertEquals(CHALLENGE, kept.get("code_challenge"));
    }

    @Test
    void refusesARequestWithoutPkceOrOpenid() {
        for (String[] change : new String[][] {
            {"code_challenge_method", "plain"}, {"code_challenge", "short"},
            {"code_challenge", null}, {"state", null}, {"nonce", "x"},
            {"scope", "profile email"}, {"state", "has space inside"},
            {"scope", "openid \"quoted\""}}) {
            Map<String, String> r = request();
            r.put(change[0], change[1]);
            assertTrue(HandoffRules.authorization(r).isEmpty(), String.join("=", change));
        }
    }

    private static Map<String, String> steps(String phone, String terms, String total) {
        Map<String, String> m = new HashMap<>();
        m.put("kc_step_phone", phone);
        m.put("kc_step_terms", terms);
        m.put("kc_steps", total);
        return m;
    }

    @Test
    void stepCounterNeedsAllThreeNumbersInRange() {
        assertEquals(Map.of("kc_step_phone", 6, "kc_step_terms", 7, "kc_steps", 7),
                HandoffRules.steps(steps("6", " 7 ", "7")::get).orElseThrow());
        assertTrue(HandoffRules.steps(steps("8", "7", "7")::get).isEmpty());
        assertTrue(HandoffRules.steps(steps("0", "1", "7")::get).isEmpty());
        assertTrue(HandoffRules.steps(steps("3", "4", "21")::get).isEmpty());
        assertTrue(HandoffRules.steps(steps(null, "7", "7")::get).isEmpty());
        assertTrue(HandoffRules.steps(steps("six", "7", "7")::get).isEmpty());
        assertTrue(HandoffRules.steps(name -> null).isEmpty());
    }

    @Test
    void linkLifespanIsMinutesAndABadOptionStopsTheBoot() {
        assertEquals(120, RegistrationHandoffResourceProviderFactory.lifespan(null));
        assertEquals(300, RegistrationHandoffResourceProviderFactory.lifespan("300"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegistrationHandoffResourceProviderFactory.lifespan("3600"));
        assertTrue(e.getMessage().contains("handoff-lifespan-seconds"));
        assertThrows(IllegalArgumentException.class,
                () -> RegistrationHandoffResourceProviderFactory.lifespan("soon"));
    }
}
