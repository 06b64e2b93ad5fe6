package org.idpbridge.keycloak.phone;

import org.keycloak.provider.Provider;

/** Delivers a code by text or call. Implementations must never log the message body. */
public interface PhoneSender extends Provider {

    void send(PhoneChannel channel, String e164, String code, String planName)
            throws PhoneSendException;

    @Override
    default void close() {
    }

    static String textMessage(String code, String planName) {
        return "Your " + planName + " Provider Portal security code is " + code
                + ". It expires in 10 minutes. Do not share it.";
    }

    static String callScript(String code, String planName) {
        String spaced = String.join(" ", code.split(""));
        return "Hello. This is the " + planName + " Provider Portal. Your security code is "
                + spaced + ". Again, your code is " + spaced + ". (" + code + ")";
    }
}
