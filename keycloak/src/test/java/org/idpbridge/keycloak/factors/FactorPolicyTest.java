package org.idpbridge.keycloak.factors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.idpbridge.keycloak.factors.FactorPolicy.Outcome;
import org.junit.jupiter.api.Test;

class FactorPolicyTest {
    @Test
    void plan_administrators_need_a_passkey_by_default_site_administrators_do_not() {
        FactorPolicy policy = FactorPolicy.DEFAULT;
        assertEquals(Outcome.ADD_PASSKEY, policy.afterSignInWithoutPasskey(true, false, false));
        assertEquals(Outcome.USE_PASSKEY, policy.afterSignInWithoutPasskey(true, false, true));
        assertEquals(Outcome.CONTINUE, policy.afterSignInWithoutPasskey(false, true, false));
        assertEquals(Outcome.CONTINUE, policy.afterSignInWithoutPasskey(false, false, true));
    }

    @Test
    void realm_attributes_override_the_deployment_and_junk_means_unset() {
        FactorPolicy policy = FactorPolicy.DEFAULT.withRealm(Map.of(
                FactorPolicy.PLAN_ADMINS_ATTRIBUTE, "false",
                FactorPolicy.SITE_ADMINS_ATTRIBUTE, " TRUE ")::get);
        assertEquals(new FactorPolicy(false, true), policy);
        assertEquals(Outcome.ADD_PASSKEY, policy.afterSignInWithoutPasskey(false, true, false));
        assertEquals(FactorPolicy.DEFAULT, FactorPolicy.DEFAULT.withRealm(Map.of(
                FactorPolicy.PLAN_ADMINS_ATTRIBUTE, "maybe")::get));
        assertEquals(FactorPolicy.DEFAULT, FactorPolicy.DEFAULT.withRealm(name -> null));
    }

    @Test
    void a_bad_server_option_stops_the_boot_naming_it() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> PasskeyPolicyAuthenticatorFactory.option("yes",
                        "plan-admins", true));
        assertEquals("spi-authenticator--portal-passkey-policy--plan-admins must be true or "
                + "false, not 'yes'", refused.getMessage());
        assertEquals(false, PasskeyPolicyAuthenticatorFactory.option("false",
                "plan-admins", true));
        assertEquals(true, PasskeyPolicyAuthenticatorFactory.option(null, "plan-admins", true));
    }
}
