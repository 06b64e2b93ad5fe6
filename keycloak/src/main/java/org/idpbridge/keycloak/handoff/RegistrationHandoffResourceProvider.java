package org.idpbridge.keycloak.handoff;

import org.keycloak.models.KeycloakSession;
import org.keycloak.services.resource.RealmResourceProvider;

/** Mounts {@link RegistrationHandoffResource} under {@code /realms/{realm}/idp-bridge}. */
public class RegistrationHandoffResourceProvider implements RealmResourceProvider {
    private final KeycloakSession session;
    private final int lifespanSeconds;

    public RegistrationHandoffResourceProvider(KeycloakSession session, int lifespanSeconds) {
        this.session = session;
        this.lifespanSeconds = lifespanSeconds;
    }

    @Override
    public Object getResource() {
        return new RegistrationHandoffResource(session, lifespanSeconds);
    }

    @Override
    public void close() {
    }
}
