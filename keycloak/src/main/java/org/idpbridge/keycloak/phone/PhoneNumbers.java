package org.idpbridge.keycloak.phone;

import java.util.Optional;
import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;

/** Phone numbers as people type them, stored as E.164 and shown masked. */
public final class PhoneNumbers {
    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

    private PhoneNumbers() {
    }

    /** "608-555-1234", "(608) 555 1234", "+1 608 555 1234" -> "+16085551234". */
    public static Optional<String> toE164(String typed) {
        if (typed == null || typed.isBlank()) {
            return Optional.empty();
        }
        try {
            PhoneNumber number = UTIL.parse(typed, "US");
            if (!UTIL.isValidNumber(number)) {
                return Optional.empty();
            }
            return Optional.of(UTIL.format(number, PhoneNumberUtil.PhoneNumberFormat.E164));
        } catch (NumberParseException e) {
            return Optional.empty();
        }
    }

    /** "+16085551234" -> "***-***-1234": enough to recognise, not enough to reveal. */
    public static String mask(String e164) {
        String digits = e164 == null ? "" : e164.replaceAll("\\D", "");
        String last = digits.length() >= 4 ? digits.substring(digits.length() - 4) : digits;
        return "***-***-" + last;
    }
}
