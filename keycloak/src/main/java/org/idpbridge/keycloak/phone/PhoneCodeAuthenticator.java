package org.idpbridge.keycloak.phone;

import jakarta.ws.rs.core.MultivaluedMap;
import java.util.Optional;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.CredentialValidator;
import org.keycloak.credential.CredentialProvider;
import org.keycloak.events.Details;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

/**
 * The sign-in step after the password: a code to the enrolled phone, by text or call. The
 * first visit sends a code; a refresh (GET) only shows the form again; "Send a new code"
 * resends (cooldown and caps apply). Wrong, older-than-the-last and locked-out codes are
 * {@code LOGIN_ERROR} events ({@code invalid_user_credentials}, detail {@code phone_code}) and
 * count in Keycloak's brute-force detection for the user ({@link PhoneBruteForce}); expired or
 * already used codes are {@code LOGIN_ERROR} events that do not. While Keycloak has the user
 * locked out, no code is sent or accepted, not even the right one.
 */
public class PhoneCodeAuthenticator implements Authenticator,
        CredentialValidator<PhoneCredentialProvider> {
    static final String TEMPLATE = "phone-code.ftl";

    @Override
    public void authenticate(AuthenticationFlowContext context) {
        Optional<PhoneCredentialProvider.Phone> phone =
                PhoneCredentialProvider.phoneOf(context.getUser());
        if (phone.isEmpty()) {
            context.attempted();  // not configured: let another factor (or setup) run
            return;
        }
        PhoneCodeCheck check = check(context);
        PhoneCodeSession codes = check.codes();
        LoginFormsProvider form = form(context, phone.get(), codes);
        if (check.lockedOut()) {
            form.setAttribute("phoneLocked", true);
            error(form, new PhoneMessages.Message(PhoneMessages.ACCOUNT_LOCKED));
        } else if (codes.locked()) {
            error(form, PhoneMessages.refusal(PhoneCodeRules.Check.LOCKED, 0));
        } else if (!codes.load().hasUnusedCode()) {
            PhoneMessages.Message refused = codes.sendCode(context.getUser(),
                    phone.get().e164(), phone.get().channel());
            if (refused != null) {
                error(form, refused);
            }
        }
        context.challenge(form.createForm(TEMPLATE));
    }

    @Override
    public void action(AuthenticationFlowContext context) {
        PhoneCredentialProvider.Phone phone =
                PhoneCredentialProvider.phoneOf(context.getUser()).orElse(null);
        if (phone == null) {
            context.attempted();
            return;
        }
        MultivaluedMap<String, String> params =
                context.getHttpRequest().getDecodedFormParameters();
        PhoneCodeCheck check = check(context);
        PhoneCodeSession codes = check.codes();
        if (check.lockedOut()) {
            LoginFormsProvider form = form(context, phone, codes).setAttribute("phoneLocked", true);
            context.challenge(error(form, new PhoneMessages.Message(PhoneMessages.ACCOUNT_LOCKED))
                    .createForm(TEMPLATE));
            return;
        }
        if ("resend".equals(params.getFirst("action"))) {
            PhoneMessages.Message refused = codes.sendCode(context.getUser(), phone.e164(),
                    phone.channel());
            LoginFormsProvider form = form(context, phone, codes);
            if (refused != null) {
                error(form, refused);
            } else {
                form.setInfo(PhoneMessages.RESENT);
            }
            context.challenge(form.createForm(TEMPLATE));
            return;
        }
        // Counted in check(), not through failureChallenge: the flow would report the failure
        // in the "phone-otp" category, which Keycloak's protector ignores.
        PhoneCodeRules.Check result = check.check(params.getFirst("code"), phone.channel());
        if (result == PhoneCodeRules.Check.OK) {
            context.getEvent().detail(Details.CREDENTIAL_TYPE, PhoneCredentialProvider.TYPE)
                    .detail("phone_method", phone.channel().key);
            context.success();
            return;
        }
        PhoneMessages.Message message = PhoneMessages.refusal(result, codes.triesLeft());
        context.challenge(error(form(context, phone, codes), message).createForm(TEMPLATE));
    }

    private LoginFormsProvider form(AuthenticationFlowContext context,
                                    PhoneCredentialProvider.Phone phone, PhoneCodeSession codes) {
        return context.form()
                .setAttribute("maskedPhone", PhoneNumbers.mask(phone.e164()))
                .setAttribute("phoneMethod", phone.channel().key)
                .setAttribute("phoneLocked", codes.locked());
    }

    private static LoginFormsProvider error(LoginFormsProvider form, PhoneMessages.Message m) {
        return form.setError(m.key(), m.params());
    }

    private PhoneCodeCheck check(AuthenticationFlowContext context) {
        return getCredentialProvider(context.getSession()).codeCheck(context.getRealm(),
                context.getUser(), context.getAuthenticationSession(),
                PhoneCodeCheck.Step.SIGN_IN, context.getEvent());
    }

    @Override
    public PhoneCredentialProvider getCredentialProvider(KeycloakSession session) {
        return (PhoneCredentialProvider) session.getProvider(CredentialProvider.class,
                PhoneCredentialProviderFactory.ID);
    }

    @Override
    public boolean requiresUser() {
        return true;
    }

    @Override
    public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) {
        return getCredentialProvider(session).isConfiguredFor(realm, user,
                PhoneCredentialProvider.TYPE);
    }

    @Override
    public void setRequiredActions(KeycloakSession session, RealmModel realm, UserModel user) {
        if (user.getRequiredActionsStream().noneMatch(PhoneVerificationRequiredAction.ID::equals)) {
            user.addRequiredAction(PhoneVerificationRequiredAction.ID);
        }
    }

    @Override
    public void close() {
    }
}
