package org.idpbridge.keycloak.phone;

import java.util.Optional;

/** How a code reaches the person: a text message or a spoken phone call. */
public enum PhoneChannel {
    SMS("sms", "Text"), VOICE("voice", "Voice");

    /** Stored in the credential and in the user attribute {@code mfa_phone_method}. */
    public final String key;
    /** As the guides' success messages say it: "Text enrolled successfully". */
    public final String label;

    PhoneChannel(String key, String label) {
        this.key = key;
        this.label = label;
    }

    /** Lenient: anything but "voice" is a text. */
    public static PhoneChannel of(String key) {
        return parse(key).orElse(SMS);
    }

    public static Optional<PhoneChannel> parse(String key) {
        if ("voice".equalsIgnoreCase(key)) {
            return Optional.of(VOICE);
        }
        return "sms".equalsIgnoreCase(key) ? Optional.of(SMS) : Optional.empty();
    }
}
