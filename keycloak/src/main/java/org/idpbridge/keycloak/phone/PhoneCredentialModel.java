package org.idpbridge.keycloak.phone;

import java.io.IOException;
import java.util.Optional;
import org.keycloak.credential.CredentialModel;
import org.keycloak.util.JsonSerialization;

/**
 * A {@code phone-otp} credential: the stored model plus its {@link PhoneCredentialData}. There
 * is no secret (codes live only in the authentication session, as salted digests), so the
 * secret data is an empty JSON object.
 */
public class PhoneCredentialModel extends CredentialModel {
    public static final String TYPE = "phone-otp";
    private final PhoneCredentialData data;

    private PhoneCredentialModel(PhoneCredentialData data) {
        this.data = data;
    }

    public PhoneCredentialData data() {
        return data;
    }

    /** A new credential for a verified number. */
    public static PhoneCredentialModel create(String e164, PhoneChannel channel, long now) {
        PhoneCredentialModel model = new PhoneCredentialModel(
                new PhoneCredentialData(e164, channel.key));
        model.setType(TYPE);
        model.setUserLabel(channel.label + " " + PhoneNumbers.mask(e164));
        model.setCreatedDate(now);
        try {
            model.setCredentialData(JsonSerialization.writeValueAsString(model.data));
        } catch (IOException e) {
            throw new IllegalStateException("phone credential data not serialisable", e);
        }
        model.setSecretData("{}");
        return model;
    }

    /** The stored credential read back; empty when its data is missing or damaged. */
    public static Optional<PhoneCredentialModel> from(CredentialModel stored) {
        PhoneCredentialModel model = wrap(stored);
        return model.data == null ? Optional.empty() : Optional.of(model);
    }

    /** The stored credential as this type, its data null when missing or damaged (so a
     *  damaged credential can still be listed and removed). */
    public static PhoneCredentialModel wrap(CredentialModel stored) {
        PhoneCredentialModel model = new PhoneCredentialModel(read(stored.getCredentialData()));
        model.setId(stored.getId());
        model.setType(stored.getType());
        model.setUserLabel(stored.getUserLabel());
        model.setCreatedDate(stored.getCreatedDate());
        model.setCredentialData(stored.getCredentialData());
        model.setSecretData(stored.getSecretData());
        return model;
    }

    private static PhoneCredentialData read(String json) {
        try {
            PhoneCredentialData data = JsonSerialization.readValue(json, PhoneCredentialData.class);
            return data == null || data.phone() == null || data.phone().isBlank() ? null : data;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
