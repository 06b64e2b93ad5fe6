package org.idpbridge.keycloak.phone;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Dev only: files each text or call script in the dev outbox that the bridge's
 *  /dev/outbox page and the tests read (one JSON file per message, written atomically). */
public class DevPhoneSender implements PhoneSender {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path outbox;

    public DevPhoneSender(Path outbox) {
        this.outbox = outbox;
    }

    @Override
    public void send(PhoneChannel channel, String e164, String code, String planName)
            throws PhoneSendException {
        String body = channel == PhoneChannel.VOICE
                ? PhoneSender.callScript(code, planName) : PhoneSender.textMessage(code, planName);
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("channel", channel.key);
        message.put("to", e164);
        message.put("subject", null);
        message.put("body", body);
        message.put("sent_at", Instant.now().toString());
        String name = System.currentTimeMillis() + "-" + channel.key + "-" + UUID.randomUUID();
        try {
            Files.createDirectories(outbox);
            Path tmp = outbox.resolve(name + ".tmp");
            Files.writeString(tmp, JSON.writeValueAsString(message), StandardCharsets.UTF_8);
            Files.move(tmp, outbox.resolve(name + ".json"), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new PhoneSendException("dev outbox not writable", e);
        }
    }
}
