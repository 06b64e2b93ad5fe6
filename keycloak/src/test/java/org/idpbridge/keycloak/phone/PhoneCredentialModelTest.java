package org.idpbridge.keycloak.phone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.keycloak.credential.CredentialModel;
import org.keycloak.util.JsonSerialization;

class PhoneCredentialModelTest {
    @Test
    void aNewCredentialStoresNumberAndMethodAsJsonAndNoSecret() throws Exception {
        PhoneCredentialModel model = PhoneCredentialModel.create("+16085551234",
                PhoneChannel.VOICE, 1_700_000_000_000L);
        assertEquals("phone-otp", model.getType());
        assertEquals("Voice ***-***-1234", model.getUserLabel());
        assertEquals(Map.of("phone", "+16085551234", "method", "voice"),
                JsonSerialization.readValue(model.getCredentialData(), Map.class));
        assertEquals("{}", model.getSecretData());
    }

    @Test
    void aStoredCredentialReadsBackIncludingOneWithExtraFields() {
        CredentialModel stored = new CredentialModel();
        stored.setId("c1");
        stored.setType("phone-otp");
        stored.setCredentialData("{\"phone\":\"+16085551234\",\"method\":\"sms\",\"new\":1}");
        PhoneCredentialModel model = PhoneCredentialModel.from(stored).orElseThrow();
        assertEquals("c1", model.getId());
        assertEquals(new PhoneCredentialData("+16085551234", "sms"), model.data());
        assertEquals(PhoneChannel.SMS, model.data().channel());
    }

    @Test
    void damagedDataIsNoPhoneButCanStillBeListed() {
        for (String json : new String[] {null, "", "not json", "{}", "{\"phone\":\" \"}",
            "[1,2]"}) {
            CredentialModel stored = new CredentialModel();
            stored.setCredentialData(json);
            assertTrue(PhoneCredentialModel.from(stored).isEmpty(), String.valueOf(json));
            assertNull(PhoneCredentialModel.wrap(stored).data());
        }
    }
}
