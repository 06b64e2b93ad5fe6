package org.idpbridge.keycloak.phone;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Random;

/**
 * The decisions about phone codes, free of Keycloak types so they unit-test without a server:
 * whether a code may be sent now (and the code), and what a typed code is worth.
 *
 * <ul>
 *   <li>codes are 6 digits from {@link SecureRandom};</li>
 *   <li>a code lives {@link PhoneCodePolicy#lifetime()} and works once;</li>
 *   <li>only the last code sent is valid: an older one is refused as such (and counts as a
 *       wrong try);</li>
 *   <li>at most {@link PhoneCodePolicy#maxWrongTries()} wrong tries; a resend does not reset
 *       the count, and once it is reached no code is accepted or sent in this sign-in;</li>
 *   <li>a resend waits {@link PhoneCodePolicy#resendCooldown()}; sends are capped per sign-in,
 *       and per user and per number in any rolling hour.</li>
 * </ul>
 */
public final class PhoneCodeRules {

    /** Why no code was sent. {@code TOO_MANY_SENDS} never says which cap was hit, so it
     *  does not tell whether another account uses the number. */
    public enum Refusal { COOLDOWN, TOO_MANY_SENDS, LOCKED }

    public enum Check { OK, MISSING, WRONG, SUPERSEDED, EXPIRED, USED, LOCKED, NO_CODE }

    /** A code to send, or the reason none may be sent. */
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

    public PhoneCodePolicy policy() {
        return policy;
    }

    /**
     * Decide whether a code may be sent now; if so, remember it in {@code state} and count it
     * in both histories. The caller sends the returned code and, if sending fails, drops the
     * updated state and histories (nothing was sent).
     */
    public Issued issue(PhoneCodeState state) {
        return issue(state, SendHistory.empty(), SendHistory.empty());
    }

    /** As {@link #issue(PhoneCodeState)}, also refusing when either history is at the hourly
     *  cap. Production counts the hourly caps atomically instead ({@link SendBudget}). */
    public Issued issue(PhoneCodeState state, SendHistory byUser, SendHistory byNumber) {
        long now = clock.millis();
        if (state.wrongTries >= policy.maxWrongTries()) {
            return new Issued(null, Refusal.LOCKED, 0);
        }
        long cooldown = policy.resendCooldown().toMillis();
        long sinceLast = now - state.sentAtMillis;
        if (state.sentAtMillis > 0 && sinceLast >= 0 && sinceLast < cooldown) {
            return new Issued(null, Refusal.COOLDOWN, (cooldown - sinceLast + 999) / 1000);
        }
        state.sendTimes.removeIf(t -> now - t >= SendHistory.WINDOW_MILLIS);
        if (state.sendTimes.size() >= policy.maxSendsPerSignIn()
                || byUser.countSince(now) >= policy.maxSendsPerHour()
                || byNumber.countSince(now) >= policy.maxSendsPerHour()) {
            return new Issued(null, Refusal.TOO_MANY_SENDS, 0);
        }
        if (state.salt.isEmpty()) {
            byte[] salt = new byte[16];
            random.nextBytes(salt);
            state.salt = HexFormat.of().formatHex(salt);
        }
        String code = String.format("%06d", random.nextInt(1_000_000));
        if (!state.codeHash.isEmpty()) {  // the last code sent replaces any earlier one
            state.olderHashes.add(0, state.codeHash);
            while (state.olderHashes.size() > PhoneCodeState.OLDER_KEPT) {
                state.olderHashes.remove(state.olderHashes.size() - 1);
            }
        }
        state.codeHash = hash(state.salt, code);
        state.sentAtMillis = now;
        state.used = false;
        state.sendTimes.add(now);
        byUser.record(now);
        byNumber.record(now);
        // Wrong tries are deliberately kept: a resend must not buy more guesses.
        return new Issued(code, null, 0);
    }

    /** What the typed code is worth; counts a wrong try in {@code state} when it is one. */
    public Check check(PhoneCodeState state, String typed) {
        if (state.wrongTries >= policy.maxWrongTries()) {
            return Check.LOCKED;
        }
        if (state.codeHash.isEmpty()) {
            return Check.NO_CODE;
        }
        String candidate = typed == null ? "" : typed.replaceAll("[\\s-]", "");
        if (candidate.isEmpty()) {
            return Check.MISSING;
        }
        if (state.used) {
            return Check.USED;
        }
        if (clock.millis() - state.sentAtMillis >= policy.lifetime().toMillis()) {
            return Check.EXPIRED;
        }
        String digest = candidate.matches("\\d{6}") ? hash(state.salt, candidate) : "";
        if (!digest.isEmpty() && same(digest, state.codeHash)) {
            state.used = true;
            return Check.OK;
        }
        state.wrongTries++;
        boolean older = !digest.isEmpty()
                && state.olderHashes.stream().anyMatch(h -> same(digest, h));
        return older ? Check.SUPERSEDED : Check.WRONG;
    }

    public int triesLeft(PhoneCodeState state) {
        return Math.max(0, policy.maxWrongTries() - state.wrongTries);
    }

    private static boolean same(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII),
                b.getBytes(StandardCharsets.US_ASCII));
    }

    static String hash(String salt, String code) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(salt.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) ':');
            return HexFormat.of().formatHex(digest.digest(code.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
