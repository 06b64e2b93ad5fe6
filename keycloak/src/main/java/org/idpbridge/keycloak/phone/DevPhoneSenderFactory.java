package org.idpbridge.keycloak.phone;

import java.nio.file.Path;
import org.keycloak.models.KeycloakSession;

public class DevPhoneSenderFactory implements PhoneSenderFactory {
    public static final String ID = "dev";

    @Override
    public PhoneSender create(KeycloakSession session) {
        String dir = System.getenv().getOrDefault("IDP_OUTBOX_DIR", "data/outbox");
        return new DevPhoneSender(Path.of(dir));
    }

    @Override
    public String getId() {
        return ID;
    }
}
