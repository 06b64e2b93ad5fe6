package org.idpbridge.keycloak.tokens;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The "organizations" claim built from a user's groups, free of Keycloak types so it unit-tests
 * without a server. The group layout (the bridge writes it, idp_bridge/organizations/group_shape.py):
 * {@code /provider-orgs/<key>} (attributes {@code name}, {@code npi}, {@code tin}: the approved
 * pairs only) means the user is approved in the organization; {@code /provider-orgs/<key>/site-admins} makes them its
 * Site Administrator; {@code /provider-orgs/<key>/roles/<role>} grants a portal role there.
 * A subgroup counts only together with the organization's own group, and groups outside
 * {@code /provider-orgs/} are ignored.
 */
public final class OrganizationsClaim {
    static final String ROOT = "/provider-orgs/";
    /** The group attributes this claim reads (the bridge's group_shape.CLAIMED). */
    static final String NAME = "name";
    static final String NPI = "npi";
    static final String TIN = "tin";

    /** One of the user's groups: its full path and its attributes. */
    public record Group(String path, Map<String, List<String>> attributes) {
    }

    private OrganizationsClaim() {
    }

    /** One entry per organization, ordered by key: {@code {key, name, npis, roles,
     *  site_admin}}, and {@code tins} only when {@code withTins} (a sole proprietor's TIN may be
     *  their SSN: only a client that asks for the organization-tins scope gets them); lists
     *  sorted. */
    public static List<Map<String, Object>> build(Collection<Group> groups, boolean withTins) {
        Map<String, Group> organizations = new TreeMap<>();
        Map<String, List<String>> nested = new TreeMap<>();
        for (Group group : groups) {
            if (group.path() == null || !group.path().startsWith(ROOT)) {
                continue;
            }
            String[] parts = group.path().substring(ROOT.length()).split("/", 2);
            if (parts[0].isEmpty()) {
                continue;
            }
            if (parts.length == 1) {
                organizations.put(parts[0], group);
            } else {
                nested.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(parts[1]);
            }
        }
        List<Map<String, Object>> claim = new ArrayList<>();
        organizations.forEach((key, group) ->
                claim.add(describe(key, group, nested.getOrDefault(key, List.of()), withTins)));
        return claim;
    }

    private static Map<String, Object> describe(String key, Group group, List<String> subgroups,
                                                boolean withTins) {
        TreeSet<String> roles = new TreeSet<>();
        boolean siteAdmin = false;
        for (String subgroup : subgroups) {
            if (subgroup.equals("site-admins")) {
                siteAdmin = true;
            } else if (subgroup.startsWith("roles/") && subgroup.length() > "roles/".length()) {
                roles.add(subgroup.substring("roles/".length()));
            }
        }
        Map<String, Object> org = new LinkedHashMap<>();
        org.put("key", key);
        org.put("name", first(group.attributes(), NAME));
        org.put("npis", sorted(group.attributes(), NPI));
        if (withTins) {
            org.put("tins", sorted(group.attributes(), TIN));
        }
        org.put("roles", new ArrayList<>(roles));
        org.put("site_admin", siteAdmin);
        return org;
    }

    private static String first(Map<String, List<String>> attributes, String name) {
        List<String> values = attributes == null ? null : attributes.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static List<String> sorted(Map<String, List<String>> attributes, String name) {
        List<String> values = attributes == null ? null : attributes.get(name);
        return values == null ? List.of() : values.stream().sorted().toList();
    }
}
