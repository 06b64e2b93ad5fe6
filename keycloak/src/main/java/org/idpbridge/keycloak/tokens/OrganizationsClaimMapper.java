package org.idpbridge.keycloak.tokens;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.keycloak.models.ClientSessionContext;
import org.keycloak.models.GroupModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.ProtocolMapperModel;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.protocol.oidc.mappers.AbstractOIDCProtocolMapper;
import org.keycloak.protocol.oidc.mappers.OIDCAccessTokenMapper;
import org.keycloak.protocol.oidc.mappers.OIDCAttributeMapperHelper;
import org.keycloak.protocol.oidc.mappers.OIDCIDTokenMapper;
import org.keycloak.protocol.oidc.mappers.UserInfoTokenMapper;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.representations.IDToken;

/** The "organizations" claim: each organization the user is approved in, with its name, NPIs,
 *  the user's portal roles there and whether they are its Site Administrator. Built from
 *  the groups under /provider-orgs ({@link OrganizationsClaim}), so it can never say more than
 *  the groups grant.
 *
 *  <p>TINs only from a mapper configured with {@value #WITH_TINS} = true, which the realm puts
 *  in the optional client scope {@code organization-tins}: a client that asks for that scope
 *  gets them, nobody else. Both mappers write the same claim; the one with TINs wins whichever
 *  runs first (the other leaves a claim it finds in place). */
public class OrganizationsClaimMapper extends AbstractOIDCProtocolMapper
        implements OIDCAccessTokenMapper, OIDCIDTokenMapper, UserInfoTokenMapper {
    public static final String PROVIDER_ID = "provider-organizations-mapper";
    static final String CLAIM = "organizations";
    static final String WITH_TINS = "tins";
    private static final List<ProviderConfigProperty> CONFIG = new ArrayList<>();

    static {
        ProviderConfigProperty tins = new ProviderConfigProperty();
        tins.setName(WITH_TINS);
        tins.setLabel("Include TINs");
        tins.setType(ProviderConfigProperty.BOOLEAN_TYPE);
        tins.setDefaultValue("false");
        tins.setHelpText("Add each organization's TINs. Only in an optional client scope: a "
                + "sole proprietor's TIN may be their Social Security number.");
        CONFIG.add(tins);
        OIDCAttributeMapperHelper.addIncludeInTokensConfig(CONFIG, OrganizationsClaimMapper.class);
    }

    @Override
    protected void setClaim(IDToken token, ProtocolMapperModel mapping, UserSessionModel userSession,
                            KeycloakSession session, ClientSessionContext context) {
        boolean withTins = withTins(mapping);
        if (!withTins && token.getOtherClaims().containsKey(CLAIM)) {
            return; // the organization-tins scope's mapper ran first: its claim stands
        }
        List<OrganizationsClaim.Group> groups = userSession.getUser().getGroupsStream()
                .map(group -> new OrganizationsClaim.Group(path(group), group.getAttributes()))
                .toList();
        token.getOtherClaims().put(CLAIM, OrganizationsClaim.build(groups, withTins));
    }

    static boolean withTins(ProtocolMapperModel mapping) {
        return mapping != null && mapping.getConfig() != null
                && Boolean.parseBoolean(mapping.getConfig().get(WITH_TINS));
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

    /** When a realm is created or imported, its organization-tins scope is made for the
     *  clients the realm file allows to ask for it ({@link OrganizationTinsScope}). */
    @Override
    public void postInit(KeycloakSessionFactory factory) {
        factory.register(event -> {
            if (event instanceof RealmModel.RealmPostCreateEvent created) {
                OrganizationTinsScope.ensure(created.getCreatedRealm());
            }
        });
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
        return "Adds the 'organizations' claim: approved organizations with name, NPIs, "
                + "portal roles and Site Administrator status (TINs only if configured).";
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
