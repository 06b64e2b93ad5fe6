package org.idpbridge.keycloak.factors;

import java.util.List;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.authenticators.browser.RecoveryAuthnCodesFormAuthenticatorFactory;
import org.keycloak.models.KeycloakSession;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/**
 * {@code portal-recovery-code-form}: Keycloak's "Recovery Authentication Code Form" with the
 * portal's rule (a new second factor after a recovery code). Configurable only so the realm
 * can give it an {@code amr} reference like the other second-factor steps.
 */
public class PortalRecoveryCodeAuthenticatorFactory extends RecoveryAuthnCodesFormAuthenticatorFactory {
    public static final String ID = "portal-recovery-code-form";

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public String getDisplayType() {
        return "Recovery code (then a new second factor)";
    }

    @Override
    public String getHelpText() {
        return "A one-time recovery code; the person then sets up a new phone.";
    }

    @Override
    public boolean isConfigurable() {
        return true;
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return ProviderConfigurationBuilder.create()
                .property().name("default.reference.value").label("amr reference")
                .type(ProviderConfigProperty.STRING_TYPE).add()
                .property().name("default.reference.maxAge").label("amr max age (seconds)")
                .type(ProviderConfigProperty.STRING_TYPE).add()
                .build();
    }

    @Override
    public Authenticator create(KeycloakSession session) {
        return new PortalRecoveryCodeAuthenticator(session);
    }
}
