package org.idpbridge.keycloak.tokens;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.keycloak.models.ClientSessionContext;
import org.keycloak.models.GroupModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.ProtocolMapperModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.protocol.oidc.mappers.AbstractOIDCProtocolMapper;
import org.keycloak.protocol.oidc.mappers.OIDCAccessTokenMapper;
import org.keycloak.protocol.oidc.mappers.OIDCAttributeMapperHelper;
import org.keycloak.protocol.oidc.mappers.OIDCIDTokenMapper;
import org.keycloak.protocol.oidc.mappers.UserInfoTokenMapper;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.representations.IDToken;

/** The "organizations" claim: each organization the user is approved in, with its name, NPIs,
 *  TINs, the user's portal roles there and whether they are its Site Administrator. Built from
 *  the groups under /provider-orgs ({@link OrganizationsClaim}), so it can never say more than
 *  the groups grant. */
public class OrganizationsClaimMapper extends AbstractOIDCProtocolMapper
        implements OIDCAccessTokenMapper, OIDCIDTokenMapper, UserInfoTokenMapper {
    public static final String PROVIDER_ID = "provider-organizations-mapper";
    static final String CLAIM = "organizations";
    private static final List<ProviderConfigProperty> CONFIG = new ArrayList<>();

    static {
        OIDCAttributeMapperHelper.addIncludeInTokensConfig(CONFIG, OrganizationsClaimMapper.class);
    }

    @Override
    protected void setClaim(IDToken token, ProtocolMapperModel mapping, UserSessionModel userSession,
                            KeycloakSession session, ClientSessionContext context) {
        List<OrganizationsClaim.Group> groups = userSession.getUser().getGroupsStream()
                .map(group -> new OrganizationsClaim.Group(path(group), group.getAttributes()))
                .toList();
        token.getOtherClaims().put(CLAIM, OrganizationsClaim.build(groups));
    }

    /** "/provider-orgs/org-a/roles/claims": the names from the top group down (the bridge's
     *  group names never contain "/"). */
    static String path(GroupModel group) {
        Deque<String> names = new ArrayDeque<>();
        for (GroupModel g = group; g != null; g = g.getParent()) {
            names.addFirst(g.getName());
        }
        return "/" + String.join("/", names);
    }

    @Override
    public String getDisplayCategory() {
        return TOKEN_MAPPER_CATEGORY;
    }

    @Override
    public String getDisplayType() {
        return "Provider organizations";
    }

    @Override
    public String getHelpText() {
        return "Adds the 'organizations' claim: approved organizations with name, NPIs, TINs, "
                + "portal roles and Site Administrator status.";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return CONFIG;
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }
}
