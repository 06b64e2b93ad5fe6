package org.idpbridge.keycloak.handoff;

import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.keycloak.TokenVerifier.Predicate;
import org.keycloak.authentication.actiontoken.AbstractActionTokenHandler;
import org.keycloak.authentication.actiontoken.ActionTokenContext;
import org.keycloak.authentication.actiontoken.TokenUtils;
import org.keycloak.common.util.Time;
import org.keycloak.events.Errors;
import org.keycloak.events.EventType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;
import org.keycloak.models.SubjectCredentialManager;
import org.keycloak.models.UserModel;
import org.keycloak.protocol.oidc.OIDCLoginProtocol;
import org.keycloak.protocol.oidc.utils.RedirectUtils;
import org.keycloak.services.managers.AuthenticationManager;
import org.keycloak.services.messages.Messages;
import org.keycloak.sessions.AuthenticationSessionModel;

/**
 * Opens a registration hand-off link: the user is the token's user, Keycloak runs their
 * pending required actions (phone enrollment, Terms), then answers the bridge's own
 * authorization request (code to its redirect URI, with its state, nonce and PKCE challenge),
 * so the person arrives at the bridge signed in, having typed their password once.
 *
 * <p>Unlike Keycloak's execute-actions link, no confirmation page is shown and the flow does
 * not end on an "account updated" page: it ends in a sign-in, like a login would.
 */
public class RegistrationHandoffTokenHandler
        extends AbstractActionTokenHandler<RegistrationHandoffToken> {
    /** Where Keycloak keeps an authorization request's extra parameters (client notes). */
    public static final String REQUEST_PARAM_NOTE = "client_request_param_";
    static final String SPENT_MESSAGE = "registrationHandoffSpent";
    /** Set on the Keycloak session by {@code POST .../registration-handoff/open}: the only way
     *  in. The same token in Keycloak's own GET action-token URL opens nothing. */
    static final String OPENED_BY_POST = "idp-bridge.handoff.opened-by-post";
    /** Single-use store key naming the one live hand-off of a user (its token's nonce). */
    static final String LIVE_PREFIX = "idp-bridge.handoff.live.";
    static final String LIVE_NONCE = "nonce";
    private static final Logger LOG = Logger.getLogger(RegistrationHandoffTokenHandler.class);

    public RegistrationHandoffTokenHandler() {
        super(RegistrationHandoffToken.TOKEN_TYPE, RegistrationHandoffToken.class,
                SPENT_MESSAGE, EventType.EXECUTE_ACTIONS, Errors.NOT_ALLOWED);
    }

    @Override
    public Predicate<? super RegistrationHandoffToken>[] getVerifiers(
            ActionTokenContext<RegistrationHandoffToken> context) {
        KeycloakSession session = context.getSession();
        return TokenUtils.predicates(
                // Only the bridge page's POST opens a hand-off: never a URL.
                TokenUtils.checkThat(t -> Boolean.TRUE.equals(session.getAttribute(OPENED_BY_POST)),
                        Errors.NOT_ALLOWED, SPENT_MESSAGE),
                // One live hand-off per registration: a newer one made the older dead.
                TokenUtils.checkThat(t -> live(session, t), Errors.EXPIRED_CODE, SPENT_MESSAGE),
                TokenUtils.checkThat(t -> RedirectUtils.verifyRedirectUri(context.getSession(),
                        t.getRedirectUri(), context.getAuthenticationSession().getClient()) != null,
                        Errors.INVALID_REDIRECT_URI, Messages.INVALID_REDIRECT_URI),
                TokenUtils.checkThat(t -> HandoffRules.authorization(t.getAuthorization())
                        .isPresent(), Errors.INVALID_REQUEST, SPENT_MESSAGE),
                // Finished in the meantime (or a second factor added): sign in the usual way.
                TokenUtils.checkThat(t -> stillPending(context.getRealm(),
                        context.getAuthenticationSession().getAuthenticatedUser()),
                        Errors.NOT_ALLOWED, SPENT_MESSAGE));
    }

    /** Remember {@code token} as {@code user}'s only live hand-off (replacing any other). */
    static void makeLive(KeycloakSession session, RegistrationHandoffToken token,
                         long lifespanSeconds) {
        String key = LIVE_PREFIX + token.getUserId();
        session.singleUseObjects().remove(key);
        session.singleUseObjects().put(key, lifespanSeconds,
                Map.of(LIVE_NONCE, token.getActionVerificationNonce().toString()));
    }

    static boolean live(KeycloakSession session, RegistrationHandoffToken token) {
        Map<String, String> current = session.singleUseObjects().get(LIVE_PREFIX + token.getUserId());
        return current != null && token.getActionVerificationNonce() != null
                && token.getActionVerificationNonce().toString().equals(current.get(LIVE_NONCE));
    }

    /** A registration the bridge started and that is still under way (see
     *  {@link HandoffRules#bridgeRegistration} and {@link HandoffRules#pending}). */
    static boolean stillPending(RealmModel realm, UserModel user) {
        if (user == null || !user.isEnabled()) {
            return false;
        }
        RoleModel defaultRole = realm.getDefaultRole();
        long extraRoles = user.getRoleMappingsStream()
                .filter(role -> defaultRole == null || !role.getId().equals(defaultRole.getId()))
                .count();
        if (!HandoffRules.bridgeRegistration(user.getFirstAttribute(HandoffRules.MARKER),
                user.getServiceAccountClientLink() != null, user.getGroupsCount(), extraRoles)) {
            return false;
        }
        SubjectCredentialManager credentials = user.credentialManager();
        Set<String> types = credentials.getStoredCredentialsStream()
                .map(c -> c.getType()).collect(Collectors.toSet());
        return HandoffRules.pending(user.getRequiredActionsStream().collect(Collectors.toSet()),
                types);
    }

    private static String stepOf(RegistrationHandoffToken token, String name) {
        Integer n = token.getSteps().get(name);
        return n == null ? null : n.toString();
    }

    /** A fresh sign-in for the token's client that ends in a login, not an info page. */
    @Override
    public AuthenticationSessionModel startFreshAuthenticationSession(
            RegistrationHandoffToken token, ActionTokenContext<RegistrationHandoffToken> context) {
        return context.createAuthenticationSessionForClient(token.getIssuedFor());
    }

    @Override
    public boolean canUseTokenRepeatedly(RegistrationHandoffToken token,
                                         ActionTokenContext<RegistrationHandoffToken> context) {
        return false;
    }

    @Override
    public Response handleToken(RegistrationHandoffToken token,
                                ActionTokenContext<RegistrationHandoffToken> context) {
        KeycloakSession session = context.getSession();
        // Keycloak marks a single-use token spent only when the actions finish; spend it now,
        // so the link opens one browser's enrollment and no other.
        long life = Math.max(1, token.getExp() - Time.currentTime());
        if (!session.singleUseObjects().putIfAbsent(token.serializeKey(), life)) {
            context.getEvent().error(Errors.EXPIRED_CODE);
            return org.keycloak.services.ErrorPage.error(session,
                    context.getAuthenticationSession(), Response.Status.BAD_REQUEST, SPENT_MESSAGE);
        }
        AuthenticationSessionModel auth = context.getAuthenticationSession();
        String redirectUri = RedirectUtils.verifyRedirectUri(session, token.getRedirectUri(),
                auth.getClient());
        auth.setRedirectUri(redirectUri);
        auth.setClientNote(OIDCLoginProtocol.REDIRECT_URI_PARAM, redirectUri);
        auth.setClientNote(OIDCLoginProtocol.RESPONSE_TYPE_PARAM, "code");
        HandoffRules.authorization(token.getAuthorization()).orElseThrow()
                .forEach(auth::setClientNote);
        // The same notes an authorization request's kc_step_* parameters become.
        HandoffRules.steps(name -> stepOf(token, name)).ifPresent(numbers -> numbers.forEach(
                (name, n) -> auth.setClientNote(REQUEST_PARAM_NOTE + name, Integer.toString(n))));
        LOG.infof("registration hand-off opened: user %s, client %s, realm %s",
                token.getUserId(), auth.getClient().getClientId(), context.getRealm().getName());
        String next = AuthenticationManager.nextRequiredAction(session, auth,
                context.getRequest(), context.getEvent());
        return AuthenticationManager.redirectToRequiredActions(session, context.getRealm(), auth,
                context.getUriInfo(), next);
    }
}
