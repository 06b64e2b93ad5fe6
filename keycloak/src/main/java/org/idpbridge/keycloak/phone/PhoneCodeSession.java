package org.idpbridge.keycloak.phone;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.SingleUseObjectProvider;
import org.keycloak.sessions.AuthenticationSessionModel;

/** Glue between the plain rules and Keycloak: code state in the authentication session,
 *  hourly send caps per user and per number in Keycloak's cluster-wide single-use store,
 *  and the configured sender. */
public final class PhoneCodeSession {
    private static final long HOUR_SECONDS = 3600;
    private final KeycloakSession session;
    private final AuthenticationSessionModel authSession;
    final PhoneCodePolicy policy = PhoneCodePolicy.fromEnvironment(System.getenv());
    final PhoneCodeRules rules = PhoneCodeRules.standard(policy);

    public PhoneCodeSession(KeycloakSession session, AuthenticationSessionModel authSession) {
        this.session = session;
        this.authSession = authSession;
    }

    public PhoneCodeState load() {
        Map<String, String> notes = new HashMap<>();
        for (String key : List.of("phone.code", "phone.sentAt", "phone.wrongTries", "phone.used",
                "phone.sends")) {
            String value = authSession.getAuthNote(key);
            if (value != null) {
                notes.put(key, value);
            }
        }
        return PhoneCodeState.fromNotes(notes);
    }

    public void save(PhoneCodeState state) {
        state.toNotes().forEach(authSession::setAuthNote);
    }

    public void reset() {
        for (String key : List.of("phone.code", "phone.sentAt", "phone.used")) {
            authSession.removeAuthNote(key);
        }
    }

    /** Issue and send a code; returns null when sent, else the message to show. */
    public String sendCode(String userId, String e164, PhoneChannel channel, String planName) {
        if (!underHourlyCap("phone-sends:user:" + userId)
                || !underHourlyCap("phone-sends:number:" + e164)) {
            return "Too many codes have been requested. Please try again later.";
        }
        PhoneCodeState state = load();
        PhoneCodeRules.Issued issued = rules.issue(state);
        if (!issued.ok()) {
            return issued.refusal() == PhoneCodeRules.Refusal.COOLDOWN
                    ? "A code was just sent. Please wait " + issued.waitSeconds()
                      + " seconds before requesting another."
                    : "Too many codes have been requested. Please try again later.";
        }
        try {
            sender().send(channel, e164, issued.code(), planName);
        } catch (PhoneSendException e) {
            return "The code could not be sent. Please check the number and try again.";
        }
        save(state);
        record("phone-sends:user:" + userId);
        record("phone-sends:number:" + e164);
        return null;
    }

    public PhoneCodeRules.Check check(String typed) {
        PhoneCodeState state = load();
        PhoneCodeRules.Check result = rules.check(state, typed);
        save(state);
        return result;
    }

    public int triesLeft() {
        return rules.triesLeft(load());
    }

    private PhoneSender sender() {
        String id = System.getenv().getOrDefault("IDP_PHONE_SENDER", DevPhoneSenderFactory.ID);
        return session.getProvider(PhoneSender.class, id);
    }

    private boolean underHourlyCap(String key) {
        return times(key).size() < policy.maxSendsPerHour() * 2;
    }

    private List<Long> times(String key) {
        SingleUseObjectProvider store = session.singleUseObjects();
        Map<String, String> notes = store.get(key);
        List<Long> times = new ArrayList<>();
        long now = System.currentTimeMillis();
        if (notes != null) {
            for (String t : notes.getOrDefault("times", "").split(",")) {
                if (!t.isBlank() && now - Long.parseLong(t) < HOUR_SECONDS * 1000) {
                    times.add(Long.parseLong(t));
                }
            }
        }
        return times;
    }

    private void record(String key) {
        List<Long> times = times(key);
        times.add(System.currentTimeMillis());
        Map<String, String> notes = Map.of("times",
                String.join(",", times.stream().map(String::valueOf).toList()));
        SingleUseObjectProvider store = session.singleUseObjects();
        if (!store.replace(key, notes)) {
            store.put(key, HOUR_SECONDS, notes);
        }
    }
}
