package org.idpbridge.keycloak.phone;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
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
    /** Single-use store keys of the hourly send budgets ({@link SendBudget}). */
    static final String BUDGET_PREFIX = "idp-bridge.phone-budget.";

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
        PhoneCodeState state = load();
        PhoneCodeRules.Issued issued = rules.issue(state);
        if (!issued.ok()) {
            LOG.debugf("phone code to %s for user %s not sent: %s", PhoneNumbers.mask(e164),
                    user.getId(), issued.refusal());
            PhoneCodeMetrics.refused(issued.refusal().name().toLowerCase(java.util.Locale.ROOT));
            return PhoneMessages.refusal(issued);
        }
        String address = clientAddress();
        SendBudget.Slots slots = slots(session.singleUseObjects());
        SendBudget.Outcome taken = SendBudget.take(slots, budgets(user, e164, address));
        if (!taken.ok()) {
            // One message for every budget: it never tells that another account uses a number.
            // The log names the budget, for the plan's administrators (docs/security.md).
            LOG.infof("phone code to %s for user %s from %s (realm %s) not sent: hourly budget "
                    + "%s (%d) spent", PhoneNumbers.mask(e164), user.getId(), address,
                    realm.getName(), budgetName(taken.spent()), taken.spent().limit());
            PhoneCodeMetrics.refused("budget_" + budgetName(taken.spent()));
            return PhoneMessages.refusal(new PhoneCodeRules.Issued(null,
                    PhoneCodeRules.Refusal.TOO_MANY_SENDS, 0));
        }
        PhoneSender sender = session.getProvider(PhoneSender.class);
        try {
            sender.send(new PhoneMessage(channel, e164, issued.code(), planName(),
                    rules.policy().lifetime()));
        } catch (PhoneSendException | RuntimeException e) {
            SendBudget.release(slots, taken.taken());  // nothing was sent
            // The cause goes to the log; no sender puts the code in an exception.
            LOG.warnf(e, "phone code by %s to %s for user %s (realm %s) not sent", channel.key,
                    PhoneNumbers.mask(e164), user.getId(), realm.getName());
            PhoneCodeMetrics.refused("send_failed");
            return new PhoneMessages.Message(PhoneMessages.SEND_FAILED);
        }
        PhoneCodeMetrics.sent(channel);
        LOG.infof("phone code sent by %s to %s for user %s from %s (realm %s)", channel.key,
                PhoneNumbers.mask(e164), user.getId(), address, realm.getName());
        save(state);
        return null;
    }

    /** Hourly budgets, all taken or none: per user and per number (the policy's per-hour
     *  cap), per client address and for the whole deployment. */
    private List<SendBudget.Budget> budgets(UserModel user, String e164, String address) {
        PhoneCodePolicy policy = rules.policy();
        return List.of(
                new SendBudget.Budget(BUDGET_PREFIX + "user." + user.getId(),
                        policy.maxSendsPerHour()),
                new SendBudget.Budget(BUDGET_PREFIX + "number." + e164, policy.maxSendsPerHour()),
                new SendBudget.Budget(BUDGET_PREFIX + "address." + address,
                        policy.maxSendsPerAddressPerHour()),
                new SendBudget.Budget(BUDGET_PREFIX + "total", policy.maxSendsTotalPerHour()));
    }

    /** "user", "number", "address" or "total": which budget, without whose. */
    private static String budgetName(SendBudget.Budget budget) {
        String rest = budget.key().substring(BUDGET_PREFIX.length());
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }

    /** The client's address as Keycloak sees it (behind the proxy: the forwarded one, with
     *  {@code proxy-headers} set), bounded for use in a key. */
    private String clientAddress() {
        var connection = session.getContext().getConnection();
        String address = connection == null ? null : connection.getRemoteAddr();
        if (address == null || address.isBlank()) {
            return "unknown";
        }
        return address.length() > 64 ? address.substring(0, 64) : address;
    }

    /** Keycloak's single-use object store: cluster-wide, put-if-absent atomic. */
    private static SendBudget.Slots slots(SingleUseObjectProvider store) {
        return new SendBudget.Slots() {
            @Override
            public boolean contains(String key) {
                return store.contains(key);
            }

            @Override
            public boolean putIfAbsent(String key, long lifespanSeconds) {
                return store.putIfAbsent(key, lifespanSeconds);
            }

            @Override
            public void remove(String key) {
                store.remove(key);
            }
        };
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
        PhoneCodeState.CODE_NOTES.forEach(authSession::removeAuthNote);
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
}
