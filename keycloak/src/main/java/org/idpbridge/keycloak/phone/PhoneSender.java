package org.idpbridge.keycloak.phone;

import org.keycloak.provider.Provider;

/** Delivers a code by text or call (the {@code phone-sender} SPI). Implementations must
 *  never log the code or the message body. */
public interface PhoneSender extends Provider {

    void send(PhoneMessage message) throws PhoneSendException;

    @Override
    default void close() {
    }
}
