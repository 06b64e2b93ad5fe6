package org.idpbridge.keycloak.phone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PhoneCodeRulesTest {
    private MutableClock clock;
    private PhoneCodeRules rules;
    private PhoneCodeState state;

    @BeforeEach
    void setUp() {
        clock = new MutableClock();
        rules = new PhoneCodeRules(PhoneCodePolicy.DEFAULT, clock, new SecureRandom());
        state = PhoneCodeState.fromNotes(java.util.Map.of());
    }

    @Test
    void codesAreSixDigitsAndSingleUse() {
        String code = rules.issue(state).code();
        assertTrue(code.matches("\\d{6}"));
        assertEquals(PhoneCodeRules.Check.OK, rules.check(state, code));
        assertEquals(PhoneCodeRules.Check.USED, rules.check(state, code));
    }

    @Test
    void codeExpiresAfterTenMinutes() {
        String code = rules.issue(state).code();
        clock.advance(Duration.ofMinutes(10).plusSeconds(1));
        assertEquals(PhoneCodeRules.Check.EXPIRED, rules.check(state, code));
    }

    @Test
    void onlyTheLastCodeSentIsValid() {
        String first = rules.issue(state).code();
        clock.advance(Duration.ofSeconds(31));
        String second = rules.issue(state).code();
        if (!first.equals(second)) {
            assertEquals(PhoneCodeRules.Check.WRONG, rules.check(state, first));
        }
        assertEquals(PhoneCodeRules.Check.OK, rules.check(state, second));
    }

    @Test
    void resendWaitsForTheCooldown() {
        rules.issue(state);
        clock.advance(Duration.ofSeconds(10));
        PhoneCodeRules.Issued refused = rules.issue(state);
        assertFalse(refused.ok());
        assertEquals(PhoneCodeRules.Refusal.COOLDOWN, refused.refusal());
        assertEquals(20, refused.waitSeconds());
        clock.advance(Duration.ofSeconds(21));
        assertTrue(rules.issue(state).ok());
    }

    @Test
    void fiveWrongTriesLockEvenAcrossAResend() {
        String code = rules.issue(state).code();
        String wrong = code.equals("000000") ? "111111" : "000000";
        for (int i = 0; i < 3; i++) {
            assertEquals(PhoneCodeRules.Check.WRONG, rules.check(state, wrong));
        }
        clock.advance(Duration.ofSeconds(31));
        String fresh = rules.issue(state).code();
        String wrongAgain = fresh.equals("000000") ? "111111" : "000000";
        assertEquals(PhoneCodeRules.Check.WRONG, rules.check(state, wrongAgain));
        assertEquals(1, rules.triesLeft(state));
        assertEquals(PhoneCodeRules.Check.LOCKED, rules.check(state, wrongAgain));
        assertEquals(PhoneCodeRules.Check.LOCKED, rules.check(state, fresh));  // the sixth try
    }

    @Test
    void sendsAreCappedPerHour() {
        for (int i = 0; i < PhoneCodePolicy.DEFAULT.maxSendsPerHour(); i++) {
            assertTrue(rules.issue(state).ok());
            clock.advance(Duration.ofSeconds(31));
        }
        assertEquals(PhoneCodeRules.Refusal.TOO_MANY_SENDS, rules.issue(state).refusal());
        clock.advance(Duration.ofHours(1));
        assertTrue(rules.issue(state).ok());
    }

    @Test
    void stateSurvivesTheAuthenticationSessionNotes() {
        String code = rules.issue(state).code();
        PhoneCodeState reloaded = PhoneCodeState.fromNotes(state.toNotes());
        assertEquals(PhoneCodeRules.Check.OK, rules.check(reloaded, code));
        assertFalse(reloaded.toNotes().containsValue(code));  // only a hash is kept
    }

    @Test
    void codesLookRandom() {
        String a = rules.issue(state).code();
        clock.advance(Duration.ofSeconds(31));
        String b = rules.issue(state).code();
        clock.advance(Duration.ofSeconds(31));
        String c = rules.issue(state).code();
        assertTrue(!a.equals(b) || !b.equals(c));
        assertNotEquals("", a);
    }

    static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-11-22T10:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
