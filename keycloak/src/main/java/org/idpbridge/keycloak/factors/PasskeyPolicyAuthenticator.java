package org.idpbridge.keycloak.factors;

import jakarta.ws.rs.core.Response;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationFlowError;
import org.keycloak.authentication.Authenticator;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;
import org.keycloak.models.UserModel;

/**
 * {@code portal-passkey-policy}: after a sign-in that did not use a passkey (the realm puts it
 * in a sub-flow conditional on "passkey not used"), a plan administrator (and, if the plan
 * wants it, a Site Administrator) either adds a passkey now (Keycloak's
 * {@code webauthn-register-passwordless} required action, before any token is issued) or, having
 * one, is refused and told to use it.
 */
public class PasskeyPolicyAuthenticator implements Authenticator {
    static final String PASSKEY_TYPE = "webauthn-passwordless";
    static final String REGISTER_PASSKEY = "webauthn-register-passwordless";
    static final String PLAN_ADMIN_ROLE = "plan-admin";
    static final String SITE_ADMINS_GROUP = "site-admins";
    static final String MESSAGE = "portalPasskeyRequired";

    private final FactorPolicy deployment;

    PasskeyPolicyAuthenticator(FactorPolicy deployment) {
        this.deployment = deployment;
    }

    @Override
    public void authenticate(AuthenticationFlowContext context) {
        RealmModel realm = context.getRealm();
        UserModel user = context.getUser();
        FactorPolicy policy = deployment.withRealm(realm::getAttribute);
        RoleModel planAdmin = realm.getRole(PLAN_ADMIN_ROLE);
        boolean isPlanAdmin = planAdmin != null && user.hasRole(planAdmin);
        boolean isSiteAdmin = user.getGroupsStream()
                .anyMatch(g -> SITE_ADMINS_GROUP.equals(g.getName()));
        boolean hasPasskey = user.credentialManager().isConfiguredFor(PASSKEY_TYPE);
        switch (policy.afterSignInWithoutPasskey(isPlanAdmin, isSiteAdmin, hasPasskey)) {
            case CONTINUE -> context.success();
            case ADD_PASSKEY -> {
                context.getAuthenticationSession().addRequiredAction(REGISTER_PASSKEY);
                context.success();
            }
            case USE_PASSKEY -> {
                context.getEvent().user(user).error("passkey_required");
                Response page = context.form().setError(MESSAGE)
                        .createErrorPage(Response.Status.FORBIDDEN);
                context.failure(AuthenticationFlowError.ACCESS_DENIED, page);
            }
        }
    }

    @Override
    public void action(AuthenticationFlowContext context) {
        authenticate(context);
    }

    @Override
    public boolean requiresUser() {
        return true;
    }

    @Override
    public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) {
        return true;
    }

    @Override
    public void setRequiredActions(KeycloakSession session, RealmModel realm, UserModel user) {
    }

    @Override
    public void close() {
    }
}
