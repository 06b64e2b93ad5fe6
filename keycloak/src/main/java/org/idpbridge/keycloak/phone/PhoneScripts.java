package org.idpbridge.keycloak.phone;

import java.time.Duration;

/** The words of a text message and of a call. A text holds the code once as a contiguous
 *  6-digit number; a call says it digit by digit, twice. */
public final class PhoneScripts {
    private PhoneScripts() {
    }

    public static String text(String code, String planName, Duration validFor) {
        return "Your " + planName + " Provider Portal security code is " + code
                + ". It expires in " + minutes(validFor) + ". Do not share this code.";
    }

    /** What the call says (no contiguous code: a voice would read it as a large number). */
    public static String spoken(String code, String planName, Duration validFor) {
        String spaced = spaced(code);
        return "Hello. This is the " + planName + " Provider Portal. Your security code is "
                + spaced + ". Again, your security code is " + spaced + ". It expires in "
                + minutes(validFor) + ". Goodbye.";
    }

    /** TwiML for a Twilio-compatible Calls API. */
    public static String twiml(String code, String planName, Duration validFor) {
        return "<Response><Say>" + xml(spoken(code, planName, validFor)) + "</Say></Response>";
    }

    static String spaced(String code) {
        return String.join(" ", code.split(""));
    }

    static String minutes(Duration validFor) {
        long seconds = validFor.toSeconds();
        if (seconds < 60) {
            return seconds + (seconds == 1 ? " second" : " seconds");
        }
        long minutes = (seconds + 59) / 60;
        return minutes + (minutes == 1 ? " minute" : " minutes");
    }

    static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;").replace("'", "&apos;");
    }
}
