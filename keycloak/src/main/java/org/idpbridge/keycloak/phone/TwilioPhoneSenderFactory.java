package org.idpbridge.keycloak.phone;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import org.jboss.logging.Logger;
import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/**
 * {@code twilio}: a Twilio-compatible API, configured by SPI options
 * ({@code --spi-phone-sender--twilio--account-sid=...}, or
 * {@code KC_SPI_PHONE_SENDER__TWILIO__ACCOUNT_SID}; see {@link TwilioSettings}).
 *
 * <p>It has the highest {@link #order()}, so it is the {@code phone-sender} default unless the
 * deployment names another ({@code spi-phone-sender--provider=dev}): a production server never
 * falls back to the dev outbox by accident. When it is the sender Keycloak chose, a missing or
 * malformed option stops the boot.
 */
public class TwilioPhoneSenderFactory implements PhoneSenderFactory {
    public static final String ID = "twilio";
    private static final Logger LOG = Logger.getLogger(TwilioPhoneSenderFactory.class);
    private TwilioSettings settings;
    private HttpClient http;

    @Override
    public void init(Config.Scope config) {
        settings = TwilioSettings.fromOptions(config::get);
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
        if (factory.getProviderFactory(PhoneSender.class) != this) {
            return;  // another sender was chosen; these options are not used
        }
        List<String> problems = settings.problems();
        if (!problems.isEmpty()) {
            throw new IllegalStateException("phone-sender 'twilio' cannot send codes: "
                    + String.join("; ", problems) + " (options spi-phone-sender--twilio--<name>,"
                    + " or choose another sender with spi-phone-sender--provider)");
        }
        LOG.infof("phone codes are sent through %s", settings);
    }

    @Override
    public PhoneSender create(KeycloakSession session) {
        return new TwilioPhoneSender(settings.baseUrl(), settings.accountSid(),
                settings.authToken(), settings.fromNumber(), http);
    }

    @Override
    public int order() {
        return 100;
    }

    @Override
    public List<ProviderConfigProperty> getConfigMetadata() {
        return ProviderConfigurationBuilder.create()
                .property().name(TwilioSettings.ACCOUNT_SID).type(ProviderConfigProperty.STRING_TYPE)
                .helpText("Account SID of the Twilio-compatible API.").add()
                .property().name(TwilioSettings.AUTH_TOKEN).type(ProviderConfigProperty.PASSWORD)
                .helpText("Auth token of that account.").secret(true).add()
                .property().name(TwilioSettings.FROM_NUMBER).type(ProviderConfigProperty.STRING_TYPE)
                .helpText("The number texts and calls come from, E.164 (+16085550100).").add()
                .property().name(TwilioSettings.BASE_URL).type(ProviderConfigProperty.STRING_TYPE)
                .helpText("Base URL of the API.").defaultValue(TwilioSettings.DEFAULT_BASE_URL)
                .add()
                .build();
    }

    @Override
    public String getId() {
        return ID;
    }
}
