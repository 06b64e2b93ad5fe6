package org.idpbridge.keycloak.phone;

import org.keycloak.Config;
import org.keycloak.authentication.RequiredActionFactory;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;

/** Required action {@code phone-verification}. */
public class PhoneVerificationRequiredActionFactory implements RequiredActionFactory {
    private static final PhoneVerificationRequiredAction INSTANCE =
            new PhoneVerificationRequiredAction();

    @Override
    public String getDisplayText() {
        return "Multi Factor Authentication Enrollment (phone: text or call)";
    }

    @Override
    public RequiredActionProvider create(KeycloakSession session) {
        return INSTANCE;
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }

    @Override
    public String getId() {
        return PhoneVerificationRequiredAction.ID;
    }
}
