package org.idpbridge.keycloak.phone;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one sign-in (or one enrollment) remembers about its codes between requests. Kept in
 * the authentication session's notes: server side, per login attempt, gone when the attempt
 * ends or is restarted, so a code never outlives the sign-in it was sent for and nothing
 * about codes is written to the user. Codes themselves are never stored, only salted
 * SHA-256 digests (the salt is random per sign-in).
 */
public final class PhoneCodeState {
    /** Every note this class writes; the glue reads exactly these. */
    public static final List<String> NOTES = List.of("phone.salt", "phone.code", "phone.older",
            "phone.sentAt", "phone.wrongTries", "phone.used", "phone.sends");
    static final int OLDER_KEPT = 10;

    String salt = "";
    String codeHash = "";
    final List<String> olderHashes = new ArrayList<>();
    long sentAtMillis;
    int wrongTries;
    boolean used;
    final List<Long> sendTimes = new ArrayList<>();

    public static PhoneCodeState fromNotes(Map<String, String> notes) {
        PhoneCodeState state = new PhoneCodeState();
        state.salt = notes.getOrDefault("phone.salt", "");
        state.codeHash = notes.getOrDefault("phone.code", "");
        for (String h : notes.getOrDefault("phone.older", "").split(",")) {
            if (!h.isBlank()) {
                state.olderHashes.add(h);
            }
        }
        state.sentAtMillis = parse(notes.get("phone.sentAt"));
        state.wrongTries = (int) parse(notes.get("phone.wrongTries"));
        state.used = Boolean.parseBoolean(notes.get("phone.used"));
        for (String t : notes.getOrDefault("phone.sends", "").split(",")) {
            long time = parse(t);
            if (time > 0) {
                state.sendTimes.add(time);
            }
        }
        return state;
    }

    public Map<String, String> toNotes() {
        Map<String, String> notes = new HashMap<>();
        notes.put("phone.salt", salt);
        notes.put("phone.code", codeHash);
        notes.put("phone.older", String.join(",", olderHashes));
        notes.put("phone.sentAt", Long.toString(sentAtMillis));
        notes.put("phone.wrongTries", Integer.toString(wrongTries));
        notes.put("phone.used", Boolean.toString(used));
        notes.put("phone.sends", String.join(",", sendTimes.stream().map(String::valueOf).toList()));
        return notes;
    }

    /** A code was sent and has not been used yet (it may have expired). A page refresh
     *  shows the form again instead of sending another one. */
    public boolean hasUnusedCode() {
        return !codeHash.isEmpty() && !used;
    }

    public int wrongTries() {
        return wrongTries;
    }

    public long sentAtMillis() {
        return sentAtMillis;
    }

    private static long parse(String value) {
        try {
            return value == null || value.isBlank() ? 0 : Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
