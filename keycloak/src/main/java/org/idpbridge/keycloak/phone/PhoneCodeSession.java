package org.idpbridge.keycloak.phone;

import java.io.IOException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.jboss.logging.Logger;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.SingleUseObjectProvider;
import org.keycloak.models.UserModel;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.keycloak.theme.Theme;

/**
 * Glue between the plain rules and Keycloak. Code state lives in the authentication
 * session's notes ({@link PhoneCodeState}); the hourly send history per user and per number
 * lives in Keycloak's single-use object store (cluster-wide, expires by itself, survives the
 * end of a sign-in, which is the point of an hourly cap); the sender is the
 * {@code phone-sender} SPI's default provider (Keycloak's own choice: the
 * {@code spi-phone-sender--provider} option, else the highest {@code order()}).
 */
public final class PhoneCodeSession {
    private static final Logger LOG = Logger.getLogger(PhoneCodeSession.class);
    private static final long HOUR_SECONDS = 3600;

    private final KeycloakSession session;
    private final RealmModel realm;
    private final AuthenticationSessionModel authSession;
    private final PhoneCodeRules rules;

    public PhoneCodeSession(KeycloakSession session, RealmModel realm,
                            AuthenticationSessionModel authSession) {
        this.session = session;
        this.realm = realm;
        this.authSession = authSession;
        this.rules = PhoneCodeRules.standard(PhoneCodePolicy.resolve(realm::getAttribute,
                PhoneCodeAuthenticatorFactory.deploymentPolicy(session)));
    }

    public PhoneCodeState load() {
        Map<String, String> notes = new HashMap<>();
        for (String key : PhoneCodeState.NOTES) {
            String value = authSession.getAuthNote(key);
            if (value != null) {
                notes.put(key, value);
            }
        }
        return PhoneCodeState.fromNotes(notes);
    }

    private void save(PhoneCodeState state) {
        state.toNotes().forEach(authSession::setAuthNote);
    }

    /** Issue and send a code; returns null when it was sent, else what to tell the person. */
    public PhoneMessages.Message sendCode(UserModel user, String e164, PhoneChannel channel) {
        SingleUseObjectProvider store = session.singleUseObjects();
        String userKey = "idp-bridge.phone-sends.user." + user.getId();
        String numberKey = "idp-bridge.phone-sends.number." + e164;
        SendHistory byUser = history(store, userKey);
        SendHistory byNumber = history(store, numberKey);
        PhoneCodeState state = load();
        PhoneCodeRules.Issued issued = rules.issue(state, byUser, byNumber);
        if (!issued.ok()) {
            LOG.debugf("phone code to %s for user %s not sent: %s", PhoneNumbers.mask(e164),
                    user.getId(), issued.refusal());
            return PhoneMessages.refusal(issued);
        }
        PhoneSender sender = session.getProvider(PhoneSender.class);
        try {
            sender.send(new PhoneMessage(channel, e164, issued.code(), planName(),
                    rules.policy().lifetime()));
        } catch (PhoneSendException | RuntimeException e) {
            // The cause goes to the log; no sender puts the code in an exception.
            LOG.warnf(e, "phone code by %s to %s for user %s (realm %s) not sent", channel.key,
                    PhoneNumbers.mask(e164), user.getId(), realm.getName());
            return new PhoneMessages.Message(PhoneMessages.SEND_FAILED);
        }
        LOG.infof("phone code sent by %s to %s for user %s (realm %s)", channel.key,
                PhoneNumbers.mask(e164), user.getId(), realm.getName());
        save(state);
        keep(store, userKey, byUser);
        keep(store, numberKey, byNumber);
        return null;
    }

    /** Check a typed code (counting a wrong try in the session when it is one). */
    public PhoneCodeRules.Check check(String typed) {
        PhoneCodeState state = load();
        PhoneCodeRules.Check result = rules.check(state, typed);
        save(state);
        return result;
    }

    public int triesLeft() {
        return rules.triesLeft(load());
    }

    public boolean locked() {
        return rules.triesLeft(load()) == 0;
    }

    /** Forget the code after it was used (wrong tries and send counts stay). */
    public void forgetCode() {
        for (String key : new String[] {"phone.code", "phone.older", "phone.sentAt",
            "phone.used"}) {
            authSession.removeAuthNote(key);
        }
    }

    /** The plan's name as the login theme spells it ({@code planName} message), else the
     *  realm's display name. */
    String planName() {
        try {
            Theme theme = session.theme().getTheme(Theme.Type.LOGIN);
            String name = theme.getMessages(Locale.ENGLISH).getProperty("planName");
            if (name != null && !name.isBlank()) {
                return name.trim();
            }
        } catch (IOException | RuntimeException e) {
            LOG.debugf("no planName in the login theme: %s", e.getMessage());
        }
        String display = realm.getDisplayName();
        return display == null || display.isBlank() ? "Health Plan" : display;
    }

    private static SendHistory history(SingleUseObjectProvider store, String key) {
        Map<String, String> stored = store.get(key);
        return SendHistory.parse(stored == null ? null : stored.get("times"));
    }

    private static void keep(SingleUseObjectProvider store, String key, SendHistory history) {
        store.remove(key);
        store.put(key, HOUR_SECONDS, Map.of("times", history.format()));
    }
}
