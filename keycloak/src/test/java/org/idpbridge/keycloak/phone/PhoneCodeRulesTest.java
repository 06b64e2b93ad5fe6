package org.idpbridge.keycloak.phone;

import static org.idpbridge.keycloak.phone.PhoneCodeRules.Check.EXPIRED;
import static org.idpbridge.keycloak.phone.PhoneCodeRules.Check.LOCKED;
import static org.idpbridge.keycloak.phone.PhoneCodeRules.Check.MISSING;
import static org.idpbridge.keycloak.phone.PhoneCodeRules.Check.NO_CODE;
import static org.idpbridge.keycloak.phone.PhoneCodeRules.Check.OK;
import static org.idpbridge.keycloak.phone.PhoneCodeRules.Check.SUPERSEDED;
import static org.idpbridge.keycloak.phone.PhoneCodeRules.Check.USED;
import static org.idpbridge.keycloak.phone.PhoneCodeRules.Check.WRONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PhoneCodeRulesTest {
    private static final Duration COOLDOWN = PhoneCodePolicy.DEFAULT.resendCooldown();
    private MutableClock clock;
    private PhoneCodeRules rules;
    private PhoneCodeState state;
    private SendHistory byUser;
    private SendHistory byNumber;

    @BeforeEach
    void setUp() {
        clock = new MutableClock();
        rules = new PhoneCodeRules(PhoneCodePolicy.DEFAULT, clock, new SecureRandom());
        state = PhoneCodeState.fromNotes(Map.of());
        byUser = SendHistory.empty();
        byNumber = SendHistory.empty();
    }

    private String send() {
        PhoneCodeRules.Issued issued = rules.issue(state, byUser, byNumber);
        assertTrue(issued.ok(), () -> "refused: " + issued.refusal());
        return issued.code();
    }

    private String sendAfterCooldown() {
        clock.advance(COOLDOWN);
        return send();
    }

    private static String wrongFor(String... codes) {
        for (int i = 0; ; i++) {
            String candidate = String.format("%06d", i);
            if (!Set.of(codes).contains(candidate)) {
                return candidate;
            }
        }
    }

    @Test
    void codesAreSixDigitsFromTheGivenRandom() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            String code = sendAfterCooldown();
            assertTrue(code.matches("\\d{6}"), code);
            seen.add(code);
            state = PhoneCodeState.fromNotes(Map.of());
            byUser = SendHistory.empty();
            byNumber = SendHistory.empty();
        }
        assertTrue(seen.size() > 45, "codes repeat too often: " + seen.size());
        // Leading zeros are kept: the code is always six characters.
        PhoneCodeRules zero = new PhoneCodeRules(PhoneCodePolicy.DEFAULT, clock, new Random() {
            @Override
            public int nextInt(int bound) {
                return 42;
            }
        });
        assertEquals("000042", zero.issue(PhoneCodeState.fromNotes(Map.of()), byUser, byNumber)
                .code());
    }

    @Test
    void aCodeWorksOnce() {
        String code = send();
        assertEquals(OK, rules.check(state, code));
        assertEquals(USED, rules.check(state, code));
        assertEquals(0, state.wrongTries());
    }

    @Test
    void typedSpacesAndDashesAreIgnored() {
        String code = send();
        assertEquals(OK, rules.check(state, " " + code.substring(0, 3) + "-" + code.substring(3)));
    }

    @Test
    void aCodeLivesTenMinutes() {
        String code = send();
        clock.advance(Duration.ofMinutes(10).minusSeconds(1));
        PhoneCodeState copy = PhoneCodeState.fromNotes(state.toNotes());
        assertEquals(OK, rules.check(copy, code));
        clock.advance(Duration.ofSeconds(1));
        assertEquals(EXPIRED, rules.check(state, code));
        assertEquals(0, state.wrongTries(), "an expired code is not a guess");
    }

    @Test
    void onlyTheLastCodeSentIsValidAndAnOlderOneIsToldApart() {
        String first = send();
        String second = sendAfterCooldown();
        if (!first.equals(second)) {
            assertEquals(SUPERSEDED, rules.check(state, first));
            assertEquals(1, state.wrongTries(), "an older code counts as a wrong try");
        }
        assertEquals(WRONG, rules.check(state, wrongFor(first, second)));
        assertEquals(OK, rules.check(state, second));
    }

    @Test
    void fiveWrongTriesThenTheSixthIsRefusedEvenWhenRight() {
        String code = send();
        String wrong = wrongFor(code);
        for (int left = 4; left >= 0; left--) {
            assertEquals(WRONG, rules.check(state, wrong));
            assertEquals(left, rules.triesLeft(state));
        }
        assertEquals(LOCKED, rules.check(state, code));  // the sixth try
        assertEquals(LOCKED, rules.check(state, code));
    }

    @Test
    void aResendDoesNotResetTheWrongTries() {
        String code = send();
        for (int i = 0; i < 3; i++) {
            assertEquals(WRONG, rules.check(state, wrongFor(code)));
        }
        String fresh = sendAfterCooldown();
        assertEquals(2, rules.triesLeft(state));
        assertEquals(WRONG, rules.check(state, wrongFor(code, fresh)));
        assertEquals(WRONG, rules.check(state, wrongFor(code, fresh)));
        assertEquals(LOCKED, rules.check(state, fresh));
        // ... and once locked, no more codes are sent in this sign-in.
        clock.advance(COOLDOWN);
        assertEquals(PhoneCodeRules.Refusal.LOCKED,
                rules.issue(state, byUser, byNumber).refusal());
    }

    @Test
    void nonsenseCountsAsAWrongTryButNothingTypedDoesNot() {
        send();
        assertEquals(MISSING, rules.check(state, "  "));
        assertEquals(MISSING, rules.check(state, null));
        assertEquals(0, state.wrongTries());
        assertEquals(WRONG, rules.check(state, "12ab56"));
        assertEquals(WRONG, rules.check(state, "1234567"));
        assertEquals(2, state.wrongTries());
    }

    @Test
    void checkingBeforeAnyCodeWasSent() {
        assertEquals(NO_CODE, rules.check(state, "123456"));
        assertEquals(0, state.wrongTries());
    }

    @Test
    void aResendWaitsForTheCooldown() {
        send();
        clock.advance(Duration.ofSeconds(10));
        PhoneCodeRules.Issued refused = rules.issue(state, byUser, byNumber);
        assertFalse(refused.ok());
        assertNull(refused.code());
        assertEquals(PhoneCodeRules.Refusal.COOLDOWN, refused.refusal());
        assertEquals(20, refused.waitSeconds());
        clock.advance(Duration.ofSeconds(19));
        assertEquals(1, rules.issue(state, byUser, byNumber).waitSeconds());
        clock.advance(Duration.ofSeconds(1));
        assertTrue(rules.issue(state, byUser, byNumber).ok());
    }

    @Test
    void sendsAreCappedPerSignIn() {
        for (int i = 0; i < PhoneCodePolicy.DEFAULT.maxSendsPerSignIn(); i++) {
            sendAfterCooldown();
        }
        clock.advance(COOLDOWN);
        assertEquals(PhoneCodeRules.Refusal.TOO_MANY_SENDS,
                rules.issue(state, byUser, byNumber).refusal());
    }

    @Test
    void sendsAreCappedPerUserPerHourAcrossSignIns() {
        int cap = PhoneCodePolicy.DEFAULT.maxSendsPerHour();
        for (int i = 0; i < cap; i++) {
            clock.advance(Duration.ofMinutes(1));
            state = PhoneCodeState.fromNotes(Map.of());  // a new sign-in each time
            byNumber = SendHistory.empty();  // and a new number: only the user is shared
            assertTrue(rules.issue(state, byUser, byNumber).ok());
        }
        state = PhoneCodeState.fromNotes(Map.of());
        assertEquals(PhoneCodeRules.Refusal.TOO_MANY_SENDS,
                rules.issue(state, byUser, SendHistory.empty()).refusal());
        // The window rolls: an hour after the first send, one more is allowed.
        clock.advance(Duration.ofMinutes(51));
        assertTrue(rules.issue(state, byUser, SendHistory.empty()).ok());
    }

    @Test
    void sendsAreCappedPerNumberPerHourAcrossUsers() {
        int cap = PhoneCodePolicy.DEFAULT.maxSendsPerHour();
        for (int i = 0; i < cap; i++) {
            clock.advance(Duration.ofMinutes(1));
            assertTrue(rules.issue(PhoneCodeState.fromNotes(Map.of()), SendHistory.empty(),
                    byNumber).ok());
        }
        PhoneCodeRules.Issued refused = rules.issue(PhoneCodeState.fromNotes(Map.of()),
                SendHistory.empty(), byNumber);
        // The same refusal as the per-user cap: it does not tell that others use the number.
        assertEquals(PhoneCodeRules.Refusal.TOO_MANY_SENDS, refused.refusal());
    }

    @Test
    void aRefusedSendRecordsNothing() {
        send();
        String before = byUser.format();
        clock.advance(Duration.ofSeconds(1));
        rules.issue(state, byUser, byNumber);
        assertEquals(before, byUser.format());
        assertEquals(1, byNumber.countSince(clock.millis()));
    }

    @Test
    void stateSurvivesTheNotesAndKeepsNoCode() {
        String code = send();
        Map<String, String> notes = state.toNotes();
        assertFalse(notes.values().stream().anyMatch(v -> v.contains(code)),
                "only a salted digest is stored");
        assertTrue(PhoneCodeState.NOTES.containsAll(notes.keySet()));
        PhoneCodeState reloaded = PhoneCodeState.fromNotes(notes);
        assertTrue(reloaded.hasUnusedCode());
        assertEquals(OK, rules.check(reloaded, code));
        assertFalse(reloaded.hasUnusedCode());
    }

    @Test
    void digestsAreSaltedPerSignIn() {
        PhoneCodeRules fixed = new PhoneCodeRules(PhoneCodePolicy.DEFAULT, clock,
                new SecureRandom());
        PhoneCodeState a = PhoneCodeState.fromNotes(Map.of());
        PhoneCodeState b = PhoneCodeState.fromNotes(Map.of());
        fixed.issue(a, SendHistory.empty(), SendHistory.empty());
        fixed.issue(b, SendHistory.empty(), SendHistory.empty());
        assertNotEquals(a.salt, b.salt);
        assertEquals(64, a.codeHash.length());
    }

    @Test
    void damagedNotesAreReadAsNoState() {
        PhoneCodeState damaged = PhoneCodeState.fromNotes(Map.of("phone.sentAt", "x",
                "phone.wrongTries", "", "phone.sends", "1,,y"));
        assertEquals(0, damaged.wrongTries());
        assertEquals(NO_CODE, rules.check(damaged, "123456"));
    }
}
