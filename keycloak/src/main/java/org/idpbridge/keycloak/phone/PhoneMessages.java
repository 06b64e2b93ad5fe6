package org.idpbridge.keycloak.phone;

import java.util.List;

/**
 * What the person reads, as message keys of the login theme (defaults in
 * {@code theme-resources/messages/messages_en.properties}, which a brand theme may override)
 * with their parameters. No message says whether a number or an account exists elsewhere.
 */
public final class PhoneMessages {
    private PhoneMessages() {
    }

    /** A message key and its MessageFormat parameters. */
    public record Message(String key, Object... params) {
    }

    public static final String ENROLLED_SMS = "phoneEnrolledSms";
    public static final String ENROLLED_VOICE = "phoneEnrolledVoice";
    public static final String SENT_SMS = "phoneCodeSentSms";
    public static final String SENT_VOICE = "phoneCodeSentVoice";
    public static final String RESENT = "phoneCodeResent";
    public static final String NUMBER_INVALID = "phoneNumberInvalid";
    /** A number outside the plan's regions, or premium-rate / toll-free / non-geographic. */
    public static final String NUMBER_REGION = "phoneNumberRegion";
    public static final String VERIFY_FIRST = "phoneVerifyFirst";
    public static final String SEND_FAILED = "phoneSendFailed";
    /** The phone credential's name and help ("Try another way", the account console). */
    public static final String CREDENTIAL_NAME = "phoneCredentialDisplayName";
    public static final String CREDENTIAL_HELP = "phoneCredentialHelpText";
    /** Keycloak's brute-force detection has locked the user out for now. */
    public static final String ACCOUNT_LOCKED = "phoneAccountLocked";

    /** Every key the plugin uses (a unit test checks each has a default text). */
    public static final List<String> KEYS = List.of(ENROLLED_SMS, ENROLLED_VOICE, SENT_SMS,
            SENT_VOICE, RESENT, NUMBER_INVALID, NUMBER_REGION, VERIFY_FIRST, SEND_FAILED, ACCOUNT_LOCKED,
            CREDENTIAL_NAME, CREDENTIAL_HELP, "phoneCodeWrong",
            "phoneCodeSuperseded", "phoneCodeExpired", "phoneCodeUsed", "phoneCodeLocked",
            "phoneCodeMissing", "phoneCodeNone", "phoneSendCooldown", "phoneSendTooMany");

    public static Message refusal(PhoneCodeRules.Check check, int triesLeft) {
        return switch (check) {
            case WRONG -> new Message("phoneCodeWrong", triesLeft);
            case SUPERSEDED -> new Message("phoneCodeSuperseded", triesLeft);
            case EXPIRED -> new Message("phoneCodeExpired");
            case USED -> new Message("phoneCodeUsed");
            case LOCKED -> new Message("phoneCodeLocked");
            case MISSING -> new Message("phoneCodeMissing");
            case NO_CODE, OK -> new Message("phoneCodeNone");
        };
    }

    public static Message refusal(PhoneCodeRules.Issued issued) {
        return switch (issued.refusal()) {
            case COOLDOWN -> new Message("phoneSendCooldown", issued.waitSeconds());
            case LOCKED -> new Message("phoneCodeLocked");
            case TOO_MANY_SENDS -> new Message("phoneSendTooMany");
        };
    }

    public static Message sent(PhoneChannel channel, String maskedNumber) {
        return new Message(channel == PhoneChannel.VOICE ? SENT_VOICE : SENT_SMS, maskedNumber);
    }

    public static Message enrolled(PhoneChannel channel) {
        return new Message(channel == PhoneChannel.VOICE ? ENROLLED_VOICE : ENROLLED_SMS);
    }

    /** The event error name for a refused code, e.g. {@code phone_code_expired}. */
    public static String eventError(PhoneCodeRules.Check check) {
        return "phone_code_" + check.name().toLowerCase(java.util.Locale.ROOT);
    }
}
