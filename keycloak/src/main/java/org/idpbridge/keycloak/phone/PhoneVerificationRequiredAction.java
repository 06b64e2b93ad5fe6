package org.idpbridge.keycloak.phone;

import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import org.keycloak.authentication.RequiredActionContext;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.credential.CredentialProvider;
import org.keycloak.events.EventType;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.UserModel;

/** "Multi Factor Authentication Enrollment": choose text or call, enter the number, Request
 *  Code, Verify Code, Continue. The verified number becomes the user's phone credential. */
public class PhoneVerificationRequiredAction implements RequiredActionProvider {
    public static final String ID = "phone-verification";
    static final String TEMPLATE = "phone-enroll.ftl";
    private static final String NOTE_PHONE = "phone.enroll.number";
    private static final String NOTE_METHOD = "phone.enroll.method";
    private static final String NOTE_VERIFIED = "phone.enroll.verified";

    @Override
    public void evaluateTriggers(RequiredActionContext context) {
    }

    @Override
    public void requiredActionChallenge(RequiredActionContext context) {
        context.challenge(form(context).createForm(TEMPLATE));
    }

    @Override
    public void processAction(RequiredActionContext context) {
        MultivaluedMap<String, String> params =
                context.getHttpRequest().getDecodedFormParameters();
        String action = params.getFirst("action");
        if ("request".equals(action)) {
            request(context, params);
        } else if ("verify".equals(action)) {
            verify(context, params.getFirst("code"));
        } else if ("true".equals(context.getAuthenticationSession().getAuthNote(NOTE_VERIFIED))) {
            context.success();
        } else {
            context.challenge(form(context).setError("Please verify your phone number to continue.")
                    .createForm(TEMPLATE));
        }
    }

    private void request(RequiredActionContext context, MultivaluedMap<String, String> params) {
        PhoneChannel channel = PhoneChannel.of(params.getFirst("method"));
        String typed = params.getFirst("phone");
        var auth = context.getAuthenticationSession();
        auth.setAuthNote(NOTE_METHOD, channel.key);
        auth.setAuthNote("phone.enroll.typed", typed == null ? "" : typed);
        var e164 = PhoneNumbers.toE164(typed);
        if (e164.isEmpty()) {
            context.challenge(form(context).setError("Please enter a valid phone number, e.g. "
                    + "608-555-1234.").createForm(TEMPLATE));
            return;
        }
        if (!e164.get().equals(auth.getAuthNote(NOTE_PHONE))) {
            auth.removeAuthNote(NOTE_VERIFIED);
        }
        auth.setAuthNote(NOTE_PHONE, e164.get());
        String refused = codes(context).sendCode(context.getUser().getId(), e164.get(), channel,
                planName(context));
        LoginFormsProvider form = form(context);
        if (refused != null) {
            form.setError(refused);
        } else {
            form.setInfo("A code was sent to " + PhoneNumbers.mask(e164.get()) + ".");
        }
        context.challenge(form.createForm(TEMPLATE));
    }

    private void verify(RequiredActionContext context, String code) {
        var auth = context.getAuthenticationSession();
        String e164 = auth.getAuthNote(NOTE_PHONE);
        PhoneChannel channel = PhoneChannel.of(auth.getAuthNote(NOTE_METHOD));
        PhoneCodeSession codes = codes(context);
        PhoneCodeRules.Check result = e164 == null ? PhoneCodeRules.Check.NO_CODE
                : codes.check(code);
        if (result != PhoneCodeRules.Check.OK) {
            context.getEvent().clone().event(EventType.CUSTOM_REQUIRED_ACTION_ERROR)
                    .detail("custom_required_action", ID).error("phone_code_" + result.name()
                            .toLowerCase());
            context.challenge(form(context).setError(PhoneMessages.refusal(result,
                    codes.triesLeft())).createForm(TEMPLATE));
            return;
        }
        enroll(context, e164, channel);
        auth.setAuthNote(NOTE_VERIFIED, "true");
        context.getEvent().clone().event(EventType.CUSTOM_REQUIRED_ACTION)
                .detail("custom_required_action", ID).detail("phone_method", channel.key)
                .success();
        context.challenge(form(context).setSuccess(channel.label + " enrolled successfully")
                .setAttribute("enrolled", true).createForm(TEMPLATE));
    }

    private void enroll(RequiredActionContext context, String e164, PhoneChannel channel) {
        UserModel user = context.getUser();
        var provider = (PhoneCredentialProvider) context.getSession()
                .getProvider(CredentialProvider.class, PhoneCredentialProviderFactory.ID);
        provider.createCredential(context.getRealm(), user,
                PhoneCredentialProvider.credential(e164, channel));
        // The bridge reads these (declared in the realm's user profile).
        user.setSingleAttribute("mfa_phone", e164);
        user.setSingleAttribute("mfa_phone_method", channel.key);
    }

    private LoginFormsProvider form(RequiredActionContext context) {
        var auth = context.getAuthenticationSession();
        String method = auth.getAuthNote(NOTE_METHOD);
        String typed = auth.getAuthNote("phone.enroll.typed");
        return context.form()
                .setAttribute("phoneMethod", method == null ? "sms" : method)
                .setAttribute("phoneTyped", typed == null ? "" : typed);
    }

    private static PhoneCodeSession codes(RequiredActionContext context) {
        return new PhoneCodeSession(context.getSession(), context.getAuthenticationSession());
    }

    static String planName(RequiredActionContext context) {
        String name = context.getRealm().getDisplayName();
        return name == null || name.isBlank() ? "Health Plan" : name;
    }

    @Override
    public void close() {
    }
}
