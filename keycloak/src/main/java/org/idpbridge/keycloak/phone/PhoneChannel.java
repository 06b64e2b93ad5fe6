package org.idpbridge.keycloak.phone;

/** How a code reaches the person: a text message or a spoken phone call. */
public enum PhoneChannel {
    SMS("sms", "Text"), VOICE("voice", "Voice");

    public final String key;
    public final String label;

    PhoneChannel(String key, String label) {
        this.key = key;
        this.label = label;
    }

    public static PhoneChannel of(String key) {
        return "voice".equalsIgnoreCase(key) ? VOICE : SMS;
    }
}
