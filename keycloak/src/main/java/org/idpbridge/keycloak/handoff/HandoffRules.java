package org.idpbridge.keycloak.handoff;

import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The decisions of the registration hand-off, in plain Java (unit-tested without a server):
 * who may get a link, and which parts of the bridge's authorization request it carries.
 */
public final class HandoffRules {
    /** The plugin's phone enrollment: a user who still has it pending has not finished. */
    public static final String PHONE_ACTION = "phone-verification";
    /** The only credential a hand-off user may have: the password just set on Password Setup. */
    public static final String PASSWORD = "password";
    public static final int MAX_STEPS = 20;
    /**
     * The user attribute the bridge sets when it creates a login in a registration (declared
     * in the realm's user profile: only an administrator sees or edits it). Without it no
     * hand-off is made: an account someone else created (the seeded plan administrator, an
     * account from the admin console) never gets a link.
     */
    public static final String MARKER = "registration_pending";
    public static final String MARKER_VALUE = "true";
    /** A hand-off credential is a signed JWT of a few hundred bytes; more is not ours. */
    public static final int MAX_KEY_LENGTH = 8192;

    // RFC 7636: the S256 challenge is 43 base64url characters; a verifier alphabet otherwise.
    private static final Pattern CHALLENGE = Pattern.compile("[A-Za-z0-9._~-]{43,128}");
    private static final Pattern OPAQUE = Pattern.compile("[\\x21-\\x7e]{8,512}");
    private static final Pattern SCOPE = Pattern.compile("[\\x21\\x23-\\x5b\\x5d-\\x7e ]{1,512}");

    private HandoffRules() {
    }

    /**
     * A user may be handed off only while registration is under way: the phone enrollment is
     * still pending and the only credential is the password. Anyone with a second factor (or a
     * passkey) signs in the ordinary way; a hand-off must never skip their second factor.
     */
    public static boolean pending(Collection<String> requiredActions,
                                  Collection<String> credentialTypes) {
        return requiredActions.contains(PHONE_ACTION)
                && credentialTypes.stream().allMatch(PASSWORD::equals);
    }

    /**
     * An account the bridge created in a registration still under way: it carries the
     * bridge's marker, is nobody's service account, belongs to no group and holds no role
     * beyond the realm's default one. A plan administrator (a realm role) or any member of an
     * organization (a group) is never handed off, whatever their credentials.
     *
     * @param marker        the user's {@link #MARKER} attribute (may be null)
     * @param serviceAccount whether the user is a client's service account
     * @param groups        how many groups the user belongs to
     * @param extraRoles    how many roles are mapped to the user besides the default role
     */
    public static boolean bridgeRegistration(String marker, boolean serviceAccount, long groups,
                                             long extraRoles) {
        return MARKER_VALUE.equals(marker) && !serviceAccount && groups == 0 && extraRoles == 0;
    }

    /**
     * The bridge's authorization request the link completes: state, nonce, scope and a PKCE
     * S256 challenge, all required, so the code Keycloak returns is usable only by the bridge
     * session that asked for it. Empty when anything is missing or malformed.
     */
    public static Optional<Map<String, String>> authorization(Map<String, String> request) {
        String state = request.get("state");
        String nonce = request.get("nonce");
        String scope = request.get("scope");
        String challenge = request.get("code_challenge");
        if (state == null || !OPAQUE.matcher(state).matches()
                || nonce == null || !OPAQUE.matcher(nonce).matches()
                || scope == null || !SCOPE.matcher(scope).matches()
                || !Set.of(scope.split(" ")).contains("openid")
                || challenge == null || !CHALLENGE.matcher(challenge).matches()
                || !"S256".equals(request.get("code_challenge_method"))) {
            return Optional.empty();
        }
        Map<String, String> kept = new LinkedHashMap<>();
        kept.put("state", state);
        kept.put("nonce", nonce);
        kept.put("scope", scope);
        kept.put("code_challenge", challenge);
        kept.put("code_challenge_method", "S256");
        return Optional.of(kept);
    }

    /** The bridge's step-counter parameters (as on its authorization request): the numbers of
     *  the phone and Terms steps and the count of all steps. */
    public static final List<String> STEP_PARAMS = List.of("kc_step_phone", "kc_step_terms",
            "kc_steps");

    /**
     * "Step N of M" numbers for Keycloak's pages: all three parameters, each step between 1
     * and the count, the count at most 20; otherwise nothing (the pages show no counter).
     */
    public static Optional<Map<String, Integer>> steps(Function<String, String> parameter) {
        Map<String, Integer> numbers = new LinkedHashMap<>();
        try {
            for (String name : STEP_PARAMS) {
                String value = parameter.apply(name);
                numbers.put(name, Integer.parseInt(value == null ? "" : value.strip()));
            }
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        int total = numbers.get("kc_steps");
        boolean ordered = total <= MAX_STEPS && numbers.values().stream()
                .allMatch(n -> n >= 1 && n <= total);
        return ordered ? Optional.of(numbers) : Optional.empty();
    }

}
