package org.idpbridge.keycloak.phone;

/** The provider did not accept the message; the person may request a new code. */
public class PhoneSendException extends Exception {
    public PhoneSendException(String message, Throwable cause) {
        super(message, cause);
    }
}
