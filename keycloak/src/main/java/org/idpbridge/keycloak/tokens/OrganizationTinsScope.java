package org.idpbridge.keycloak.tokens;

import java.util.HashMap;
import java.util.Map;
import org.keycloak.models.ClientModel;
import org.keycloak.models.ClientScopeModel;
import org.keycloak.models.ProtocolMapperModel;
import org.keycloak.models.RealmModel;
import org.keycloak.protocol.oidc.OIDCLoginProtocol;

/**
 * The optional client scope {@value #NAME}: a token requested with it carries each
 * organization's TINs; no other token does (a sole proprietor's TIN may be their SSN).
 *
 * <p>Why the plugin makes it and the realm file only marks who may ask: a realm import that
 * declares any {@code clientScopes} gets none of Keycloak's built-in ones ({@code profile},
 * {@code email}, {@code roles}, {@code basic}, ... — {@code RealmManager.importRealm} creates
 * them only when the file declares none), and the built-in clients would lose theirs. So when
 * a realm is created or imported, this adds the scope (once) and makes it an optional scope of
 * each client whose attribute {@value #ALLOWED} is {@code "true"} in the realm file.
 */
public final class OrganizationTinsScope {
    public static final String NAME = "organization-tins";
    public static final String ALLOWED = "idp-bridge.organization-tins";

    private OrganizationTinsScope() {
    }

    public static void ensure(RealmModel realm) {
        boolean wanted = realm.getClientsStream().anyMatch(OrganizationTinsScope::allowed);
        if (!wanted) {
            return;
        }
        ClientScopeModel scope = realm.getClientScopesStream()
                .filter(s -> NAME.equals(s.getName())).findFirst()
                .orElseGet(() -> create(realm));
        realm.getClientsStream().filter(OrganizationTinsScope::allowed)
                .filter(client -> !client.getClientScopes(false).containsKey(NAME))
                .forEach(client -> client.addClientScope(scope, false));
    }

    static boolean allowed(ClientModel client) {
        return "true".equals(client.getAttribute(ALLOWED));
    }

    private static ClientScopeModel create(RealmModel realm) {
        ClientScopeModel scope = realm.addClientScope(NAME);
        scope.setProtocol(OIDCLoginProtocol.LOGIN_PROTOCOL);
        scope.setDescription("Each organization's TINs in the organizations claim");
        scope.setIncludeInTokenScope(true);
        scope.setDisplayOnConsentScreen(false);
        ProtocolMapperModel mapper = new ProtocolMapperModel();
        mapper.setName("organizations with TINs");
        mapper.setProtocol(OIDCLoginProtocol.LOGIN_PROTOCOL);
        mapper.setProtocolMapper(OrganizationsClaimMapper.PROVIDER_ID);
        Map<String, String> config = new HashMap<>();
        config.put(OrganizationsClaimMapper.WITH_TINS, "true");
        config.put("access.token.claim", "true");
        config.put("introspection.token.claim", "true");
        config.put("id.token.claim", "false");
        config.put("userinfo.token.claim", "false");
        mapper.setConfig(config);
        scope.addProtocolMapper(mapper);
        return scope;
    }
}
