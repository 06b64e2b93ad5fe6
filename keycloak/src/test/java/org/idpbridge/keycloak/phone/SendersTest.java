package org.idpbridge.keycloak.phone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SendersTest {
    private HttpServer provider;
    private final List<String[]> requests = new ArrayList<>();  // path, auth, body
    private int status = 201;

    @BeforeEach
    void startProvider() throws IOException {
        provider = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        provider.createContext("/", exchange -> {
            requests.add(new String[] {exchange.getRequestURI().getPath(),
                exchange.getRequestHeaders().getFirst("Authorization"),
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)});
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        provider.start();
    }

    @AfterEach
    void stopProvider() {
        provider.stop(0);
    }

    private TwilioPhoneSender sender() {
        return new TwilioPhoneSender("http://127.0.0.1:" + provider.getAddress().getPort(),
                "AC123", "secret", "+16085550000", HttpClient.newHttpClient());
    }

    @Test
    void textGoesToTheMessagesApi() throws Exception {
        sender().send(PhoneChannel.SMS, "+16085551234", "123456", "Dean Health Plan");
        String[] request = requests.get(0);
        assertEquals("/2010-04-01/Accounts/AC123/Messages.json", request[0]);
        assertTrue(request[1].startsWith("Basic "));
        String body = URLDecoder.decode(request[2], StandardCharsets.UTF_8);
        assertTrue(body.contains("To=+16085551234"));
        assertTrue(body.contains("From=+16085550000"));
        assertTrue(body.contains("security code is 123456"));
    }

    @Test
    void voiceGoesToTheCallsApiWithASpokenCode() throws Exception {
        sender().send(PhoneChannel.VOICE, "+16085551234", "123456", "WellFirst Health");
        String[] request = requests.get(0);
        assertEquals("/2010-04-01/Accounts/AC123/Calls.json", request[0]);
        String body = URLDecoder.decode(request[2], StandardCharsets.UTF_8);
        assertTrue(body.contains("<Response><Say>"));
        assertTrue(body.contains("1 2 3 4 5 6"));
    }

    @Test
    void providerErrorsAreReportedWithoutTheCode() {
        status = 400;
        PhoneSendException error = assertThrows(PhoneSendException.class, () ->
                sender().send(PhoneChannel.SMS, "+16085551234", "654321", "Dean Health Plan"));
        assertTrue(!error.getMessage().contains("654321"));
    }

    @Test
    void devSenderFilesTheMessageInTheOutbox(@TempDir Path outbox) throws Exception {
        new DevPhoneSender(outbox).send(PhoneChannel.VOICE, "+16085551234", "246810", "Dean");
        List<Path> files = Files.list(outbox).toList();
        assertEquals(1, files.size());
        String json = Files.readString(files.get(0));
        assertTrue(files.get(0).getFileName().toString().matches("\\d+-voice-.+\\.json"));
        assertTrue(json.contains("\"channel\":\"voice\""));
        assertTrue(json.contains("\"to\":\"+16085551234\""));
        assertTrue(json.contains("246810"));
    }
}
