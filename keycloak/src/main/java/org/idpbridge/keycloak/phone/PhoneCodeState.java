package org.idpbridge.keycloak.phone;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What is remembered between requests about codes sent to one person: kept in the
 *  authentication session's notes (per login attempt, never in the user's attributes, so a
 *  code cannot outlive the sign-in it was sent for). */
public final class PhoneCodeState {
    String codeHash;
    long sentAtMillis;
    int wrongTries;
    boolean used;
    final List<Long> sendTimes = new ArrayList<>();

    public static PhoneCodeState fromNotes(Map<String, String> notes) {
        PhoneCodeState state = new PhoneCodeState();
        state.codeHash = notes.get("phone.code");
        state.sentAtMillis = parse(notes.get("phone.sentAt"));
        state.wrongTries = (int) parse(notes.get("phone.wrongTries"));
        state.used = Boolean.parseBoolean(notes.get("phone.used"));
        String sends = notes.getOrDefault("phone.sends", "");
        for (String t : sends.split(",")) {
            if (!t.isBlank()) {
                state.sendTimes.add(Long.parseLong(t));
            }
        }
        return state;
    }

    public Map<String, String> toNotes() {
        Map<String, String> notes = new HashMap<>();
        notes.put("phone.code", codeHash == null ? "" : codeHash);
        notes.put("phone.sentAt", Long.toString(sentAtMillis));
        notes.put("phone.wrongTries", Integer.toString(wrongTries));
        notes.put("phone.used", Boolean.toString(used));
        notes.put("phone.sends", String.join(",", sendTimes.stream().map(String::valueOf).toList()));
        return notes;
    }

    public boolean hasLiveCode() {
        return codeHash != null && !codeHash.isEmpty() && !used;
    }

    public int wrongTries() {
        return wrongTries;
    }

    private static long parse(String value) {
        try {
            return value == null || value.isEmpty() ? 0 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
