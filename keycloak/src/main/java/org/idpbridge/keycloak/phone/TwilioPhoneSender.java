package org.idpbridge.keycloak.phone;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** A Twilio-compatible REST API: Messages for texts, Calls (TwiML Say) for voice. */
public class TwilioPhoneSender implements PhoneSender {
    private final String baseUrl;
    private final String accountSid;
    private final String authToken;
    private final String fromNumber;
    private final HttpClient http;

    public TwilioPhoneSender(String baseUrl, String accountSid, String authToken,
                             String fromNumber, HttpClient http) {
        this.baseUrl = baseUrl.replaceAll("/+$", "");
        this.accountSid = accountSid;
        this.authToken = authToken;
        this.fromNumber = fromNumber;
        this.http = http;
    }

    @Override
    public void send(PhoneChannel channel, String e164, String code, String planName)
            throws PhoneSendException {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("To", e164);
        form.put("From", fromNumber);
        String resource;
        if (channel == PhoneChannel.VOICE) {
            resource = "Calls.json";
            form.put("Twiml", "<Response><Say>" + PhoneSender.callScript(code, planName)
                    .replaceAll("\\s*\\(\\d{6}\\)$", "") + "</Say></Response>");
        } else {
            resource = "Messages.json";
            form.put("Body", PhoneSender.textMessage(code, planName));
        }
        String auth = Base64.getEncoder().encodeToString(
                (accountSid + ":" + authToken).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(
                        baseUrl + "/2010-04-01/Accounts/" + accountSid + "/" + resource))
                .timeout(Duration.ofSeconds(15))
                .header("Authorization", "Basic " + auth)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(encode(form)))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                // Status only: the request carried the code, the response may echo it.
                throw new PhoneSendException("provider answered " + response.statusCode(), null);
            }
        } catch (IOException e) {
            throw new PhoneSendException("provider unreachable", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PhoneSendException("interrupted", e);
        }
    }

    private static String encode(Map<String, String> form) {
        return form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }
}
