package org.idpbridge.keycloak.phone;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The credential data of a {@code phone-otp} credential, serialised by Keycloak's
 * {@code JsonSerialization}: {@code {"phone":"+16085551234","method":"sms"}}. Unknown fields
 * are ignored so a later version can add some without breaking stored credentials.
 *
 * @param phone  the verified number, E.164
 * @param method {@code sms} or {@code voice} ({@link PhoneChannel#key})
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PhoneCredentialData(@JsonProperty("phone") String phone,
                                  @JsonProperty("method") String method) {
    public PhoneChannel channel() {
        return PhoneChannel.of(method);
    }
}
