package org.idpbridge.keycloak.phone;

import java.time.Duration;
import java.util.function.Function;

/**
 * The limits on phone codes. Defaults follow the guides and the design. A deployment sets its
 * own through the authenticator's SPI options ({@code spi-authenticator--phone-code-authenticator--<option>},
 * read once at boot, a bad value stops the server), and a realm may tune each without a
 * restart through a realm attribute read on every request (blank or unparsable attributes
 * fall back to the deployment's value).
 *
 * @param lifetime              how long a code can be used after it was sent (10 minutes)
 * @param resendCooldown        the wait between two sends in one sign-in (30 seconds)
 * @param maxWrongTries         wrong codes allowed in one sign-in; a resend does not reset them (5)
 * @param maxSendsPerSignIn     codes sent in one sign-in or enrollment (5)
 * @param maxSendsPerHour       codes sent per user, and per number, in any rolling hour (10)
 * @param maxSendsPerAddressPerHour codes sent for sign-ins from one client address in any
 *                              rolling hour, all users together (20)
 * @param maxSendsTotalPerHour  codes sent by the whole deployment in any rolling hour (1000)
 */
public record PhoneCodePolicy(Duration lifetime, Duration resendCooldown, int maxWrongTries,
                              int maxSendsPerSignIn, int maxSendsPerHour,
                              int maxSendsPerAddressPerHour, int maxSendsTotalPerHour) {

    public static final int DEFAULT_PER_ADDRESS = 20;
    public static final int DEFAULT_TOTAL = 1000;
    public static final PhoneCodePolicy DEFAULT = new PhoneCodePolicy(
            Duration.ofMinutes(10), Duration.ofSeconds(30), 5, 5, 10, DEFAULT_PER_ADDRESS,
            DEFAULT_TOTAL);

    /** The per-sign-in and per-user limits, with the default address and total budgets. */
    public PhoneCodePolicy(Duration lifetime, Duration resendCooldown, int maxWrongTries,
                           int maxSendsPerSignIn, int maxSendsPerHour) {
        this(lifetime, resendCooldown, maxWrongTries, maxSendsPerSignIn, maxSendsPerHour,
                DEFAULT_PER_ADDRESS, DEFAULT_TOTAL);
    }

    /** The settings: SPI option name, realm attribute name, smallest allowed value. */
    public enum Setting {
        LIFETIME_SECONDS("code-lifetime-seconds", "phoneCodeLifetimeSeconds", 1,
                "How long a code can be used after it was sent, in seconds."),
        RESEND_COOLDOWN_SECONDS("resend-cooldown-seconds", "phoneResendCooldownSeconds", 0,
                "The wait between two sends in one sign-in, in seconds (0: none)."),
        MAX_WRONG_TRIES("max-wrong-tries", "phoneMaxWrongTries", 1,
                "Wrong codes allowed in one sign-in or enrollment."),
        MAX_SENDS_PER_SIGN_IN("max-sends-per-sign-in", "phoneMaxSendsPerSignIn", 1,
                "Codes sent in one sign-in or enrollment."),
        MAX_SENDS_PER_HOUR("max-sends-per-hour", "phoneMaxSendsPerHour", 1,
                "Codes sent per user, and per number, in any rolling hour."),
        MAX_SENDS_PER_ADDRESS_PER_HOUR("max-sends-per-address-per-hour",
                "phoneMaxSendsPerAddressPerHour", 1,
                "Codes sent for sign-ins from one client address, all users together, in any "
                        + "rolling hour."),
        MAX_SENDS_TOTAL_PER_HOUR("max-sends-total-per-hour", "phoneMaxSendsTotalPerHour", 1,
                "Codes sent by the whole deployment in any rolling hour.");

        public final String option;
        public final String realmAttribute;
        final long minimum;
        public final String help;

        Setting(String option, String realmAttribute, long minimum, String help) {
            this.option = option;
            this.realmAttribute = realmAttribute;
            this.minimum = minimum;
            this.help = help;
        }

        long valueIn(PhoneCodePolicy policy) {
            return switch (this) {
                case LIFETIME_SECONDS -> policy.lifetime.toSeconds();
                case RESEND_COOLDOWN_SECONDS -> policy.resendCooldown.toSeconds();
                case MAX_WRONG_TRIES -> policy.maxWrongTries;
                case MAX_SENDS_PER_SIGN_IN -> policy.maxSendsPerSignIn;
                case MAX_SENDS_PER_HOUR -> policy.maxSendsPerHour;
                case MAX_SENDS_PER_ADDRESS_PER_HOUR -> policy.maxSendsPerAddressPerHour;
                case MAX_SENDS_TOTAL_PER_HOUR -> policy.maxSendsTotalPerHour;
            };
        }
    }

    public PhoneCodePolicy {
        if (lifetime.isNegative() || lifetime.isZero() || resendCooldown.isNegative()
                || maxWrongTries < 1 || maxSendsPerSignIn < 1 || maxSendsPerHour < 1
                || maxSendsPerAddressPerHour < 1 || maxSendsTotalPerHour < 1) {
            throw new IllegalArgumentException("phone code limits must be positive");
        }
    }

    /**
     * The deployment's limits from SPI options (unset options keep the defaults).
     *
     * @param options SPI option by name (may return null)
     * @throws IllegalArgumentException naming the option, when a value is not a whole number
     *                                  in range: the server must not start with it
     */
    public static PhoneCodePolicy fromOptions(Function<String, String> options) {
        return build(setting -> {
            String raw = options.apply(setting.option);
            if (raw == null || raw.isBlank()) {
                return setting.valueIn(DEFAULT);
            }
            Long parsed = parse(raw, setting.minimum);
            if (parsed == null) {
                throw new IllegalArgumentException("phone code option " + setting.option
                        + " must be a whole number >= " + setting.minimum + ", not '" + raw + "'");
            }
            return parsed;
        });
    }

    /**
     * This request's limits: the realm's attributes over the deployment's limits.
     *
     * @param realmAttributes realm attribute by name (may return null)
     * @param deployment      the limits set at boot
     */
    public static PhoneCodePolicy resolve(Function<String, String> realmAttributes,
                                          PhoneCodePolicy deployment) {
        return build(setting -> {
            Long fromRealm = parse(realmAttributes.apply(setting.realmAttribute), setting.minimum);
            return fromRealm != null ? fromRealm : setting.valueIn(deployment);
        });
    }

    private static PhoneCodePolicy build(Function<Setting, Long> value) {
        return new PhoneCodePolicy(
                Duration.ofSeconds(value.apply(Setting.LIFETIME_SECONDS)),
                Duration.ofSeconds(value.apply(Setting.RESEND_COOLDOWN_SECONDS)),
                value.apply(Setting.MAX_WRONG_TRIES).intValue(),
                value.apply(Setting.MAX_SENDS_PER_SIGN_IN).intValue(),
                value.apply(Setting.MAX_SENDS_PER_HOUR).intValue(),
                value.apply(Setting.MAX_SENDS_PER_ADDRESS_PER_HOUR).intValue(),
                value.apply(Setting.MAX_SENDS_TOTAL_PER_HOUR).intValue());
    }

    private static Long parse(String value, long minimum) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            long parsed = Long.parseLong(value.trim());
            return parsed >= minimum && parsed <= Integer.MAX_VALUE ? parsed : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
