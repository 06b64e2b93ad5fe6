package org.idpbridge.keycloak.phone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PhoneCodePolicyTest {
    @Test
    void defaultsFollowTheDesign() {
        PhoneCodePolicy p = PhoneCodePolicy.fromOptions(name -> null);
        assertEquals(PhoneCodePolicy.DEFAULT, p);
        assertEquals(Duration.ofMinutes(10), p.lifetime());
        assertEquals(Duration.ofSeconds(30), p.resendCooldown());
        assertEquals(5, p.maxWrongTries());
        assertEquals(5, p.maxSendsPerSignIn());
        assertEquals(10, p.maxSendsPerHour());
    }

    @Test
    void deploymentOptionsThenRealmAttributes() {
        Map<String, String> options = Map.of("code-lifetime-seconds", "20",
                "resend-cooldown-seconds", "0", "max-sends-per-hour", "50");
        PhoneCodePolicy deployment = PhoneCodePolicy.fromOptions(options::get);
        assertEquals(Duration.ZERO, deployment.resendCooldown(), "no cooldown is a valid choice");
        Map<String, String> realm = Map.of("phoneCodeLifetimeSeconds", "3");
        PhoneCodePolicy p = PhoneCodePolicy.resolve(realm::get, deployment);
        assertEquals(Duration.ofSeconds(3), p.lifetime());
        assertEquals(Duration.ZERO, p.resendCooldown());
        assertEquals(50, p.maxSendsPerHour());
        assertEquals(5, p.maxWrongTries());
    }

    @Test
    void aBadDeploymentOptionStopsTheBootAndNamesTheOption() {
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> PhoneCodePolicy.fromOptions(Map.of("max-wrong-tries", "0")::get));
        assertEquals("phone code option max-wrong-tries must be a whole number >= 1, not '0'",
                bad.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> PhoneCodePolicy.fromOptions(Map.of("code-lifetime-seconds", "soon")::get));
    }

    @Test
    void blankOrBadRealmAttributesFallBackToTheDeployment() {
        PhoneCodePolicy deployment = PhoneCodePolicy.fromOptions(
                Map.of("max-wrong-tries", "3")::get);
        Map<String, String> realm = Map.of("phoneCodeLifetimeSeconds", " ",
                "phoneMaxWrongTries", "-1", "phoneMaxSendsPerHour", "many");
        PhoneCodePolicy p = PhoneCodePolicy.resolve(realm::get, deployment);
        assertEquals(Duration.ofMinutes(10), p.lifetime());
        assertEquals(3, p.maxWrongTries());
        assertEquals(10, p.maxSendsPerHour());
    }

    @Test
    void addressAndTotalBudgetsAreSettingsToo() {
        assertEquals(20, PhoneCodePolicy.DEFAULT.maxSendsPerAddressPerHour());
        assertEquals(1000, PhoneCodePolicy.DEFAULT.maxSendsTotalPerHour());
        PhoneCodePolicy deployment = PhoneCodePolicy.fromOptions(Map.of(
                "max-sends-per-address-per-hour", "40", "max-sends-total-per-hour", "300")::get);
        assertEquals(40, deployment.maxSendsPerAddressPerHour());
        assertEquals(300, deployment.maxSendsTotalPerHour());
        PhoneCodePolicy p = PhoneCodePolicy.resolve(
                Map.of("phoneMaxSendsPerAddressPerHour", "3")::get, deployment);
        assertEquals(3, p.maxSendsPerAddressPerHour());
        assertEquals(300, p.maxSendsTotalPerHour());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> PhoneCodePolicy.fromOptions(
                        Map.of("max-sends-total-per-hour", "0")::get));
        assertEquals("phone code option max-sends-total-per-hour must be a whole number >= 1, "
                + "not '0'", bad.getMessage());
    }

    @Test
    void limitsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new PhoneCodePolicy(Duration.ZERO,
                Duration.ZERO, 5, 5, 5));
    }
}
