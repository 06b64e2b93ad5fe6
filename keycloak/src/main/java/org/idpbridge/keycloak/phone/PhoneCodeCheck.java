package org.idpbridge.keycloak.phone;

import java.util.Locale;
import org.keycloak.events.Details;
import org.keycloak.events.Errors;
import org.keycloak.events.EventBuilder;
import org.keycloak.events.EventType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.sessions.AuthenticationSessionModel;

/**
 * Where a typed phone code meets Keycloak, written once for the sign-in step
 * ({@link PhoneCodeAuthenticator}) and the enrollment ({@link PhoneVerificationRequiredAction}),
 * reached through the credential provider as in keycloak-quickstarts: Keycloak's brute-force
 * lockout checked before any code is sent or checked, wrong codes counted as login failures
 * ({@link PhoneBruteForce}), a used code forgotten, and the event each outcome records.
 *
 * <ul>
 *   <li>sign-in: a wrong, older or after-the-limit code is {@code LOGIN_ERROR}
 *       {@code invalid_user_credentials} (detail {@code phone_code}); expired or used is
 *       {@code LOGIN_ERROR} {@code phone_code_<expired|used>}; nothing typed or no code sent
 *       records nothing;</li>
 *   <li>enrollment: every refusal is {@code UPDATE_CREDENTIAL_ERROR}
 *       {@code phone_code_<result>} (details {@code phone_code}, {@code phone_method});</li>
 *   <li>both: wrong, older and after-the-limit codes count for brute-force detection; a
 *       lockout is the step's error event with Keycloak's error.</li>
 * </ul>
 */
public final class PhoneCodeCheck {
    /** Which step the code is typed in: it decides the events. */
    public enum Step { SIGN_IN, ENROLLMENT }

    private final KeycloakSession session;
    private final RealmModel realm;
    private final UserModel user;
    private final Step step;
    private final EventBuilder events;
    private final PhoneCodeSession codes;

    PhoneCodeCheck(KeycloakSession session, RealmModel realm, UserModel user,
                   AuthenticationSessionModel authSession, Step step, EventBuilder events) {
        this.session = session;
        this.realm = realm;
        this.user = user;
        this.step = step;
        this.events = events;
        this.codes = new PhoneCodeSession(session, realm, authSession);
    }

    /** This sign-in's codes (send, tries left). */
    public PhoneCodeSession codes() {
        return codes;
    }

    /** Keycloak has the user locked out right now: the event is recorded and no code may be
     *  sent or accepted, not even the right one. */
    public boolean lockedOut() {
        String error = PhoneBruteForce.lockout(session, realm, user);
        if (error == null) {
            return false;
        }
        refusal().error(error);
        return true;
    }

    /** What the typed code is worth; a refusal is counted and recorded, a used code is
     *  forgotten. {@code channel}: how the code was sent (recorded at enrollment). */
    public PhoneCodeRules.Check check(String typed, PhoneChannel channel) {
        PhoneCodeRules.Check result = codes.check(typed);
        if (result == PhoneCodeRules.Check.OK) {
            codes.forgetCode();
        } else {
            refused(result, channel);
        }
        return result;
    }

    /** Count and record a refusal (also one decided before any check, e.g. no code sent). */
    public void refused(PhoneCodeRules.Check result, PhoneChannel channel) {
        boolean guess = countsAsGuess(result);
        if (guess) {
            PhoneBruteForce.countFailure(session, realm, user);
        }
        String phoneCode = result.name().toLowerCase(Locale.ROOT);
        if (step == Step.ENROLLMENT) {
            refusal().detail("phone_method", channel.key).detail("phone_code", phoneCode)
                    .error(PhoneMessages.eventError(result));
        } else if (guess) {
            refusal().detail("phone_code", phoneCode).error(Errors.INVALID_USER_CREDENTIALS);
        } else if (result == PhoneCodeRules.Check.EXPIRED || result == PhoneCodeRules.Check.USED) {
            refusal().detail("phone_code", phoneCode).error(PhoneMessages.eventError(result));
        }
    }

    /** A refusal event of this step for the user (the caller adds details and the error). */
    public EventBuilder refusal() {
        EventBuilder event = events.clone().user(user)
                .detail(Details.CREDENTIAL_TYPE, PhoneCredentialProvider.TYPE);
        return step == Step.SIGN_IN ? event : event.event(EventType.UPDATE_CREDENTIAL_ERROR)
                .detail("custom_required_action", PhoneVerificationRequiredAction.ID);
    }

    /** A wrong, older or after-the-limit code is a guess; an expired or used one is not. */
    static boolean countsAsGuess(PhoneCodeRules.Check result) {
        return result == PhoneCodeRules.Check.WRONG || result == PhoneCodeRules.Check.SUPERSEDED
                || result == PhoneCodeRules.Check.LOCKED;
    }
}
