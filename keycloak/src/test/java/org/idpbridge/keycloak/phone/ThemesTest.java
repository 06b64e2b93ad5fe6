package org.idpbridge.keycloak.phone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.text.MessageFormat;
import java.util.Locale;
import java.util.Properties;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The brand themes: small (words and colours only), complete, and valid MessageFormat. */
class ThemesTest {
    private static String text(String resource) throws IOException {
        try (InputStream in = ThemesTest.class.getResourceAsStream(resource)) {
            assertNotNull(in, resource);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String format(Properties p, String key, Object... args) {
        return new MessageFormat(p.getProperty(key), Locale.ENGLISH).format(args);
    }

    @ParameterizedTest
    @CsvSource({"dean,Dean Health Plan,Dean Health Plan Administrator",
        "wellfirst,WellFirst Health,Prevea360 Health Plan Administrator"})
    void eachBrandNamesItsPlanAndReviewer(String brand, String plan, String reviewer)
            throws IOException {
        Properties m = PhoneMessagesTest.load("/theme/" + brand + "/login/messages/messages_en.properties");
        assertEquals(plan, m.getProperty("planName"));
        assertEquals(plan + " Provider Portal", m.getProperty("loginTitleHtml"));
        assertEquals(reviewer, m.getProperty("reviewingAdministrator"));
        assertFalse(format(m, "portalSupport").contains("''"));
        Properties props = PhoneMessagesTest.load("/theme/" + brand + "/login/theme.properties");
        assertEquals("provider-portal", props.getProperty("parent"));
        assertTrue(props.getProperty("styles").endsWith("css/brand.css"));
        assertTrue(text("/theme/" + brand + "/login/resources/css/brand.css")
                .contains("--portal-primary"));
        assertTrue(text("/META-INF/keycloak-themes.json").contains("\"" + brand + "\""));
    }

    @Test
    void theSharedThemeHoldsTheLinksAndTheTerms() throws IOException {
        Properties m = PhoneMessagesTest.load(
                "/theme/provider-portal/login/messages/messages_en.properties");
        assertEquals("Don't have an account?", format(m, "portalNoAccount"));
        assertEquals("Sign up", format(m, "portalSignUp"));
        assertEquals("Need help signing in?", format(m, "needHelpSigningIn"));
        assertEquals("Google Chrome is recommended for optimum performance.",
                format(m, "chromeRecommended"));
        assertEquals("Accept Terms & Conditions", format(m, "doAccept"));
        assertEquals("Single Sign-On and Provider Portal Terms and Conditions",
                format(m, "termsTitle"));
        String terms = format(m, "termsText");
        assertTrue(terms.startsWith("<p>This is a binding agreement (\"Agreement\") between SSM "
                + "Health Plan, SSM Health Insurance Company, and Dean Health Service Company"));
        assertTrue(terms.contains("<ol>") && terms.contains("<u>Use</u>")
                && terms.contains("<u>User Access</u>"));
        assertTrue(terms.contains("Users' compliance"), "quotes survive MessageFormat");
        Properties props = PhoneMessagesTest.load("/theme/provider-portal/login/theme.properties");
        assertEquals("${env.IDP_BRIDGE_URL:http://127.0.0.1:5000}/register",
                props.getProperty("signupUrl"));
        String login = text("/theme/provider-portal/login/login.ftl");
        assertTrue(login.contains("url.loginResetCredentialsUrl"));
        assertTrue(login.contains("properties.signupUrl"));
    }
}
