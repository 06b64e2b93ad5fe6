package org.idpbridge.keycloak.phone;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Development only: files each text or call script in the dev outbox that the bridge's
 * {@code /dev/outbox} page and the tests read. One UTF-8 JSON file per message, named
 * {@code <epoch_millis>-<channel>-<uuid>.json}, written atomically (a {@code .tmp} file
 * renamed into place): {@code {"channel","to","subject":null,"body","code","sent_at"}}. The
 * body is what the person would read or hear (a call's digits spaced, as spoken); the code is
 * its own field, so nothing has to dig it out of the words.
 */
public class DevPhoneSender implements PhoneSender {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path outbox;
    private final Clock clock;

    public DevPhoneSender(Path outbox) {
        this(outbox, Clock.systemUTC());
    }

    public DevPhoneSender(Path outbox, Clock clock) {
        this.outbox = outbox;
        this.clock = clock;
    }

    @Override
    public void send(PhoneMessage message) throws PhoneSendException {
        String body = message.channel() == PhoneChannel.VOICE
                ? PhoneScripts.spoken(message.code(), message.planName(), message.validFor())
                : PhoneScripts.text(message.code(), message.planName(), message.validFor());
        Instant now = clock.instant();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("channel", message.channel().key);
        json.put("to", message.to());
        json.put("subject", null);
        json.put("body", body);
        json.put("code", message.code());
        json.put("sent_at", now.toString());
        String name = now.toEpochMilli() + "-" + message.channel().key + "-" + UUID.randomUUID();
        try {
            Files.createDirectories(outbox);
            Path tmp = outbox.resolve(name + ".tmp");
            Path target = outbox.resolve(name + ".json");
            Files.write(tmp, JSON.writeValueAsBytes(json));
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new PhoneSendException("dev outbox " + outbox + " is not writable", e);
        }
    }
}
