package org.idpbridge.keycloak.email;

import org.keycloak.email.EmailTemplateProvider;
import org.keycloak.email.freemarker.FreeMarkerEmailTemplateProviderFactory;
import org.keycloak.models.KeycloakSession;

/**
 * Makes {@link BrandedEmailTemplateProvider} Keycloak's email templates: Keycloak uses the
 * provider with the highest {@code order()} unless {@code spi-email-template--provider}
 * names one.
 */
public class BrandedEmailTemplateProviderFactory extends FreeMarkerEmailTemplateProviderFactory {
    public static final String ID = "idp-bridge-branded";

    @Override
    public EmailTemplateProvider create(KeycloakSession session) {
        return new BrandedEmailTemplateProvider(session);
    }

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public int order() {
        return 10;  // above Keycloak's own "freemarker" (0)
    }
}
