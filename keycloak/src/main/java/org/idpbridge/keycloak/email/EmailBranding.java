package org.idpbridge.keycloak.email;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/** The rules {@link BrandedEmailTemplateProvider} applies, apart from Keycloak (unit-tested). */
final class EmailBranding {
    static final String DEFAULT_BRAND = "dean";

    private EmailBranding() {
    }

    /** The brand whose words this email uses: the user's, if the theme knows it. */
    static String brandKey(String attribute, Properties messages) {
        String key = attribute == null ? DEFAULT_BRAND : attribute.toLowerCase(Locale.ROOT);
        return messages.containsKey("brandName." + key) ? key : DEFAULT_BRAND;
    }

    /** The subject key for this brand, if the theme words it per brand. */
    static String subjectKey(String subjectKey, String brand, Properties messages) {
        String branded = subjectKey + "." + brand;
        return messages.containsKey(branded) ? branded : subjectKey;
    }

    /** The realm's SMTP settings with the brand's sender name (a copy; never the realm's). */
    static Map<String, String> withSender(Map<String, String> config, String brand,
            Properties messages) {
        String sender = messages.getProperty("brandSender." + brand);
        if (config == null || sender == null || sender.isBlank()) {
            return config;
        }
        Map<String, String> copy = new HashMap<>(config);
        copy.put("fromDisplayName", sender);
        return copy;
    }
}
