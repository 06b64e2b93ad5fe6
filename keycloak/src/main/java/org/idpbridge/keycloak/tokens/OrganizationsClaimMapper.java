package org.idpbridge.keycloak.tokens;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.keycloak.models.ClientSessionContext;
import org.keycloak.models.GroupModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.ProtocolMapperModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.protocol.oidc.mappers.AbstractOIDCProtocolMapper;
import org.keycloak.protocol.oidc.mappers.OIDCAccessTokenMapper;
import org.keycloak.protocol.oidc.mappers.OIDCAttributeMapperHelper;
import org.keycloak.protocol.oidc.mappers.OIDCIDTokenMapper;
import org.keycloak.protocol.oidc.mappers.UserInfoTokenMapper;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.representations.IDToken;

/** The "organizations" claim: each organization the user is approved in, with its name, NPIs,
 *  TINs, the user's portal roles there and whether they are its Site Administrator. Built from
 *  the groups under /provider-orgs, so it can never say more than the groups grant. */
public class OrganizationsClaimMapper extends AbstractOIDCProtocolMapper
        implements OIDCAccessTokenMapper, OIDCIDTokenMapper, UserInfoTokenMapper {
    public static final String PROVIDER_ID = "provider-organizations-mapper";
    static final String CLAIM = "organizations";
    private static final String ROOT = "/provider-orgs/";
    private static final List<ProviderConfigProperty> CONFIG = new ArrayList<>();

    static {
        OIDCAttributeMapperHelper.addIncludeInTokensConfig(CONFIG, OrganizationsClaimMapper.class);
    }

    @Override
    protected void setClaim(IDToken token, ProtocolMapperModel mapping, UserSessionModel userSession,
                            KeycloakSession session, ClientSessionContext context) {
        Map<String, Map<String, Object>> organizations = new TreeMap<>();
        Map<String, List<String>> nested = new TreeMap<>();
        userSession.getUser().getGroupsStream().forEach(group -> {
            String path = KeycloakModelUtils.buildGroupPath(group);
            if (!path.startsWith(ROOT)) {
                return;
            }
            String[] parts = path.substring(ROOT.length()).split("/", 2);
            if (parts.length == 1) {
                organizations.put(parts[0], describe(parts[0], group));
            } else {
                nested.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(parts[1]);
            }
        });
        // A subgroup counts only together with the organization's own group.
        nested.forEach((key, subgroups) -> {
            Map<String, Object> org = organizations.get(key);
            if (org == null) {
                return;
            }
            @SuppressWarnings("unchecked")
            TreeSet<String> roles = (TreeSet<String>) org.get("roles");
            for (String subgroup : subgroups) {
                if (subgroup.equals("site-admins")) {
                    org.put("site_admin", true);
                } else if (subgroup.startsWith("roles/")) {
                    roles.add(subgroup.substring("roles/".length()));
                }
            }
        });
        List<Map<String, Object>> claim = new ArrayList<>();
        organizations.values().forEach(org -> {
            org.put("roles", new ArrayList<>((TreeSet<?>) org.get("roles")));
            claim.add(org);
        });
        token.getOtherClaims().put(CLAIM, claim);
    }

    private static Map<String, Object> describe(String key, GroupModel group) {
        Map<String, Object> org = new LinkedHashMap<>();
        org.put("key", key);
        org.put("name", group.getFirstAttribute("name"));
        org.put("npis", group.getAttributeStream("npi").sorted().toList());
        org.put("tins", group.getAttributeStream("tin").sorted().toList());
        org.put("roles", new TreeSet<String>());
        org.put("site_admin", false);
        return org;
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
