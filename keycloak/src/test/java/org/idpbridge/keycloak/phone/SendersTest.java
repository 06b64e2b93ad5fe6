package org.idpbridge.keycloak.phone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SendersTest {
    private static final Duration TEN_MINUTES = Duration.ofMinutes(10);
    private static final Pattern SIX_DIGITS = Pattern.compile("\\b\\d{6}\\b");

    /** One request the fake provider received. */
    record Recorded(String method, String path, String authorization, String contentType,
                    Map<String, String> form) {
    }

    private HttpServer provider;
    private final List<Recorded> requests = new ArrayList<>();
    private volatile int status = 201;

    @BeforeEach
    void startProvider() throws IOException {
        provider = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        provider.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(),
                    StandardCharsets.UTF_8);
            Map<String, String> form = new LinkedHashMap<>();
            for (String pair : body.split("&")) {
                String[] kv = pair.split("=", 2);
                form.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                        kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
            }
            requests.add(new Recorded(exchange.getRequestMethod(),
                    exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    exchange.getRequestHeaders().getFirst("Content-Type"), form));
            byte[] answer = ("{\"sid\":\"SM1\",\"body\":\"" + form.getOrDefault("Body", "")
                    + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        provider.start();
    }

    @AfterEach
    void stopProvider() {
        provider.stop(0);
    }

    private TwilioPhoneSender twilio() {
        return new TwilioPhoneSender("http://127.0.0.1:" + provider.getAddress().getPort() + "/",
                "AC123", "s3cret", "+16085550000", HttpClient.newHttpClient());
    }

    private static PhoneMessage message(PhoneChannel channel, String code, String plan) {
        return new PhoneMessage(channel, "+16085551234", code, plan, TEN_MINUTES);
    }

    @Test
    void aTextGoesToTheMessagesApi() throws Exception {
        twilio().send(message(PhoneChannel.SMS, "123456", "Dean Health Plan"));
        assertEquals(1, requests.size());
        Recorded r = requests.get(0);
        assertEquals("POST", r.method());
        assertEquals("/2010-04-01/Accounts/AC123/Messages.json", r.path());
        assertEquals("Basic " + Base64.getEncoder().encodeToString(
                "AC123:s3cret".getBytes(StandardCharsets.UTF_8)), r.authorization());
        assertEquals("application/x-www-form-urlencoded", r.contentType());
        assertEquals(List.of("To", "From", "Body"), List.copyOf(r.form().keySet()));
        assertEquals("+16085551234", r.form().get("To"));
        assertEquals("+16085550000", r.form().get("From"));
        assertEquals("Your Dean Health Plan Provider Portal security code is 123456. It expires "
                + "in 10 minutes. Do not share this code.", r.form().get("Body"));
    }

    @Test
    void aCallGoesToTheCallsApiAndSaysTheDigits() throws Exception {
        twilio().send(message(PhoneChannel.VOICE, "123456", "WellFirst Health"));
        Recorded r = requests.get(0);
        assertEquals("/2010-04-01/Accounts/AC123/Calls.json", r.path());
        assertEquals(List.of("To", "From", "Twiml"), List.copyOf(r.form().keySet()));
        String twiml = r.form().get("Twiml");
        assertTrue(twiml.startsWith("<Response><Say>") && twiml.endsWith("</Say></Response>"),
                twiml);
        assertTrue(twiml.contains("WellFirst Health Provider Portal"));
        assertTrue(twiml.contains("1 2 3 4 5 6. Again, your security code is 1 2 3 4 5 6."));
        assertFalse(twiml.contains("123456"), "a voice would read it as a large number");
    }

    @Test
    void twimlIsEscaped() throws Exception {
        twilio().send(message(PhoneChannel.VOICE, "123456", "A & B <Health>"));
        String twiml = requests.get(0).form().get("Twiml");
        assertTrue(twiml.contains("A &amp; B &lt;Health&gt;"), twiml);
    }

    @Test
    void providerErrorsAreReportedWithoutTheCode() {
        status = 400;
        PhoneSendException error = assertThrows(PhoneSendException.class, () ->
                twilio().send(message(PhoneChannel.SMS, "654321", "Dean Health Plan")));
        assertFalse(error.getMessage().contains("654321"));
        assertTrue(error.getMessage().contains("400"));
        assertNull(error.getCause());
    }

    @Test
    void anUnreachableProviderIsReportedWithoutTheCode() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            closed = socket.getLocalPort();
        }
        TwilioPhoneSender sender = new TwilioPhoneSender("http://127.0.0.1:" + closed, "AC1",
                "t", "+16085550000", HttpClient.newHttpClient());
        PhoneSendException error = assertThrows(PhoneSendException.class, () ->
                sender.send(message(PhoneChannel.SMS, "654321", "Dean Health Plan")));
        assertFalse(error.getMessage().contains("654321"));
    }

    @Test
    void twilioSettingsNameEachProblemAndNeverPrintTheToken() {
        TwilioSettings none = TwilioSettings.fromOptions(name -> null);
        assertEquals("https://api.twilio.com", none.baseUrl());
        assertEquals(List.of("account-sid is not set", "auth-token is not set",
                "from-number is not set"), none.problems());
        Map<String, String> options = Map.of("account-sid", "AC1", "auth-token", "s3cret",
                "from-number", "608-555-0100", "base-url", "ftp://example.org");
        TwilioSettings bad = TwilioSettings.fromOptions(options::get);
        assertEquals(List.of("from-number must be an E.164 number such as +16085550100",
                "base-url must be an http(s) URL"), bad.problems());
        TwilioSettings good = TwilioSettings.fromOptions(Map.of("account-sid", "AC1",
                "auth-token", "s3cret", "from-number", "+16085550100")::get);
        assertEquals(List.of(), good.problems());
        assertFalse(good.toString().contains("s3cret"));
    }

    @Test
    void theMessageNeverPrintsItsCode() {
        assertFalse(message(PhoneChannel.SMS, "654321", "Dean").toString().contains("654321"));
    }

    @Test
    void theDevSenderFilesEachMessageInTheOutbox(@TempDir Path outbox) throws Exception {
        MutableClock clock = new MutableClock();
        DevPhoneSender sender = new DevPhoneSender(outbox.resolve("new-dir"), clock);
        sender.send(message(PhoneChannel.SMS, "246810", "Dean Health Plan"));
        clock.advance(Duration.ofMillis(5));
        sender.send(message(PhoneChannel.VOICE, "013579", "Dean Health Plan"));
        List<Path> files;
        try (var listing = Files.list(outbox.resolve("new-dir"))) {
            files = listing.sorted().toList();
        }
        assertEquals(2, files.size(), "no .tmp file is left behind");
        ObjectMapper json = new ObjectMapper();
        String[] channels = {"sms", "voice"};
        String[] codes = {"246810", "013579"};
        for (int i = 0; i < 2; i++) {
            String name = files.get(i).getFileName().toString();
            assertTrue(name.matches("\\d{13}-" + channels[i] + "-[0-9a-f-]{36}\\.json"), name);
            JsonNode m = json.readTree(Files.readString(files.get(i), StandardCharsets.UTF_8));
            assertEquals(List.of("channel", "to", "subject", "body", "code", "sent_at"),
                    iterate(m.fieldNames()));
            assertEquals(codes[i], m.get("code").asText(), "the code as its own field");
            assertEquals(channels[i], m.get("channel").asText());
            assertEquals("+16085551234", m.get("to").asText());
            assertTrue(m.get("subject").isNull());
            Instant sent = Instant.parse(m.get("sent_at").asText());
            assertTrue(m.get("sent_at").asText().endsWith("Z"));
            assertEquals(Long.parseLong(name.substring(0, 13)), sent.toEpochMilli());
        }
        Matcher text = SIX_DIGITS.matcher(json.readTree(files.get(0).toFile()).get("body").asText());
        assertTrue(text.find());
        assertEquals("246810", text.group(), "a text holds the code as the person reads it");
        String call = json.readTree(files.get(1).toFile()).get("body").asText();
        assertTrue(call.contains("0 1 3 5 7 9"), "a call's body is what is said");
        assertFalse(SIX_DIGITS.matcher(call).find());
    }

    @Test
    void anUnwritableOutboxIsASendFailure(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        assertThrows(PhoneSendException.class, () -> new DevPhoneSender(file)
                .send(message(PhoneChannel.SMS, "111111", "Dean")));
    }

    private static List<String> iterate(java.util.Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
