package org.idpbridge.keycloak.phone;

import io.micrometer.core.instrument.Metrics;

/**
 * Phone codes sent and refused, on Keycloak's own {@code /metrics} (management port) as
 * {@code idp_bridge_phone_codes_sent_total{channel}} and
 * {@code idp_bridge_phone_codes_refused_total{reason}}: a toll-fraud wave shows as sends (or
 * budget refusals) far above normal. Micrometer's global registry is the one Keycloak exports
 * when metrics are enabled, and a no-op otherwise. Labels are the channel and the reason only:
 * never a number, a person or an address.
 */
final class PhoneCodeMetrics {
    static final String SENT = "idp_bridge_phone_codes_sent";
    static final String REFUSED = "idp_bridge_phone_codes_refused";

    private PhoneCodeMetrics() {
    }

    static void sent(PhoneChannel channel) {
        Metrics.counter(SENT, "channel", channel.key).increment();
    }

    /** {@code reason}: cooldown, too_many_sends, locked, budget_user, budget_number,
     *  budget_address, budget_total, send_failed. */
    static void refused(String reason) {
        Metrics.counter(REFUSED, "reason", reason).increment();
    }
}
