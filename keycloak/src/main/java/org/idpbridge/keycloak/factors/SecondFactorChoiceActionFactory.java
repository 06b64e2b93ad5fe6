package org.idpbridge.keycloak.factors;

import java.util.List;
import org.keycloak.Config;
import org.keycloak.authentication.RequiredActionFactory;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/**
 * Option {@code --spi-required-action--portal-second-factor-choice--phone-enrollment-off}
 * (default false, as the guides show); the realm attribute
 * {@link SecondFactorChoiceAction#PHONE_OFF_ATTRIBUTE} overrides it without a restart.
 */
public class SecondFactorChoiceActionFactory implements RequiredActionFactory {
    private boolean phoneOff;

    @Override
    public void init(Config.Scope config) {
        String value = config == null ? null : config.get("phone-enrollment-off");
        phoneOff = PasskeyPolicyAuthenticatorFactory.option(value, "phone-enrollment-off", false);
    }

    @Override
    public RequiredActionProvider create(KeycloakSession session) {
        return new SecondFactorChoiceAction(phoneOff);
    }

    @Override
    public String getId() {
        return SecondFactorChoiceAction.ID;
    }

    @Override
    public String getDisplayText() {
        return "Choose an authenticator app or a passkey (text/call enrollment off)";
    }

    @Override
    public List<ProviderConfigProperty> getConfigMetadata() {
        return ProviderConfigurationBuilder.create()
                .property().name("phone-enrollment-off").type(ProviderConfigProperty.BOOLEAN_TYPE)
                .helpText("New text/call enrollments are offered an app or a passkey instead")
                .defaultValue(false).add()
                .build();
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }
}
