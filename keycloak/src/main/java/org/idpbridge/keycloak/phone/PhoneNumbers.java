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

    /** What a typed number is worth for codes. */
    public enum Verdict { OK, INVALID, REGION }

    /** The verdict, the number in E.164 when OK, and its country calling code when it is a
     *  number at all (0 otherwise; what the refusal event records, never the number). */
    public record Reading(Verdict verdict, String e164, int countryCode) {
    }

    /**
     * A number as typed ({@link #toE164}), then whether codes may go there
     * ({@link PhoneRegions#allows}): INVALID for what is not a phone number, REGION for a
     * number outside the plan's regions or of a kind that is refused (premium-rate,
     * toll-free, ...). A North American number libphonenumber cannot place (e.g. the guides'
     * 123-456-7890) is REGION: it cannot be shown to be in an allowed region.
     */
    public static Reading read(String typed, java.util.Set<String> regions) {
        Optional<String> e164 = toE164(typed);
        if (e164.isEmpty()) {
            return new Reading(Verdict.INVALID, null, 0);
        }
        try {
            PhoneNumber number = UTIL.parse(e164.get(), DEFAULT_REGION);
            return PhoneRegions.allows(regions, number)
                    ? new Reading(Verdict.OK, e164.get(), number.getCountryCode())
                    : new Reading(Verdict.REGION, null, number.getCountryCode());
        } catch (NumberParseException e) {
            return new Reading(Verdict.INVALID, null, 0);
        }
    }

    /** "+16085551234" → "***-***-1234": enough to recognise, not enough to reveal. */
    public static String mask(String e164) {
        String digits = e164 == null ? "" : e164.replaceAll("\\D", "");
        String last = digits.length() >= 4 ? digits.substring(digits.length() - 4) : "";
        return "***-***-" + last;
    }
}
