package org.idpbridge.keycloak.phone;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import org.keycloak.models.KeycloakSession;

/** Configured from the environment: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN,
 *  TWILIO_FROM_NUMBER and TWILIO_BASE_URL (default https://api.twilio.com). */
public class TwilioPhoneSenderFactory implements PhoneSenderFactory {
    public static final String ID = "twilio";
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10)).build();

    @Override
    public PhoneSender create(KeycloakSession session) {
        Map<String, String> env = System.getenv();
        return new TwilioPhoneSender(env.getOrDefault("TWILIO_BASE_URL", "https://api.twilio.com"),
                required(env, "TWILIO_ACCOUNT_SID"), required(env, "TWILIO_AUTH_TOKEN"),
                required(env, "TWILIO_FROM_NUMBER"), http);
    }

    private static String required(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(name + " must be set for the twilio phone sender");
        }
        return value;
    }

    @Override
    public String getId() {
        return ID;
    }
}
