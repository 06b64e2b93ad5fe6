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
    // Authentication-session note keys, one constant each (the glue reads exactly NOTES).
    static final String SALT = "phone.salt";
    static final String CODE = "phone.code";
    static final String OLDER = "phone.older";
    static final String SENT_AT = "phone.sentAt";
    static final String WRONG_TRIES = "phone.wrongTries";
    static final String USED = "phone.used";
    static final String SENDS = "phone.sends";
    /** Every note this class writes; the glue reads exactly these. */
    public static final List<String> NOTES = List.of(SALT, CODE, OLDER, SENT_AT, WRONG_TRIES,
            USED, SENDS);
    /** The notes of the current code, forgotten once it was used (wrong tries and send
     *  counts stay for the rest of the sign-in). */
    static final List<String> CODE_NOTES = List.of(CODE, OLDER, SENT_AT, USED);
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
        state.salt = notes.getOrDefault(SALT, "");
        state.codeHash = notes.getOrDefault(CODE, "");
        for (String h : notes.getOrDefault(OLDER, "").split(",")) {
            if (!h.isBlank()) {
                state.olderHashes.add(h);
            }
        }
        state.sentAtMillis = parse(notes.get(SENT_AT));
        state.wrongTries = (int) parse(notes.get(WRONG_TRIES));
        state.used = Boolean.parseBoolean(notes.get(USED));
        for (String t : notes.getOrDefault(SENDS, "").split(",")) {
            long time = parse(t);
            if (time > 0) {
                state.sendTimes.add(time);
            }
        }
        return state;
    }

    public Map<String, String> toNotes() {
        Map<String, String> notes = new HashMap<>();
        notes.put(SALT, salt);
        notes.put(CODE, codeHash);
        notes.put(OLDER, String.join(",", olderHashes));
        notes.put(SENT_AT, Long.toString(sentAtMillis));
        notes.put(WRONG_TRIES, Integer.toString(wrongTries));
        notes.put(USED, Boolean.toString(used));
        notes.put(SENDS, String.join(",", sendTimes.stream().map(String::valueOf).toList()));
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
