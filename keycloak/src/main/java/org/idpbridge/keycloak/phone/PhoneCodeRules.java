package org.idpbridge.keycloak.phone;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Random;

/** The decisions about phone codes, free of Keycloak types so they unit-test without a
 *  server: issue a code (or say why not), check a code. */
public final class PhoneCodeRules {

    public enum Refusal { COOLDOWN, TOO_MANY_SENDS }

    public enum Check { OK, WRONG, EXPIRED, USED, LOCKED, NO_CODE }

    /** A code, or the reason none was issued. */
    public record Issued(String code, Refusal refusal, long waitSeconds) {
        public boolean ok() {
            return code != null;
        }
    }

    private final PhoneCodePolicy policy;
    private final Clock clock;
    private final Random random;

    public PhoneCodeRules(PhoneCodePolicy policy, Clock clock, Random random) {
        this.policy = policy;
        this.clock = clock;
        this.random = random;
    }

    public static PhoneCodeRules standard(PhoneCodePolicy policy) {
        return new PhoneCodeRules(policy, Clock.systemUTC(), new SecureRandom());
    }

    public Issued issue(PhoneCodeState state) {
        long now = clock.millis();
        long sinceLast = now - state.sentAtMillis;
        if (state.sentAtMillis > 0 && sinceLast < policy.resendCooldown().toMillis()) {
            long wait = (policy.resendCooldown().toMillis() - sinceLast + 999) / 1000;
            return new Issued(null, Refusal.COOLDOWN, wait);
        }
        state.sendTimes.removeIf(t -> now - t > 3_600_000L);
        if (state.sendTimes.size() >= policy.maxSendsPerHour()) {
            return new Issued(null, Refusal.TOO_MANY_SENDS, 0);
        }
        String code = String.format("%06d", random.nextInt(1_000_000));
        state.codeHash = hash(code);  // the last code sent replaces any earlier one
        state.sentAtMillis = now;
        state.used = false;
        state.sendTimes.add(now);
        // Wrong tries are deliberately kept: a resend must not buy more guesses.
        return new Issued(code, null, 0);
    }

    public Check check(PhoneCodeState state, String typed) {
        if (state.wrongTries >= policy.maxWrongTries()) {
            return Check.LOCKED;
        }
        if (state.codeHash == null || state.codeHash.isEmpty()) {
            return Check.NO_CODE;
        }
        if (state.used) {
            return Check.USED;
        }
        if (clock.millis() - state.sentAtMillis > policy.lifetime().toMillis()) {
            return Check.EXPIRED;
        }
        String candidate = typed == null ? "" : typed.replaceAll("\\s", "");
        if (!candidate.matches("\\d{6}") || !MessageDigest.isEqual(
                hash(candidate).getBytes(StandardCharsets.UTF_8),
                state.codeHash.getBytes(StandardCharsets.UTF_8))) {
            state.wrongTries++;
            return state.wrongTries >= policy.maxWrongTries() ? Check.LOCKED : Check.WRONG;
        }
        state.used = true;
        return Check.OK;
    }

    public int triesLeft(PhoneCodeState state) {
        return Math.max(0, policy.maxWrongTries() - state.wrongTries);
    }

    static String hash(String code) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(code.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
