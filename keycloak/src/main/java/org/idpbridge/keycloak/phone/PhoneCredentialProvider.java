package org.idpbridge.keycloak.phone;

import java.util.Optional;
import org.keycloak.credential.CredentialInput;
import org.keycloak.credential.CredentialInputValidator;
import org.keycloak.credential.CredentialModel;
import org.keycloak.credential.CredentialProvider;
import org.keycloak.credential.CredentialTypeMetadata;
import org.keycloak.credential.CredentialTypeMetadataContext;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

/** A verified phone number and how to reach it (text or call), as a second factor. */
public class PhoneCredentialProvider implements CredentialProvider<CredentialModel>,
        CredentialInputValidator {
    public static final String TYPE = "phone-otp";
    private final KeycloakSession session;

    public PhoneCredentialProvider(KeycloakSession session) {
        this.session = session;
    }

    public static CredentialModel credential(String e164, PhoneChannel channel) {
        CredentialModel model = new CredentialModel();
        model.setType(TYPE);
        model.setUserLabel(channel.label + " " + PhoneNumbers.mask(e164));
        model.setCreatedDate(System.currentTimeMillis());
        model.setCredentialData("{\"phone\":\"" + e164 + "\",\"method\":\"" + channel.key + "\"}");
        model.setSecretData("{}");  // nothing secret: codes live only in the auth session
        return model;
    }

    public static Optional<CredentialModel> of(UserModel user) {
        return user.credentialManager().getStoredCredentialsByTypeStream(TYPE).findFirst();
    }

    public static String field(CredentialModel model, String name) {
        String data = model.getCredentialData();
        String marker = "\"" + name + "\":\"";
        int start = data.indexOf(marker);
        if (start < 0) {
            return "";
        }
        start += marker.length();
        return data.substring(start, data.indexOf('"', start));
    }

    @Override
    public String getType() {
        return TYPE;
    }

    @Override
    public CredentialModel createCredential(RealmModel realm, UserModel user,
                                            CredentialModel credential) {
        // One phone per person: a new enrollment replaces the old number.
        of(user).ifPresent(old -> user.credentialManager().removeStoredCredentialById(old.getId()));
        return user.credentialManager().createStoredCredential(credential);
    }

    @Override
    public boolean deleteCredential(RealmModel realm, UserModel user, String credentialId) {
        return user.credentialManager().removeStoredCredentialById(credentialId);
    }

    @Override
    public CredentialModel getCredentialFromModel(CredentialModel model) {
        return model;
    }

    @Override
    public CredentialTypeMetadata getCredentialTypeMetadata(CredentialTypeMetadataContext ctx) {
        return CredentialTypeMetadata.builder()
                .type(TYPE)
                .category(CredentialTypeMetadata.Category.TWO_FACTOR)
                .displayName("Phone (text or call)")
                .helpText("A security code sent to your phone by text message or phone call.")
                .createAction(PhoneVerificationRequiredAction.ID)
                .removeable(true)
                .build(session);
    }

    @Override
    public boolean supportsCredentialType(String credentialType) {
        return TYPE.equals(credentialType);
    }

    @Override
    public boolean isConfiguredFor(RealmModel realm, UserModel user, String credentialType) {
        return supportsCredentialType(credentialType) && of(user).isPresent();
    }

    @Override
    public boolean isValid(RealmModel realm, UserModel user, CredentialInput input) {
        return false;  // codes are checked by PhoneCodeAuthenticator against the auth session
    }
}
