package org.idpbridge.keycloak.phone;

import java.util.List;
import org.jboss.logging.Logger;
import org.keycloak.Config;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.AuthenticatorFactory;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/**
 * The phone-code step. Its SPI options are the deployment's code limits
 * ({@link PhoneCodePolicy.Setting}), e.g. {@code --spi-authenticator--phone-code-authenticator--max-wrong-tries=5}
 * or {@code KC_SPI_AUTHENTICATOR__PHONE_CODE_AUTHENTICATOR__MAX_WRONG_TRIES=5}; the enrollment
 * required action uses the same limits.
 */
public class PhoneCodeAuthenticatorFactory implements AuthenticatorFactory {
    public static final String ID = "phone-code-authenticator";
    private static final Logger LOG = Logger.getLogger(PhoneCodeAuthenticatorFactory.class);
    private static final PhoneCodeAuthenticator INSTANCE = new PhoneCodeAuthenticator();
    private PhoneCodePolicy policy = PhoneCodePolicy.DEFAULT;
    private java.util.Set<String> regions = PhoneRegions.DEFAULT;

    /** The regions codes may be sent to at enrollment, as read at boot. */
    static java.util.Set<String> deploymentRegions(KeycloakSession session) {
        var factory = session.getKeycloakSessionFactory()
                .getProviderFactory(Authenticator.class, ID);
        return factory instanceof PhoneCodeAuthenticatorFactory phone ? phone.regions
                : PhoneRegions.DEFAULT;
    }

    /** The deployment's limits, as read at boot. */
    static PhoneCodePolicy deploymentPolicy(KeycloakSession session) {
        var factory = session.getKeycloakSessionFactory()
                .getProviderFactory(Authenticator.class, ID);
        return factory instanceof PhoneCodeAuthenticatorFactory phone ? phone.policy
                : PhoneCodePolicy.DEFAULT;
    }

    @Override
    public String getDisplayType() {
        return "Phone code (text or call)";
    }

    @Override
    public String getReferenceCategory() {
        return PhoneCredentialProvider.TYPE;
    }

    @Override
    public boolean isConfigurable() {
        return false;
    }

    @Override
    public AuthenticationExecutionModel.Requirement[] getRequirementChoices() {
        return new AuthenticationExecutionModel.Requirement[] {
            AuthenticationExecutionModel.Requirement.REQUIRED,
            AuthenticationExecutionModel.Requirement.ALTERNATIVE,
            AuthenticationExecutionModel.Requirement.DISABLED};
    }

    @Override
    public boolean isUserSetupAllowed() {
        return true;
    }

    @Override
    public String getHelpText() {
        return "Sends a six-digit code to the user's verified phone by text or call.";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return List.of();
    }

    @Override
    public Authenticator create(KeycloakSession session) {
        return INSTANCE;
    }

    @Override
    public void init(Config.Scope config) {
        policy = PhoneCodePolicy.fromOptions(config::get);  // a bad value stops the boot
        regions = PhoneRegions.parse(config.get(PhoneRegions.OPTION), PhoneRegions.DEFAULT,
                "spi-authenticator--" + ID + "--" + PhoneRegions.OPTION);
        LOG.infof("phone codes: %s; enrollment in regions %s", policy, regions);
    }

    @Override
    public List<ProviderConfigProperty> getConfigMetadata() {
        ProviderConfigurationBuilder options = ProviderConfigurationBuilder.create();
        for (PhoneCodePolicy.Setting setting : PhoneCodePolicy.Setting.values()) {
            options.property().name(setting.option).type(ProviderConfigProperty.INTEGER_TYPE)
                    .helpText(setting.help + " A realm attribute " + setting.realmAttribute
                            + " overrides it per realm.")
                    .defaultValue(setting.valueIn(PhoneCodePolicy.DEFAULT)).add();
        }
        options.property().name(PhoneRegions.OPTION).type(ProviderConfigProperty.STRING_TYPE)
                .helpText("Regions (ISO codes, comma-separated) whose numbers may be enrolled; "
                        + "premium-rate, toll-free and other non-geographic numbers are refused "
                        + "everywhere. A realm attribute " + PhoneRegions.REALM_ATTRIBUTE
                        + " overrides it per realm.")
                .defaultValue(String.join(",", new java.util.TreeSet<>(PhoneRegions.DEFAULT)))
                .add();
        return options.build();
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }

    @Override
    public String getId() {
        return ID;
    }
}
