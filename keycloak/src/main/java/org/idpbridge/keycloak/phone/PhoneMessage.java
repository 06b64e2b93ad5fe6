package org.idpbridge.keycloak.phone;

import java.time.Duration;
import java.util.Objects;

/**
 * One code to deliver.
 *
 * @param channel  text or call
 * @param to       the number, E.164
 * @param code     the 6 digits; senders must never log it
 * @param planName the health plan's name, as the brand theme spells it
 * @param validFor the code's lifetime, said in the message
 */
public record PhoneMessage(PhoneChannel channel, String to, String code, String planName,
                           Duration validFor) {
    public PhoneMessage {
        Objects.requireNonNull(channel);
        Objects.requireNonNull(to);
        Objects.requireNonNull(code);
        Objects.requireNonNull(planName);
        Objects.requireNonNull(validFor);
    }

    @Override
    public String toString() {  // never print the code
        return "PhoneMessage[" + channel.key + " to " + PhoneNumbers.mask(to) + "]";
    }
}
