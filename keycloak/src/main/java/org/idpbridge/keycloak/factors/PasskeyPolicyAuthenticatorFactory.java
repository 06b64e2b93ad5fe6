package org.idpbridge.keycloak.factors;

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
 * Options: {@code --spi-authenticator--portal-passkey-policy--plan-admins=true|false} (default
 * true) and {@code --site-admins=true|false} (default false); the realm attributes
 * {@link FactorPolicy#PLAN_ADMINS_ATTRIBUTE} / {@link FactorPolicy#SITE_ADMINS_ATTRIBUTE}
 * override them without a restart. A value other than true/false stops the boot.
 */
public class PasskeyPolicyAuthenticatorFactory implements AuthenticatorFactory {
    public static final String ID = "portal-passkey-policy";
    private static final Logger LOG = Logger.getLogger(PasskeyPolicyAuthenticatorFactory.class);
    private FactorPolicy policy = FactorPolicy.DEFAULT;

    @Override
    public void init(Config.Scope config) {
        policy = new FactorPolicy(option(value(config, "plan-admins"), "plan-admins", true),
                option(value(config, "site-admins"), "site-admins", false));
        LOG.infof("passkeys required: plan administrators %s, Site Administrators %s",
                policy.planAdminsNeedPasskey(), policy.siteAdminsNeedPasskey());
    }

    private static String value(Config.Scope config, String name) {
        return config == null ? null : config.get(name);
    }

    static boolean option(String value, String name, boolean otherwise) {
        if (value == null || value.isBlank()) {
            return otherwise;
        }
        String v = value.strip().toLowerCase(java.util.Locale.ROOT);
        if (!"true".equals(v) && !"false".equals(v)) {
            throw new IllegalArgumentException("spi-authenticator--" + ID + "--" + name
                    + " must be true or false, not '" + value + "'");
        }
        return "true".equals(v);
    }

    @Override
    public Authenticator create(KeycloakSession session) {
        return new PasskeyPolicyAuthenticator(policy);
    }

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public String getDisplayType() {
        return "Administrators sign in with a passkey";
    }

    @Override
    public String getReferenceCategory() {
        return null;
    }

    @Override
    public boolean isConfigurable() {
        return false;
    }

    @Override
    public AuthenticationExecutionModel.Requirement[] getRequirementChoices() {
        return new AuthenticationExecutionModel.Requirement[] {
            AuthenticationExecutionModel.Requirement.REQUIRED,
            AuthenticationExecutionModel.Requirement.DISABLED};
    }

    @Override
    public boolean isUserSetupAllowed() {
        return false;
    }

    @Override
    public String getHelpText() {
        return "Plan administrators (and optionally Site Administrators) add a passkey, then use it";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return List.of();
    }

    @Override
    public List<ProviderConfigProperty> getConfigMetadata() {
        return ProviderConfigurationBuilder.create()
                .property().name("plan-admins").type(ProviderConfigProperty.BOOLEAN_TYPE)
                .helpText("Plan administrators must sign in with a passkey").defaultValue(true).add()
                .property().name("site-admins").type(ProviderConfigProperty.BOOLEAN_TYPE)
                .helpText("Site Administrators must sign in with a passkey").defaultValue(false).add()
                .build();
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }
}
