package org.idpbridge.keycloak.phone;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Where a code may be sent: numbers of the regions a plan allows (ISO 3166 codes as
 * libphonenumber knows them), and only ordinary fixed-line or mobile numbers there. The
 * default is the United States and its territories with their own area codes (Puerto Rico,
 * Guam, the U.S. Virgin Islands, American Samoa, the Northern Mariana Islands): not all of
 * +1, whose Caribbean countries (876 Jamaica, 809 the Dominican Republic, 284 the British
 * Virgin Islands, ...) are where international revenue-share "pumping" sends its calls.
 * Premium-rate (900), toll-free, shared-cost, personal (5XX), VoIP, pager, UAN and unknown
 * numbers are refused everywhere.
 */
public final class PhoneRegions {
    public static final Set<String> DEFAULT = Set.of("US", "PR", "GU", "VI", "AS", "MP");
    public static final String OPTION = "allowed-regions";
    public static final String REALM_ATTRIBUTE = "phoneAllowedRegions";
    private static final Set<PhoneNumberType> DIALABLE = EnumSet.of(PhoneNumberType.FIXED_LINE,
            PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE);
    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

    private PhoneRegions() {
    }

    /** Whether a code may go to {@code number} under {@code regions}. */
    public static boolean allows(Set<String> regions, PhoneNumber number) {
        String region = UTIL.getRegionCodeForNumber(number);
        return region != null && regions.contains(region)
                && DIALABLE.contains(UTIL.getNumberType(number));
    }

    /**
     * "US,PR,GU" → the set; blank → {@code fallback}. A code libphonenumber does not know
     * throws, naming {@code what} (the option at boot).
     */
    public static Set<String> parse(String value, Set<String> fallback, String what) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        Set<String> regions = new LinkedHashSet<>();
        for (String part : value.split("[,\\s]+")) {
            String code = part.strip().toUpperCase(Locale.ROOT);
            if (code.isEmpty()) {
                continue;
            }
            if (!UTIL.getSupportedRegions().contains(code)) {
                throw new IllegalArgumentException(what + " must list region codes such as "
                        + "US,PR,GU; '" + part.strip() + "' is not one");
            }
            regions.add(code);
        }
        if (regions.isEmpty()) {
            throw new IllegalArgumentException(what + " lists no region");
        }
        return Set.copyOf(regions);
    }

    /** This request's regions: the realm attribute (when it parses) over the deployment's. */
    public static Set<String> resolve(String realmAttribute, Set<String> deployment) {
        try {
            return parse(realmAttribute, deployment, REALM_ATTRIBUTE);
        } catch (IllegalArgumentException e) {
            return deployment;  // a damaged attribute falls back, as the other limits do
        }
    }
}
