package org.idpbridge.keycloak.phone;

import java.util.Optional;
import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;

/** Phone numbers as people type them, stored as E.164 and shown masked. libphonenumber is
 *  shaded into the plugin jar (relocated), so it never clashes with the server's classes. */
public final class PhoneNumbers {
    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();
    private static final String DEFAULT_REGION = "US";

    private PhoneNumbers() {
    }

    /**
     * "608-555-1234", "(608) 555 1234", "608.555.1234", "+1 608 555 1234" → "+16085551234".
     *
     * <p>Numbers typed without a country code are read as US numbers. A 10-digit North
     * American number is accepted when it has the right shape even if libphonenumber's
     * tables do not know its area code (the guides' own example is 123-456-7890, and new area
     * codes appear before the tables do): the verification code proves the number works.
     * Numbers of other countries must be typed with "+" and be valid there.
     */
    public static Optional<String> toE164(String typed) {
        if (typed == null || typed.isBlank() || typed.length() > 40) {
            return Optional.empty();
        }
        try {
            PhoneNumber number = UTIL.parse(typed, DEFAULT_REGION);
            if (number.hasExtension()) {
                return Optional.empty();  // a text or a call cannot dial an extension
            }
            boolean northAmerican = number.getCountryCode() == 1
                    && Long.toString(number.getNationalNumber()).length() == 10;
            if (!UTIL.isValidNumber(number) && !northAmerican) {
                return Optional.empty();
            }
            return Optional.of(UTIL.format(number, PhoneNumberUtil.PhoneNumberFormat.E164));
        } catch (NumberParseException e) {
            return Optional.empty();
        }
    }

    /** "+16085551234" → "***-***-1234": enough to recognise, not enough to reveal. */
    public static String mask(String e164) {
        String digits = e164 == null ? "" : e164.replaceAll("\\D", "");
        String last = digits.length() >= 4 ? digits.substring(digits.length() - 4) : "";
        return "***-***-" + last;
    }
}
