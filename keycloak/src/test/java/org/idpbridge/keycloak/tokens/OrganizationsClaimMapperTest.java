package org.idpbridge.keycloak.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.lang.reflect.Proxy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.keycloak.models.GroupModel;
import org.keycloak.models.ProtocolMapperModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.representations.AccessToken;

/** The claim the bridge and downstream apps read (docs/tokens.md), from the group layout.
 *  The attribute names are the ones idp_bridge/organizations/group_shape.py writes
 *  ({@code name}, {@code npi}, {@code tin}); tests/unit/test_group_shape.py pins them from the
 *  bridge's side. */
class OrganizationsClaimMapperTest {

    /** An entry as a default token carries it: no TINs. */
    private static Map<String, Object> org(String key, String name, List<String> npis,
                                           List<String> roles, boolean siteAdmin) {
        Map<String, Object> org = new LinkedHashMap<>();
        org.put("key", key);
        org.put("name", name);
        org.put("npis", npis);
        org.put("roles", roles);
        org.put("site_admin", siteAdmin);
        return org;
    }

    /** An entry as the organization-tins scope's mapper writes it. */
    private static Map<String, Object> org(String key, String name, List<String> npis,
                                           List<String> tins, List<String> roles,
                                           boolean siteAdmin) {
        Map<String, Object> org = new LinkedHashMap<>();
        org.put("key", key);
        org.put("name", name);
        org.put("npis", npis);
        org.put("tins", tins);
        org.put("roles", roles);
        org.put("site_admin", siteAdmin);
        return org;
    }

    /** The stored shape of an organization's group, as the bridge writes it. */
    private static Map<String, List<String>> stored(String name, List<String> npis,
                                                   List<String> tins) {
        return Map.of("name", List.of(name), "npi", npis, "tin", tins,
                "registered_at", List.of("1794999700"));
    }

    private static OrganizationsClaim.Group group(String path, Map<String, List<String>> attrs) {
        return new OrganizationsClaim.Group(path, attrs);
    }

    @Test
    void eachApprovedOrganizationWithItsRolesAndSiteAdminFlag() {
        List<Map<String, Object>> claim = OrganizationsClaim.build(List.of(
                group("/provider-orgs/org-b/roles/claims", Map.of()),
                group("/provider-orgs/org-b", Map.of("name", List.of("Beta Clinic"),
                        "npi", List.of("1588000012", "1234567893"), "tin", List.of("123456789"))),
                group("/provider-orgs/org-b/site-admins", Map.of()),
                group("/provider-orgs/org-b/roles/authorizations", Map.of()),
                group("/provider-orgs/org-a", Map.of("name", List.of("Alpha Care"))),
                group("/plan-admins", Map.of("name", List.of("not an organization")))), true);
        assertEquals(List.of(
                org("org-a", "Alpha Care", List.of(), List.of(), List.of(), false),
                org("org-b", "Beta Clinic", List.of("1234567893", "1588000012"),
                        List.of("123456789"), List.of("authorizations", "claims"), true)),
                claim);
    }

    @Test
    void aSubgroupWithoutTheOrganizationsOwnGroupGrantsNothing() {
        // Removed from the organization but a role group left behind: no entry at all.
        assertEquals(List.of(), OrganizationsClaim.build(List.of(
                group("/provider-orgs/org-c/site-admins", Map.of()),
                group("/provider-orgs/org-c/roles/claims", Map.of()),
                group("/provider-orgs", Map.of()),
                group("/provider-orgsX/org-d", Map.of())), true));
    }

    @Test
    void theMapperPutsTheClaimInTheTokenFromTheUsersGroupTree() {
        GroupModel root = groupModel("provider-orgs", null, Map.of());
        GroupModel org = groupModel("org-a", root, Map.of("name", List.of("Alpha Care"),
                "npi", List.of("1588000012")));
        GroupModel roles = groupModel("roles", org, Map.of());
        GroupModel claims = groupModel("claims", roles, Map.of());
        UserModel user = proxy(UserModel.class, Map.of("getGroupsStream",
                (Supplier) () -> Stream.of(org, claims)));
        UserSessionModel session = proxy(UserSessionModel.class,
                Map.of("getUser", (Supplier) () -> user));
        AccessToken token = new AccessToken();
        new OrganizationsClaimMapper().setClaim(token, null, session, null, null);
        assertEquals(List.of(org("org-a", "Alpha Care", List.of("1588000012"),
                List.of("claims"), false)), token.getOtherClaims().get("organizations"));
    }

    @Test
    void theStoredShapeGivesNoTinWithoutTheScopeAndTinsWithIt() {
        GroupModel root = groupModel("provider-orgs", null, Map.of());
        GroupModel org = groupModel("1588000012-0a1b2c3d4e5f", root,
                stored("Prairie Family Medicine", List.of("1588000012", "1588000020"),
                        List.of("391588001", "391588002")));
        UserModel user = proxy(UserModel.class, Map.of("getGroupsStream",
                (Supplier) () -> Stream.of(org)));
        UserSessionModel session = proxy(UserSessionModel.class,
                Map.of("getUser", (Supplier) () -> user));
        ProtocolMapperModel withTins = new ProtocolMapperModel();
        withTins.setConfig(Map.of(OrganizationsClaimMapper.WITH_TINS, "true"));
        ProtocolMapperModel plain = new ProtocolMapperModel();
        plain.setConfig(Map.of());
        Object expectedPlain = List.of(org("1588000012-0a1b2c3d4e5f", "Prairie Family Medicine",
                List.of("1588000012", "1588000020"), List.of(), false));
        Object expectedTins = List.of(org("1588000012-0a1b2c3d4e5f", "Prairie Family Medicine",
                List.of("1588000012", "1588000020"), List.of("391588001", "391588002"),
                List.of(), false));

        AccessToken byDefault = new AccessToken();
        new OrganizationsClaimMapper().setClaim(byDefault, plain, session, null, null);
        assertEquals(expectedPlain, byDefault.getOtherClaims().get("organizations"));
        assertFalse(byDefault.getOtherClaims().toString().contains("391588001"));

        // With the scope, the claim carries the TINs whichever of the two mappers runs first.
        for (List<ProtocolMapperModel> order : List.of(List.of(plain, withTins),
                List.of(withTins, plain))) {
            AccessToken token = new AccessToken();
            for (ProtocolMapperModel mapping : order) {
                new OrganizationsClaimMapper().setClaim(token, mapping, session, null, null);
            }
            assertEquals(expectedTins, token.getOtherClaims().get("organizations"));
        }
    }

    private interface Supplier {
        Object get();
    }

    private static GroupModel groupModel(String name, GroupModel parent,
                                         Map<String, List<String>> attributes) {
        return proxy(GroupModel.class, Map.of(
                "getName", (Supplier) () -> name,
                "getParent", (Supplier) () -> parent,
                "getParentId", (Supplier) () -> parent == null ? null : "id-" + parent.getName(),
                "getId", (Supplier) () -> "id-" + name,
                "getAttributes", (Supplier) () -> attributes));
    }

    /** A stand-in that answers only the methods the mapper is expected to call. */
    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, Map<String, Supplier> answers) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (self, method, args) -> {
                    Supplier answer = answers.get(method.getName());
                    if (answer != null) {
                        return answer.get();
                    }
                    if (method.getName().equals("toString")) {
                        return type.getSimpleName();
                    }
                    if (method.isDefault()) {
                        return java.lang.reflect.InvocationHandler.invokeDefault(self, method, args);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}
