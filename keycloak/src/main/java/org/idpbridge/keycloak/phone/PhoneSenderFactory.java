package org.idpbridge.keycloak.phone;

import org.keycloak.Config;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderFactory;

/** Factory of a {@link PhoneSender}. Keycloak picks the one in use, as for any SPI: the
 *  {@code spi-phone-sender--provider} option, else the factory with the highest
 *  {@link #order()} ({@code twilio}). */
public interface PhoneSenderFactory extends ProviderFactory<PhoneSender> {
    @Override
    default void init(Config.Scope config) {
    }

    @Override
    default void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    default void close() {
    }
}
