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

/**
 * A Twilio-compatible REST API: {@code POST {base}/2010-04-01/Accounts/{sid}/Messages.json}
 * (form {@code To, From, Body}) for texts, {@code .../Calls.json} (form {@code To, From,
 * Twiml} with {@code <Response><Say>}) for calls; HTTP basic auth {@code sid:token}.
 * Nothing it logs or throws contains the code.
 */
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
    public void send(PhoneMessage message) throws PhoneSendException {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("To", message.to());
        form.put("From", fromNumber);
        String resource;
        if (message.channel() == PhoneChannel.VOICE) {
            resource = "Calls.json";
            form.put("Twiml", PhoneScripts.twiml(message.code(), message.planName(),
                    message.validFor()));
        } else {
            resource = "Messages.json";
            form.put("Body", PhoneScripts.text(message.code(), message.planName(),
                    message.validFor()));
        }
        String auth = Base64.getEncoder().encodeToString(
                (accountSid + ":" + authToken).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/2010-04-01/Accounts/"
                        + URLEncoder.encode(accountSid, StandardCharsets.UTF_8) + "/" + resource))
                .timeout(Duration.ofSeconds(15))
                .header("Authorization", "Basic " + auth)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(encode(form)))
                .build();
        HttpResponse<Void> response;
        try {
            // The response body may echo the message (and so the code): it is never read.
            response = http.send(request, HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            // The HTTP client's exceptions carry the address, never the request body.
            throw new PhoneSendException("phone provider unreachable at " + baseUrl, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PhoneSendException("interrupted while sending", e);
        }
        if (response.statusCode() / 100 != 2) {
            throw new PhoneSendException("phone provider answered HTTP " + response.statusCode()
                    + " to " + resource, null);
        }
    }

    private static String encode(Map<String, String> form) {
        return form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }
}
