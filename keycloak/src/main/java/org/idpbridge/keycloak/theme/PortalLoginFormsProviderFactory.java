package org.idpbridge.keycloak.theme;

import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.forms.login.freemarker.FreeMarkerLoginFormsProviderFactory;
import org.keycloak.models.KeycloakSession;

/**
 * Makes {@link PortalLoginFormsProvider} the realm's login pages: Keycloak uses the login
 * provider with the highest {@code order()} unless {@code spi-login--provider} names one.
 */
public class PortalLoginFormsProviderFactory extends FreeMarkerLoginFormsProviderFactory {
    public static final String ID = "idp-bridge-portal";

    @Override
    public LoginFormsProvider create(KeycloakSession session) {
        return new PortalLoginFormsProvider(session);
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
