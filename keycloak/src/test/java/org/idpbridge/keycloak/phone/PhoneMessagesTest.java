package org.idpbridge.keycloak.phone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.io.InputStreamReader;
import java.text.MessageFormat;
import java.util.HashSet;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every refusal has its own words, every key has a default text, and none of them tells
 *  whether a number or an account exists. */
class PhoneMessagesTest {
    static Properties load(String resource) throws IOException {
        Properties p = new Properties();
        try (InputStream in = PhoneMessagesTest.class.getResourceAsStream(resource)) {
            assertNotNull(in, resource);
            p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
        return p;
    }

    static String render(Properties messages, PhoneMessages.Message m) {
        String pattern = messages.getProperty(m.key());
        assertNotNull(pattern, m.key());
        return new MessageFormat(pattern, Locale.ENGLISH).format(m.params());
    }

    private final Properties messages;

    PhoneMessagesTest() throws IOException {
        messages = load("/theme-resources/messages/messages_en.properties");
    }

    @Test
    void everyKeyHasADefaultText() {
        for (String key : PhoneMessages.KEYS) {
            assertTrue(messages.containsKey(key), key);
        }
    }

    @Test
    void eachRefusalSaysSomethingDifferent() {
        Set<String> texts = new HashSet<>();
        for (PhoneCodeRules.Check check : PhoneCodeRules.Check.values()) {
            if (check != PhoneCodeRules.Check.OK && check != PhoneCodeRules.Check.NO_CODE) {
                assertTrue(texts.add(render(messages, PhoneMessages.refusal(check, 3))),
                        check.name());
            }
        }
        for (PhoneCodeRules.Refusal refusal : PhoneCodeRules.Refusal.values()) {
            if (refusal != PhoneCodeRules.Refusal.LOCKED) {
                assertTrue(texts.add(render(messages, PhoneMessages.refusal(
                        new PhoneCodeRules.Issued(null, refusal, 12)))), refusal.name());
            }
        }
    }

    @Test
    void wrongCodesCountDownTheTriesWithoutBlamingThePassword() {
        assertEquals("The security code is incorrect. You have 4 tries left.",
                render(messages, PhoneMessages.refusal(PhoneCodeRules.Check.WRONG, 4)));
        assertEquals("The security code is incorrect. You have 1 try left.",
                render(messages, PhoneMessages.refusal(PhoneCodeRules.Check.WRONG, 1)));
        assertEquals("The security code is incorrect. You have no tries left.",
                render(messages, PhoneMessages.refusal(PhoneCodeRules.Check.WRONG, 0)));
        assertTrue(render(messages, PhoneMessages.refusal(PhoneCodeRules.Check.SUPERSEDED, 2))
                .contains("only the last code sent can be used"));
        for (String key : PhoneMessages.KEYS) {
            String text = messages.getProperty(key).toLowerCase(Locale.ROOT);
            assertFalse(text.contains("password"), key);
            assertFalse(text.contains("another account") || text.contains("already in use")
                    || text.contains("already registered"), key);
        }
    }

    @Test
    void theGuidesWords() {
        assertEquals("Text enrolled successfully",
                render(messages, PhoneMessages.enrolled(PhoneChannel.SMS)));
        assertEquals("Voice enrolled successfully",
                render(messages, PhoneMessages.enrolled(PhoneChannel.VOICE)));
        assertEquals("A code was sent by text message to ***-***-7890.",
                render(messages, PhoneMessages.sent(PhoneChannel.SMS, "***-***-7890")));
        assertEquals("A code was just sent. Please wait 25 seconds before requesting another.",
                render(messages, PhoneMessages.refusal(new PhoneCodeRules.Issued(null,
                        PhoneCodeRules.Refusal.COOLDOWN, 25))));
        assertEquals("Multi Factor Authentication Enrollment",
                messages.getProperty("phoneEnrollTitle"));
        assertTrue(messages.getProperty("phoneEnrollExplanation").startsWith("In order to sign "
                + "in to your account, we use multi-factor authentication, which requires you to "
                + "provide a cell phone number and/or a number to be able to receive phone calls "
                + "with a security code from our identity provider"));
        assertEquals("Enroll SMS (Text) Verification", messages.getProperty("phoneMethodSms"));
        assertEquals("Enroll Voice (Call) Verification", messages.getProperty("phoneMethodVoice"));
        assertEquals("Request Code", messages.getProperty("phoneRequestCode"));
        assertEquals("Verify Code", messages.getProperty("phoneVerifyCode"));
    }

    @Test
    void eventErrorNames() {
        assertEquals("phone_code_expired", PhoneMessages.eventError(PhoneCodeRules.Check.EXPIRED));
    }
}
