package org.idpbridge.keycloak.handoff;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.keycloak.common.util.Time;
import org.keycloak.events.EventBuilder;
import org.keycloak.models.ClientModel;
import org.keycloak.models.Constants;
import org.keycloak.models.KeycloakContext;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.AdminRoles;
import org.keycloak.protocol.oidc.utils.RedirectUtils;
import org.keycloak.services.resources.LoginActionsService;
import org.keycloak.services.managers.AppAuthManager;
import org.keycloak.services.managers.AuthenticationManager.AuthResult;
import org.keycloak.urls.UrlType;

/**
 * {@code POST /realms/{realm}/idp-bridge/registration-handoff}: the bridge's service account
 * asks for a hand-off link for a user it has just given a password. Only a client's own
 * service account may ask, only for that client, only with {@code manage-users}, and only for
 * a user whose registration is still under way.
 *
 * <p>Body (JSON): {@code user_id}, {@code redirect_uri}, {@code state}, {@code nonce},
 * {@code scope}, {@code code_challenge}, {@code code_challenge_method} (S256), optionally
 * {@code kc_step_phone}, {@code kc_step_terms}, {@code kc_steps} (the step counter), and {@code client_id} (the client to sign in to, when not
 * the caller's own). Answer: {@code {"action": url, "fields": {"key", "client_id"},
 * "expires_in": seconds}}: the browser posts {@code fields} to {@code action}.
 */
public class RegistrationHandoffResource {
    private static final Logger LOG = Logger.getLogger(RegistrationHandoffResource.class);
    static final String OPEN_PATH = "registration-handoff/open";
    private final KeycloakSession session;
    private final int lifespanSeconds;

    public RegistrationHandoffResource(KeycloakSession session, int lifespanSeconds) {
        this.session = session;
        this.lifespanSeconds = lifespanSeconds;
    }

    @POST
    @Path("registration-handoff")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response create(Map<String, Object> body) {
        KeycloakContext context = session.getContext();
        RealmModel realm = context.getRealm();
        AuthResult caller = new AppAuthManager.BearerTokenAuthenticator(session)
                .setRealm(realm).setUriInfo(context.getUri())
                .setConnection(context.getConnection())
                .setHeaders(context.getRequestHeaders()).authenticate();
        if (caller == null) {
            return answer(Response.Status.UNAUTHORIZED, "not_authenticated");
        }
        Optional<ClientModel> client = callingClient(realm, caller);
        if (client.isEmpty()) {
            return answer(Response.Status.FORBIDDEN, "not_allowed");
        }
        Map<String, String> request = strings(body);
        client = signingInThrough(realm, client.get(), request.get("client_id"));
        if (client.isEmpty()) {
            return answer(Response.Status.BAD_REQUEST, "invalid_client");
        }
        String redirect = RedirectUtils.verifyRedirectUri(session, request.get("redirect_uri"),
                client.get());
        Optional<Map<String, String>> authorization = HandoffRules.authorization(request);
        if (redirect == null || authorization.isEmpty()) {
            return answer(Response.Status.BAD_REQUEST, "invalid_request");
        }
        String userId = request.getOrDefault("user_id", "");
        UserModel user = userId.isBlank() ? null : session.users().getUserById(realm, userId);
        if (user == null) {
            return answer(Response.Status.NOT_FOUND, "user_not_found");
        }
        if (!RegistrationHandoffTokenHandler.stillPending(realm, user)) {
            return answer(Response.Status.CONFLICT, "registration_not_pending");
        }
        RegistrationHandoffToken token = new RegistrationHandoffToken(user.getId(),
                client.get().getClientId(), Time.currentTime() + lifespanSeconds, redirect,
                authorization.get());
        HandoffRules.steps(request::get).ifPresent(token::withSteps);
        RegistrationHandoffTokenHandler.makeLive(session, token, lifespanSeconds);
        // The browser posts the credential in a form body to open(): it is never in a URL
        // (no history, Referer, proxy or access log). Keycloak's public address.
        var frontend = context.getUri(UrlType.FRONTEND);
        String action = frontend.getBaseUriBuilder().path("realms").path(realm.getName())
                .path(RegistrationHandoffResourceProviderFactory.ID).path(OPEN_PATH)
                .build().toString();
        LOG.infof("registration hand-off issued: user %s, client %s, realm %s, %d s",
                user.getId(), client.get().getClientId(), realm.getName(), lifespanSeconds);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("action", action);
        answer.put("fields", Map.of(Constants.KEY, token.serialize(session, realm, frontend),
                Constants.CLIENT_ID, client.get().getClientId()));
        answer.put("expires_in", lifespanSeconds);
        return Response.ok(answer).type(MediaType.APPLICATION_JSON_TYPE)
                .header("Cache-Control", "no-store").build();
    }

    /**
     * The browser's way in: the bridge's page posts {@code key} (the hand-off token) and
     * {@code client_id} here, and Keycloak's own action-token processing runs as if the link
     * had been opened (fresh authentication session, cookie bound to this browser, redirect
     * to the required actions). A GET here is 405; the token in Keycloak's GET action-token
     * URL is refused by the handler.
     */
    @POST
    @Path(OPEN_PATH)
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response open(@FormParam(Constants.KEY) String key,
                         @FormParam(Constants.CLIENT_ID) String clientId) {
        KeycloakContext context = session.getContext();
        if (key == null || key.isBlank() || key.length() > HandoffRules.MAX_KEY_LENGTH
                || (clientId != null && clientId.length() > 255)) {
            return answer(Response.Status.BAD_REQUEST, "invalid_request");
        }
        session.setAttribute(RegistrationHandoffTokenHandler.OPENED_BY_POST, Boolean.TRUE);
        EventBuilder event = new EventBuilder(context.getRealm(), session, context.getConnection());
        return new LoginActionsService(session, event)
                .executeActionToken(null, key, null, clientId, null, null);
    }

    /** The client whose own service account holds {@code manage-users}, or nothing. */
    private static Optional<ClientModel> callingClient(RealmModel realm, AuthResult caller) {
        UserModel account = caller.user();
        ClientModel client = realm.getClientByClientId(caller.token().getIssuedFor());
        if (account == null || client == null || !client.isEnabled()
                || !client.getId().equals(account.getServiceAccountClientLink())) {
            return Optional.empty();
        }
        ClientModel management = realm.getClientByClientId(Constants.REALM_MANAGEMENT_CLIENT_ID);
        RoleModel manageUsers = management == null ? null
                : management.getRole(AdminRoles.MANAGE_USERS);
        return manageUsers != null && account.hasRole(manageUsers) ? Optional.of(client)
                : Optional.empty();
    }

    /**
     * The client the person signs in to: the caller's own, or (one service account serving
     * several brands) another confidential browser client of the realm named by
     * {@code client_id}. The caller already manages users; it gains no client it could not
     * already act for.
     */
    private static Optional<ClientModel> signingInThrough(RealmModel realm, ClientModel caller,
                                                          String clientId) {
        ClientModel target = clientId == null || clientId.isBlank() ? caller
                : realm.getClientByClientId(clientId);
        boolean usable = target != null && target.isEnabled() && !target.isPublicClient()
                && !target.isBearerOnly() && target.isStandardFlowEnabled()
                && "openid-connect".equals(target.getProtocol());
        return usable ? Optional.of(target) : Optional.empty();
    }

    private static Map<String, String> strings(Map<String, Object> body) {
        if (body == null) {
            return Map.of();
        }
        return body.entrySet().stream()
                .filter(e -> e.getValue() instanceof String || e.getValue() instanceof Number)
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().toString()));
    }

    private static Response answer(Response.Status status, String error) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Map.of("error", error)).build();
    }
}
