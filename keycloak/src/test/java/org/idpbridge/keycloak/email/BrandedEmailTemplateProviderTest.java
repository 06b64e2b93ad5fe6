package org.idpbridge.keycloak.email;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Issue 21 row 2: Keycloak's emails carry the person's brand in sender name and subject. */
class BrandedEmailTemplateProviderTest {
    private static Properties messages() throws IOException {
        Properties messages = new Properties();
        try (InputStream in = BrandedEmailTemplateProviderTest.class.getResourceAsStream(
                "/theme/provider-portal/email/messages/messages_en.properties")) {
            messages.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
        return messages;
    }

    @Test
    void eachBrandHasItsOwnResetSubjectAndSender() throws IOException {
        Properties m = messages();
        for (String brand : new String[] {"dean", "wellfirst"}) {
            String key = EmailBranding.subjectKey("passwordResetSubject", brand, m);
            assertEquals("passwordResetSubject." + brand, key);
            assertEquals(m.getProperty("brandName." + brand) + " Provider Portal",
                    EmailBranding.withSender(Map.of("from", "no-reply@x.test",
                            "fromDisplayName", "Provider Portal"), brand, m)
                            .get("fromDisplayName"));
        }
        assertEquals("Reset your WellFirst Health Provider Portal password",
                m.getProperty("passwordResetSubject.wellfirst"));
    }

    @Test
    void anUnknownOrMissingBrandIsDeansAndOtherSubjectsStayAsTheyAre() throws IOException {
        Properties m = messages();
        assertEquals("dean", EmailBranding.brandKey(null, m));
        assertEquals("dean", EmailBranding.brandKey("prevea", m));
        assertEquals("wellfirst", EmailBranding.brandKey("WellFirst", m));
        assertEquals("executeActionsSubject",
                EmailBranding.subjectKey("executeActionsSubject", "dean", m));
        Map<String, String> realm = Map.of("fromDisplayName", "Provider Portal");
        assertSame(realm, EmailBranding.withSender(realm, "nobody", m));
    }
}
