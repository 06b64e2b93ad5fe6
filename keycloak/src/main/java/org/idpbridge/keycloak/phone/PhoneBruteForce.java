package org.idpbridge.keycloak.phone;

import java.util.Set;
import org.jboss.logging.Logger;
import org.keycloak.authentication.authenticators.util.AuthenticatorUtils;
import org.keycloak.models.KeycloakContext;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.credential.OTPCredentialModel;
import org.keycloak.services.managers.BruteForceProtector;

/**
 * Wrong phone codes, at sign-in and at enrollment, count in Keycloak's own brute-force
 * detection for the user (the realm's "Max login failures", wait increments and failure reset
 * time), so signing in again does not buy fresh guesses without limit.
 *
 * <p>The failure is reported in the {@code otp} category on purpose: Keycloak's protector
 * ignores failures from categories other than {@code password}, {@code otp} and
 * {@code recovery-authn-codes}, and the authentication flow would report ours as
 * {@code phone-otp} (the authenticator's reference category, which the account console needs).
 * A phone code is a one-time code, so {@code otp} is also what it is.
 */
final class PhoneBruteForce {
    private static final Logger LOG = Logger.getLogger(PhoneBruteForce.class);
    private static final Set<String> CATEGORY = Set.of(OTPCredentialModel.TYPE);

    private PhoneBruteForce() {
    }

    /** Keycloak's event error when the user is locked out right now (temporarily or for
     *  good), else null. */
    static String lockout(KeycloakSession session, RealmModel realm, UserModel user) {
        if (!realm.isBruteForceProtected()) {
            return null;
        }
        return AuthenticatorUtils.getDisabledByBruteForceEventError(
                session.getProvider(BruteForceProtector.class), session, realm, user);
    }

    /** Count one wrong code against the user. */
    static void countFailure(KeycloakSession session, RealmModel realm, UserModel user) {
        if (!realm.isBruteForceProtected()) {
            return;
        }
        KeycloakContext context = session.getContext();
        session.getProvider(BruteForceProtector.class).failedLogin(realm, user,
                context.getConnection(), context.getHttpRequest().getUri(), CATEGORY);
        LOG.debugf("wrong phone code counted for brute-force detection (user %s, realm %s)",
                user.getId(), realm.getName());
    }
}
