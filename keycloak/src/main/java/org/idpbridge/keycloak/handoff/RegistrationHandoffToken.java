package org.idpbridge.keycloak.handoff;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.keycloak.authentication.actiontoken.DefaultActionToken;

/**
 * The link that carries a registrant from the bridge's Password Setup into Keycloak's
 * phone enrollment and Terms without a second password entry. Signed by the realm's key,
 * bound to one user, one client and that client's redirect URI, a few minutes long, and
 * spent at its first use.
 */
public class RegistrationHandoffToken extends DefaultActionToken {
    public static final String TOKEN_TYPE = "idp-bridge-registration-handoff";

    @JsonProperty("rdu")
    private String redirectUri;

    /** The bridge's authorization request (state, nonce, scope, PKCE challenge). */
    @JsonProperty("oar")
    private Map<String, String> authorization = new LinkedHashMap<>();

    /** "Step N of M" for Keycloak's pages, as the bridge counts them (may be empty). */
    @JsonProperty("stp")
    private Map<String, Integer> steps = new LinkedHashMap<>();

    public RegistrationHandoffToken(String userId, String clientId, int expiresAt,
                                    String redirectUri, Map<String, String> authorization) {
        super(userId, TOKEN_TYPE, expiresAt, UUID.randomUUID());
        issuedFor(clientId);
        this.redirectUri = redirectUri;
        this.authorization = new LinkedHashMap<>(authorization);
    }

    /** For Keycloak's JSON reading of the token. */
    private RegistrationHandoffToken() {
    }

    public String getRedirectUri() {
        return redirectUri;
    }

    public Map<String, String> getAuthorization() {
        return authorization == null ? Map.of() : authorization;
    }

    public Map<String, Integer> getSteps() {
        return steps == null ? Map.of() : steps;
    }

    public RegistrationHandoffToken withSteps(Map<String, Integer> steps) {
        this.steps = new LinkedHashMap<>(steps);
        return this;
    }
}
