package org.idpbridge.keycloak.phone;

import java.time.Duration;
import java.util.Map;

/** The limits on phone codes. Defaults follow the guides and the design; each can be tuned
 *  through the environment (so tests can shorten waits without sleeping for minutes). */
public record PhoneCodePolicy(Duration lifetime, Duration resendCooldown, int maxWrongTries,
                              int maxSendsPerHour) {

    public static final PhoneCodePolicy DEFAULT =
            new PhoneCodePolicy(Duration.ofMinutes(10), Duration.ofSeconds(30), 5, 5);

    public static PhoneCodePolicy fromEnvironment(Map<String, String> env) {
        return new PhoneCodePolicy(
                Duration.ofSeconds(number(env, "IDP_PHONE_CODE_LIFETIME_SECONDS", 600)),
                Duration.ofSeconds(number(env, "IDP_PHONE_RESEND_COOLDOWN_SECONDS", 30)),
                (int) number(env, "IDP_PHONE_MAX_WRONG_TRIES", 5),
                (int) number(env, "IDP_PHONE_MAX_SENDS_PER_HOUR", 5));
    }

    private static long number(Map<String, String> env, String name, long fallback) {
        String value = env.get(name);
        try {
            return value == null || value.isBlank() ? fallback : Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
