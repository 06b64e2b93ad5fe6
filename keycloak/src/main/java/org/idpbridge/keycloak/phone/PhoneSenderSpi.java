package org.idpbridge.keycloak.phone;

import org.keycloak.provider.Provider;
import org.keycloak.provider.ProviderFactory;
import org.keycloak.provider.Spi;

/** The "phone-sender" SPI: where codes go (dev outbox, or a Twilio-compatible API). */
public class PhoneSenderSpi implements Spi {
    @Override
    public boolean isInternal() {
        return false;
    }

    @Override
    public String getName() {
        return "phone-sender";
    }

    @Override
    public Class<? extends Provider> getProviderClass() {
        return PhoneSender.class;
    }

    @Override
    public Class<? extends ProviderFactory> getProviderFactoryClass() {
        return PhoneSenderFactory.class;
    }
}
