package org.idpbridge.keycloak.phone;

/** What the person reads when a code is refused. No message says whether a number or an
 *  account exists elsewhere. */
final class PhoneMessages {
    private PhoneMessages() {
    }

    static String refusal(PhoneCodeRules.Check check, int triesLeft) {
        return switch (check) {
            case WRONG -> "The security code is incorrect. " + triesLeft
                    + (triesLeft == 1 ? " try" : " tries") + " left.";
            case EXPIRED -> "This security code has expired. Please request a new code.";
            case USED -> "This security code was already used. Please request a new code.";
            case LOCKED -> "Too many incorrect codes were entered. Please start again later.";
            case NO_CODE -> "Please request a code first.";
            case OK -> "";
        };
    }
}
