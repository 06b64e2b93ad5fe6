package org.idpbridge.keycloak.phone;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The Twilio-compatible sender's SPI options ({@code spi-phone-sender--twilio--<option>}),
 * checked once at boot so a misconfigured deployment stops there instead of at the first send.
 *
 * @param baseUrl    the API's base URL ({@code base-url}, default {@code https://api.twilio.com})
 * @param accountSid the account ({@code account-sid})
 * @param authToken  its token ({@code auth-token}); never logged
 * @param fromNumber the sending number ({@code from-number}), E.164
 */
public record TwilioSettings(String baseUrl, String accountSid, String authToken,
                             String fromNumber) {
    public static final String BASE_URL = "base-url";
    public static final String ACCOUNT_SID = "account-sid";
    public static final String AUTH_TOKEN = "auth-token";
    public static final String FROM_NUMBER = "from-number";
    public static final String DEFAULT_BASE_URL = "https://api.twilio.com";

    public static TwilioSettings fromOptions(Function<String, String> options) {
        String base = options.apply(BASE_URL);
        return new TwilioSettings(base == null || base.isBlank() ? DEFAULT_BASE_URL : base.strip(),
                strip(options.apply(ACCOUNT_SID)), strip(options.apply(AUTH_TOKEN)),
                strip(options.apply(FROM_NUMBER)));
    }

    /** What is wrong, one line per option (empty when the sender can work). */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (accountSid.isEmpty()) {
            problems.add(ACCOUNT_SID + " is not set");
        }
        if (authToken.isEmpty()) {
            problems.add(AUTH_TOKEN + " is not set");
        }
        if (fromNumber.isEmpty()) {
            problems.add(FROM_NUMBER + " is not set");
        } else if (!fromNumber.matches("\\+[1-9]\\d{6,14}")) {
            problems.add(FROM_NUMBER + " must be an E.164 number such as +16085550100");
        }
        try {
            URI uri = URI.create(baseUrl);
            if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))
                    || uri.getHost() == null) {
                problems.add(BASE_URL + " must be an http(s) URL");
            }
        } catch (IllegalArgumentException e) {
            problems.add(BASE_URL + " must be an http(s) URL");
        }
        return problems;
    }

    @Override
    public String toString() {  // never print the token
        return "TwilioSettings[" + baseUrl + ", account " + accountSid + ", from "
                + PhoneNumbers.mask(fromNumber) + "]";
    }

    private static String strip(String value) {
        return value == null ? "" : value.strip();
    }
}
