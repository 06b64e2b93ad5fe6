package org.idpbridge.keycloak.email;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.keycloak.email.EmailException;
import org.keycloak.email.freemarker.FreeMarkerEmailTemplateProvider;
import org.keycloak.models.KeycloakSession;

/**
 * Keycloak's emails (the password reset above all) from the person's brand, as every email
 * of the bridge is: the sender's display name and the subject are the brand's, picked by the
 * user's {@code brand} attribute (set at registration), the way the email theme's
 * {@code brand.ftl} picks the body's words. The realm has one SMTP sender and one email
 * theme, so both brands are served by one provider: a message {@code <subjectKey>.<brand>}
 * replaces the subject when the theme has one, and {@code brandSender.<brand>} replaces the
 * realm's {@code fromDisplayName}. A user without a known brand gets Dean's (as brand.ftl).
 */
public class BrandedEmailTemplateProvider extends FreeMarkerEmailTemplateProvider {
    public BrandedEmailTemplateProvider(KeycloakSession session) {
        super(session);
    }

    private Properties messages() throws EmailException {
        try {
            Locale locale = session.getContext().resolveLocale(user);
            return getTheme().getEnhancedMessages(realm, locale);
        } catch (IOException e) {
            throw new EmailException("The email theme's messages could not be read", e);
        }
    }

    private String brand(Properties messages) {
        return EmailBranding.brandKey(user == null ? null : user.getFirstAttribute("brand"),
                messages);
    }

    @Override
    protected EmailTemplate processTemplate(String subjectKey, List<Object> subjectAttributes,
            String template, Map<String, Object> attributes) throws EmailException {
        if (user == null) {
            return super.processTemplate(subjectKey, subjectAttributes, template, attributes);
        }
        Properties messages = messages();
        String key = EmailBranding.subjectKey(subjectKey, brand(messages), messages);
        return super.processTemplate(key, subjectAttributes, template, attributes);
    }

    @Override
    protected void send(Map<String, String> config, String subject, String textBody,
            String htmlBody, String address) throws EmailException {
        if (user == null) {
            super.send(config, subject, textBody, htmlBody, address);
            return;
        }
        Properties messages = messages();
        super.send(EmailBranding.withSender(config, brand(messages), messages), subject,
                textBody, htmlBody, address);
    }
}
