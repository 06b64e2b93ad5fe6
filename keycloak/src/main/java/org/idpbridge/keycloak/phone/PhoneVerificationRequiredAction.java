package org.idpbridge.keycloak.phone;

import jakarta.ws.rs.core.MultivaluedMap;
import java.util.List;
import org.keycloak.authentication.InitiatedActionSupport;
import org.keycloak.authentication.RequiredActionContext;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.credential.CredentialProvider;
import org.keycloak.events.Details;
import org.keycloak.events.EventBuilder;
import org.keycloak.events.EventType;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.UserModel;
import org.keycloak.sessions.AuthenticationSessionModel;

/**
 * "Multi Factor Authentication Enrollment" (the guides' Phone Verification screens): choose
 * Enroll SMS (Text) or Voice (Call) Verification, enter the number, Request Code, enter it,
 * Verify Code, "Text enrolled successfully", Continue. The verified number becomes the user's
 * {@code phone-otp} credential and the attributes {@code mfa_phone} / {@code mfa_phone_method}.
 * Wrong codes count in Keycloak's brute-force detection for the user, as at sign-in.
 */
public class PhoneVerificationRequiredAction implements RequiredActionProvider {
    public static final String ID = "phone-verification";
    static final String TEMPLATE = "phone-enroll.ftl";
    private static final String NOTE_PHONE = "phone.enroll.number";
    private static final String NOTE_METHOD = "phone.enroll.method";
    private static final String NOTE_TYPED = "phone.enroll.typed";
    private static final String NOTE_VERIFIED = "phone.enroll.verified";
    /** Request Code with neither Text nor Voice chosen (issue 21: the method comes first). */
    static final String METHOD_FIRST = "phoneMethodFirst";
    /** How the pending code was sent (the method chosen may change before Verify). */
    private static final String NOTE_SENT_METHOD = "phone.enroll.number.method";
    /** Everything enrollment keeps in the authentication session, cleared at Continue. */
    private static final List<String> NOTES = List.of(NOTE_PHONE, NOTE_METHOD, NOTE_TYPED,
            NOTE_VERIFIED, NOTE_SENT_METHOD);

    @Override
    public InitiatedActionSupport initiatedActionSupport() {
        return InitiatedActionSupport.SUPPORTED;  // "Set up phone" / change number later
    }

    @Override
    public void evaluateTriggers(RequiredActionContext context) {
        // A default action of the realm: every new user gets it; nothing to add here.
    }

    @Override
    public void requiredActionChallenge(RequiredActionContext context) {
        context.challenge(form(context).createForm(TEMPLATE));
    }

    @Override
    public void processAction(RequiredActionContext context) {
        MultivaluedMap<String, String> params =
                context.getHttpRequest().getDecodedFormParameters();
        AuthenticationSessionModel auth = context.getAuthenticationSession();
        PhoneChannel.parse(params.getFirst("method"))
                .ifPresent(channel -> auth.setAuthNote(NOTE_METHOD, channel.key));
        String action = params.getFirst("action");
        if ("request".equals(action)) {
            request(context, params.getFirst("phone"));
        } else if ("verify".equals(action)) {
            verify(context, params.getFirst("code"));
        } else if ("true".equals(auth.getAuthNote(NOTE_VERIFIED))) {
            NOTES.forEach(auth::removeAuthNote);
            context.success();
        } else {
            show(context, error(form(context), new PhoneMessages.Message(
                    PhoneMessages.VERIFY_FIRST)));
        }
    }

    private void request(RequiredActionContext context, String typed) {
        AuthenticationSessionModel auth = context.getAuthenticationSession();
        if (auth.getAuthNote(NOTE_METHOD) == null) {
            // The guides: Text or Voice first, then the number; nothing is sent on a guess.
            auth.setAuthNote(NOTE_TYPED, typed == null ? "" : typed.strip());
            show(context, error(form(context), new PhoneMessages.Message(METHOD_FIRST)));
            return;
        }
        PhoneChannel channel = PhoneChannel.of(auth.getAuthNote(NOTE_METHOD));
        auth.setAuthNote(NOTE_METHOD, channel.key);
        auth.setAuthNote(NOTE_TYPED, typed == null ? "" : typed.strip());
        PhoneNumbers.Reading reading = PhoneNumbers.read(typed, PhoneRegions.resolve(
                context.getRealm().getAttribute(PhoneRegions.REALM_ATTRIBUTE),
                PhoneCodeAuthenticatorFactory.deploymentRegions(context.getSession())));
        PhoneCodeCheck check = check(context);
        if (reading.verdict() == PhoneNumbers.Verdict.REGION) {
            // Seen by the plan's administrators in the realm's events (docs/security.md):
            // the country calling code only, never the number.
            check.refusal().detail("phone_country", "+" + reading.countryCode())
                    .error("phone_number_region");
        }
        if (reading.verdict() != PhoneNumbers.Verdict.OK) {
            show(context, error(form(context), new PhoneMessages.Message(
                    reading.verdict() == PhoneNumbers.Verdict.REGION
                            ? PhoneMessages.NUMBER_REGION : PhoneMessages.NUMBER_INVALID)));
            return;
        }
        String e164 = reading.e164();
        if (!e164.equals(auth.getAuthNote(NOTE_PHONE))) {
            auth.removeAuthNote(NOTE_VERIFIED);
        }
        if (lockedOut(context, check)) {
            return;
        }
        PhoneMessages.Message refused = check.codes().sendCode(context.getUser(), e164, channel);
        if (refused != null) {
            show(context, error(form(context), refused));
            return;
        }
        // The code is bound to the number and method it was sent to.
        auth.setAuthNote(NOTE_PHONE, e164);
        auth.setAuthNote(NOTE_SENT_METHOD, channel.key);
        PhoneMessages.Message sent = PhoneMessages.sent(channel, PhoneNumbers.mask(e164));
        show(context, form(context).setInfo(sent.key(), sent.params()));
    }

    private void verify(RequiredActionContext context, String code) {
        AuthenticationSessionModel auth = context.getAuthenticationSession();
        String e164 = auth.getAuthNote(NOTE_PHONE);
        PhoneChannel channel = PhoneChannel.of(auth.getAuthNote(NOTE_SENT_METHOD));
        PhoneCodeCheck check = check(context);
        if (lockedOut(context, check)) {
            return;
        }
        PhoneCodeRules.Check result;
        if (e164 == null) {
            result = PhoneCodeRules.Check.NO_CODE;
            check.refused(result, channel);
        } else {
            result = check.check(code, channel);
        }
        if (result != PhoneCodeRules.Check.OK) {
            show(context, error(form(context),
                    PhoneMessages.refusal(result, check.codes().triesLeft())));
            return;
        }
        EventBuilder event = context.getEvent().clone().event(EventType.UPDATE_CREDENTIAL)
                .user(context.getUser())
                .detail(Details.CREDENTIAL_TYPE, PhoneCredentialProvider.TYPE)
                .detail("custom_required_action", ID)
                .detail("phone_method", channel.key);
        enroll(context, e164, channel);
        auth.setAuthNote(NOTE_VERIFIED, "true");
        auth.setAuthNote(NOTE_METHOD, channel.key);
        event.detail("phone", PhoneNumbers.mask(e164)).success();
        PhoneMessages.Message done = PhoneMessages.enrolled(channel);
        show(context, form(context).setSuccess(done.key(), done.params())
                .setAttribute("phoneEnrolled", true));
    }

    /** Keycloak's brute-force detection has the user locked out: no code is sent or checked
     *  (the lock holds for enrollment as for sign-in); the event is recorded by the check. */
    private boolean lockedOut(RequiredActionContext context, PhoneCodeCheck check) {
        if (!check.lockedOut()) {
            return false;
        }
        show(context, error(form(context).setAttribute("phoneLocked", true),
                new PhoneMessages.Message(PhoneMessages.ACCOUNT_LOCKED)));
        return true;
    }

    private void enroll(RequiredActionContext context, String e164, PhoneChannel channel) {
        UserModel user = context.getUser();
        var provider = (PhoneCredentialProvider) context.getSession()
                .getProvider(CredentialProvider.class, PhoneCredentialProviderFactory.ID);
        provider.createCredential(context.getRealm(), user,
                PhoneCredentialProvider.credential(e164, channel));
        // For the bridge (both declared, admin-editable, in the realm's user profile).
        user.setSingleAttribute("mfa_phone", e164);
        user.setSingleAttribute("mfa_phone_method", channel.key);
    }

    private LoginFormsProvider form(RequiredActionContext context) {
        AuthenticationSessionModel auth = context.getAuthenticationSession();
        String method = auth.getAuthNote(NOTE_METHOD);
        String typed = auth.getAuthNote(NOTE_TYPED);
        PhoneCodeSession codes = check(context).codes();
        return context.form()
                .setAttribute("phoneMethod", method == null ? "" : method)
                .setAttribute("phoneTyped", typed == null ? "" : typed)
                .setAttribute("phoneCodeSentTo", auth.getAuthNote(NOTE_PHONE) == null ? ""
                        : PhoneNumbers.mask(auth.getAuthNote(NOTE_PHONE)))
                .setAttribute("phoneEnrolled", "true".equals(auth.getAuthNote(NOTE_VERIFIED)))
                .setAttribute("phoneLocked", codes.locked());
    }

    private static LoginFormsProvider error(LoginFormsProvider form, PhoneMessages.Message m) {
        return form.setError(m.key(), m.params());
    }

    private static void show(RequiredActionContext context, LoginFormsProvider form) {
        context.challenge(form.createForm(TEMPLATE));
    }

    private static PhoneCodeCheck check(RequiredActionContext context) {
        var provider = (PhoneCredentialProvider) context.getSession()
                .getProvider(CredentialProvider.class, PhoneCredentialProviderFactory.ID);
        return provider.codeCheck(context.getRealm(), context.getUser(),
                context.getAuthenticationSession(), PhoneCodeCheck.Step.ENROLLMENT,
                context.getEvent());
    }

    @Override
    public void close() {
    }
}
