package org.idpbridge.keycloak.handoff;

import java.util.List;
import org.jboss.logging.Logger;
import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;
import org.keycloak.services.resource.RealmResourceProvider;
import org.keycloak.services.resource.RealmResourceProviderFactory;

/**
 * The bridge's realm endpoint ({@code /realms/{realm}/idp-bridge/...}). Option
 * {@code spi-realm-restapi-extension--idp-bridge--handoff-lifespan-seconds}: how long a
 * hand-off link lives (default 120; the bridge redirects to it at once).
 */
public class RegistrationHandoffResourceProviderFactory implements RealmResourceProviderFactory {
    public static final String ID = "idp-bridge";
    static final String LIFESPAN = "handoff-lifespan-seconds";
    static final int DEFAULT_LIFESPAN = 120;
    static final int MAX_LIFESPAN = 600;
    private static final Logger LOG = Logger.getLogger(RegistrationHandoffResourceProviderFactory.class);
    private int lifespanSeconds = DEFAULT_LIFESPAN;

    @Override
    public RealmResourceProvider create(KeycloakSession session) {
        return new RegistrationHandoffResourceProvider(session, lifespanSeconds);
    }

    @Override
    public void init(Config.Scope config) {
        lifespanSeconds = lifespan(config.get(LIFESPAN));
        LOG.infof("registration hand-off links live %d s", lifespanSeconds);
    }

    /** A number of seconds from 10 to 600; anything else stops the boot, naming the option. */
    static int lifespan(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_LIFESPAN;
        }
        try {
            int seconds = Integer.parseInt(value.strip());
            if (seconds >= 10 && seconds <= MAX_LIFESPAN) {
                return seconds;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("spi-realm-restapi-extension--idp-bridge--" + LIFESPAN
                + " must be a number of seconds from 10 to " + MAX_LIFESPAN + ", not '" + value + "'");
    }

    @Override
    public List<ProviderConfigProperty> getConfigMetadata() {
        return ProviderConfigurationBuilder.create()
                .property().name(LIFESPAN).type(ProviderConfigProperty.INTEGER_TYPE)
                .helpText("Seconds a registration hand-off link lives (10-600)")
                .defaultValue(DEFAULT_LIFESPAN).add()
                .build();
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
