package org.idpbridge.keycloak.factors;

import org.keycloak.authentication.InitiatedActionSupport;
import org.keycloak.authentication.RequiredActionContext;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.models.UserModel;

/**
 * {@code portal-second-factor-choice}: while the plan has turned off new text/call
 * enrollments ({@link #PHONE_OFF_ATTRIBUTE} on the realm, or the server option), a pending
 * phone enrollment becomes a choice between an authenticator app ({@code CONFIGURE_TOTP}) and
 * a passkey ({@code webauthn-register-passwordless}). People who already have a phone keep
 * using it: only a pending enrollment is replaced.
 */
public class SecondFactorChoiceAction implements RequiredActionProvider {
    public static final String ID = "portal-second-factor-choice";
    public static final String PHONE_OFF_ATTRIBUTE = "portalPhoneEnrollmentOff";
    static final String PHONE_ENROLLMENT = "phone-verification";
    static final String PHONE_TYPE = "phone-otp";
    static final String APP = "CONFIGURE_TOTP";
    static final String PASSKEY = "webauthn-register-passwordless";

    private final boolean phoneOffByDefault;

    SecondFactorChoiceAction(boolean phoneOffByDefault) {
        this.phoneOffByDefault = phoneOffByDefault;
    }

    @Override
    public InitiatedActionSupport initiatedActionSupport() {
        return InitiatedActionSupport.NOT_SUPPORTED;
    }

    @Override
    public void evaluateTriggers(RequiredActionContext context) {
        UserModel user = context.getUser();
        boolean phoneOff = FactorPolicy.flag(
                context.getRealm().getAttribute(PHONE_OFF_ATTRIBUTE), phoneOffByDefault);
        boolean enrolling = user.getRequiredActionsStream().anyMatch(PHONE_ENROLLMENT::equals)
                || context.getAuthenticationSession().getRequiredActions()
                        .contains(PHONE_ENROLLMENT);
        if (phoneOff && enrolling && !user.credentialManager().isConfiguredFor(PHONE_TYPE)) {
            user.removeRequiredAction(PHONE_ENROLLMENT);
            context.getAuthenticationSession().removeRequiredAction(PHONE_ENROLLMENT);
            user.addRequiredAction(ID);
        }
    }

    @Override
    public void requiredActionChallenge(RequiredActionContext context) {
        context.challenge(context.form().createForm("second-factor-choice.ftl"));
    }

    @Override
    public void processAction(RequiredActionContext context) {
        String choice = context.getHttpRequest().getDecodedFormParameters().getFirst("choice");
        String next = "passkey".equals(choice) ? PASSKEY : APP;
        context.getUser().addRequiredAction(next);
        context.getAuthenticationSession().addRequiredAction(next);
        context.success();
    }

    @Override
    public void close() {
    }
}
