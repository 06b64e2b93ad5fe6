package org.idpbridge.keycloak.phone;

import java.nio.file.Path;
import java.util.List;
import org.jboss.logging.Logger;
import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/**
 * {@code dev}: the dev outbox, for development and tests only. Chosen explicitly with
 * {@code spi-phone-sender--provider=dev}; option {@code outbox-dir} (default
 * {@code data/outbox}, relative to the server's working directory).
 */
public class DevPhoneSenderFactory implements PhoneSenderFactory {
    public static final String ID = "dev";
    static final String OUTBOX_DIR = "outbox-dir";
    static final String DEFAULT_OUTBOX_DIR = "data/outbox";
    private static final Logger LOG = Logger.getLogger(DevPhoneSenderFactory.class);
    private Path outbox = Path.of(DEFAULT_OUTBOX_DIR);

    @Override
    public void init(Config.Scope config) {
        outbox = Path.of(config.get(OUTBOX_DIR, DEFAULT_OUTBOX_DIR));
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
        if (factory.getProviderFactory(PhoneSender.class) == this) {
            LOG.warnf("phone codes are written to the dev outbox %s, not sent: development only",
                    outbox.toAbsolutePath());
        }
    }

    @Override
    public PhoneSender create(KeycloakSession session) {
        return new DevPhoneSender(outbox);
    }

    @Override
    public List<ProviderConfigProperty> getConfigMetadata() {
        return ProviderConfigurationBuilder.create()
                .property().name(OUTBOX_DIR).type(ProviderConfigProperty.STRING_TYPE)
                .helpText("Directory of the dev outbox (one JSON file per text or call).")
                .defaultValue(DEFAULT_OUTBOX_DIR).add()
                .build();
    }

    @Override
    public String getId() {
        return ID;
    }
}
