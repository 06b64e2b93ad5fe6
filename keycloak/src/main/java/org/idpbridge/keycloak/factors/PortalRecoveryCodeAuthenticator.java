package org.idpbridge.keycloak.factors;

import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.FlowStatus;
import org.keycloak.authentication.authenticators.browser.RecoveryAuthnCodesFormAuthenticator;
import org.keycloak.events.Details;
import org.keycloak.events.EventType;
import org.keycloak.models.credential.RecoveryAuthnCodesCredentialModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.UserModel;

/**
 * Keycloak's recovery-code form (each code works once; the last one used removes the set and
 * asks for a new set), plus the portal's rule: a person who signs in with a recovery code has
 * lost their usual second factor, so they are asked to set up a new one before reaching the
 * portal (the guides' phone enrollment, {@link #NEW_FACTOR_ACTION}, which accepts a new number).
 */
public class PortalRecoveryCodeAuthenticator extends RecoveryAuthnCodesFormAuthenticator {
    static final String NEW_FACTOR_ACTION = "phone-verification";
    /** Event detail telling a code used apart from a new set ({@code UPDATE_CREDENTIAL}). */
    static final String USED_DETAIL = "recovery_code";

    public PortalRecoveryCodeAuthenticator(KeycloakSession session) {
        super(session);
    }

    @Override
    public void action(AuthenticationFlowContext context) {
        super.action(context);
        if (context.getStatus() == FlowStatus.SUCCESS) {
            UserModel user = context.getUser();
            user.addRequiredAction(NEW_FACTOR_ACTION);
            context.getAuthenticationSession().addRequiredAction(NEW_FACTOR_ACTION);
            // Recorded now, in this request's transaction with the spent code: the security
            // notice must not depend on the person finishing the sign-in (the LOGIN event
            // comes only after the new phone is set up).
            context.newEvent().event(EventType.UPDATE_CREDENTIAL).user(user)
                    .detail(Details.CREDENTIAL_TYPE, RecoveryAuthnCodesCredentialModel.TYPE)
                    .detail(USED_DETAIL, "used").success();
        }
    }
}
