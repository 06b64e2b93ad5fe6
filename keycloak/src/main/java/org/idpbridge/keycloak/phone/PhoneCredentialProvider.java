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

/**
 * A verified phone number and how to reach it (text or call), as a second factor: credential
 * type {@code phone-otp}, stored as a {@link PhoneCredentialModel} (data
 * {@link PhoneCredentialData}, no secret).
 */
public class PhoneCredentialProvider implements CredentialProvider<PhoneCredentialModel>,
        CredentialInputValidator {
    public static final String TYPE = PhoneCredentialModel.TYPE;
    private final KeycloakSession session;

    /** The stored number and method of a phone credential. */
    public record Phone(String e164, PhoneChannel channel) {
    }

    public PhoneCredentialProvider(KeycloakSession session) {
        this.session = session;
    }

    public static PhoneCredentialModel credential(String e164, PhoneChannel channel) {
        return PhoneCredentialModel.create(e164, channel, System.currentTimeMillis());
    }

    /** The user's phone, if enrolled (one per user). */
    public static Optional<Phone> phoneOf(UserModel user) {
        return user.credentialManager().getStoredCredentialsByTypeStream(TYPE)
                .map(PhoneCredentialModel::from).flatMap(Optional::stream).findFirst()
                .map(model -> new Phone(model.data().phone(), model.data().channel()));
    }

    /** The checks of a code typed at {@code step} (lockout, guesses, events): one class for
     *  the sign-in step and the enrollment. */
    public PhoneCodeCheck codeCheck(RealmModel realm, UserModel user,
                                    org.keycloak.sessions.AuthenticationSessionModel authSession,
                                    PhoneCodeCheck.Step step,
                                    org.keycloak.events.EventBuilder events) {
        return new PhoneCodeCheck(session, realm, user, authSession, step, events);
    }

    @Override
    public String getType() {
        return TYPE;
    }

    @Override
    public CredentialModel createCredential(RealmModel realm, UserModel user,
                                            PhoneCredentialModel credential) {
        // One phone per person: a new enrollment replaces the old number.
        user.credentialManager().getStoredCredentialsByTypeStream(TYPE).toList()
                .forEach(old -> user.credentialManager().removeStoredCredentialById(old.getId()));
        return user.credentialManager().createStoredCredential(credential);
    }

    @Override
    public boolean deleteCredential(RealmModel realm, UserModel user, String credentialId) {
        boolean removed = user.credentialManager().removeStoredCredentialById(credentialId);
        if (removed && user.credentialManager().getStoredCredentialsByTypeStream(TYPE)
                .findAny().isEmpty()) {
            user.removeAttribute("mfa_phone");
            user.removeAttribute("mfa_phone_method");
        }
        return removed;
    }

    @Override
    public PhoneCredentialModel getCredentialFromModel(CredentialModel model) {
        return PhoneCredentialModel.wrap(model);
    }

    @Override
    public CredentialTypeMetadata getCredentialTypeMetadata(CredentialTypeMetadataContext ctx) {
        // Message keys (theme resources, so every login and account theme has the words).
        return CredentialTypeMetadata.builder()
                .type(TYPE)
                .category(CredentialTypeMetadata.Category.TWO_FACTOR)
                .displayName(PhoneMessages.CREDENTIAL_NAME)
                .helpText(PhoneMessages.CREDENTIAL_HELP)
                .iconCssClass("kcAuthenticatorOTPClass")
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
        return supportsCredentialType(credentialType) && phoneOf(user).isPresent();
    }

    @Override
    public boolean isValid(RealmModel realm, UserModel user, CredentialInput input) {
        return false;  // codes are checked by PhoneCodeAuthenticator against the auth session
    }
}
