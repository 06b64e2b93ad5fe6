package org.idpbridge.keycloak.factors;

import java.util.function.Function;

/**
 * The plan's second-factor policy for administrators, as plain values (no Keycloak types):
 * plan administrators must sign in with a passkey (default on), Site Administrators must
 * (default off). Each setting is a server option (read at boot) that a realm attribute of the
 * same meaning overrides without a restart ({@code true}/{@code false}; anything else: unset).
 */
public record FactorPolicy(boolean planAdminsNeedPasskey, boolean siteAdminsNeedPasskey) {
    public static final FactorPolicy DEFAULT = new FactorPolicy(true, false);
    public static final String PLAN_ADMINS_ATTRIBUTE = "portalPasskeyRequiredPlanAdmins";
    public static final String SITE_ADMINS_ATTRIBUTE = "portalPasskeyRequiredSiteAdmins";

    /** What happens after a sign-in that did not use a passkey. */
    public enum Outcome { CONTINUE, ADD_PASSKEY, USE_PASSKEY }

    public FactorPolicy withRealm(Function<String, String> attribute) {
        return new FactorPolicy(flag(attribute.apply(PLAN_ADMINS_ATTRIBUTE), planAdminsNeedPasskey),
                flag(attribute.apply(SITE_ADMINS_ATTRIBUTE), siteAdminsNeedPasskey));
    }

    /**
     * @param planAdmin the user holds the realm role {@code plan-admin}
     * @param siteAdmin the user is in some organization's {@code site-admins} group
     * @param hasPasskey the user has a passkey already
     */
    public Outcome afterSignInWithoutPasskey(boolean planAdmin, boolean siteAdmin,
                                             boolean hasPasskey) {
        boolean required = planAdmin && planAdminsNeedPasskey || siteAdmin && siteAdminsNeedPasskey;
        if (!required) {
            return Outcome.CONTINUE;
        }
        // Without one yet: walked through adding it now (after their password and phone).
        // With one: this sign-in should have used it.
        return hasPasskey ? Outcome.USE_PASSKEY : Outcome.ADD_PASSKEY;
    }

    static boolean flag(String value, boolean otherwise) {
        if (value == null) {
            return otherwise;
        }
        String v = value.strip().toLowerCase(java.util.Locale.ROOT);
        return "true".equals(v) ? true : "false".equals(v) ? false : otherwise;
    }
}
