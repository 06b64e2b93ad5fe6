package org.idpbridge.keycloak.phone;

import jakarta.ws.rs.core.MultivaluedMap;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationFlowError;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.CredentialValidator;
import org.keycloak.credential.CredentialModel;
import org.keycloak.credential.CredentialProvider;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

/** Sign-in step after the password: a code to the enrolled phone, by text or call. */
public class PhoneCodeAuthenticator implements Authenticator,
        CredentialValidator<PhoneCredentialProvider> {
    static final String TEMPLATE = "phone-code.ftl";

    @Override
    public void authenticate(AuthenticationFlowContext context) {
        PhoneCodeSession codes = codes(context);
        LoginFormsProvider form = form(context);
        // A refresh shows the page again; only a first visit (or "resend") sends a code.
        if (!codes.load().hasLiveCode()) {
            String refused = send(context, codes);
            if (refused != null) {
                form.setError(refused);
            }
        }
        context.challenge(form.createForm(TEMPLATE));
    }

    @Override
    public void action(AuthenticationFlowContext context) {
        MultivaluedMap<String, String> params =
                context.getHttpRequest().getDecodedFormParameters();
        PhoneCodeSession codes = codes(context);
        if ("resend".equals(params.getFirst("action"))) {
            String refused = send(context, codes);
            LoginFormsProvider form = form(context);
            if (refused != null) {
                form.setError(refused);
            } else {
                form.setInfo("A new code was sent. Only the newest code can be used.");
            }
            context.challenge(form.createForm(TEMPLATE));
            return;
        }
        PhoneCodeRules.Check result = codes.check(params.getFirst("code"));
        if (result == PhoneCodeRules.Check.OK) {
            codes.reset();
            context.success();
            return;
        }
        context.getEvent().detail("phone_code", result.name().toLowerCase());
        context.failureChallenge(AuthenticationFlowError.INVALID_CREDENTIALS,
                form(context).setError(PhoneMessages.refusal(result, codes.triesLeft()))
                        .createForm(TEMPLATE));
    }

    private String send(AuthenticationFlowContext context, PhoneCodeSession codes) {
        CredentialModel phone = PhoneCredentialProvider.of(context.getUser()).orElseThrow();
        return codes.sendCode(context.getUser().getId(),
                PhoneCredentialProvider.field(phone, "phone"),
                PhoneChannel.of(PhoneCredentialProvider.field(phone, "method")),
                planName(context.getRealm()));
    }

    private LoginFormsProvider form(AuthenticationFlowContext context) {
        CredentialModel phone = PhoneCredentialProvider.of(context.getUser()).orElseThrow();
        PhoneChannel channel = PhoneChannel.of(PhoneCredentialProvider.field(phone, "method"));
        return context.form()
                .setAttribute("maskedPhone",
                        PhoneNumbers.mask(PhoneCredentialProvider.field(phone, "phone")))
                .setAttribute("phoneMethod", channel.key);
    }

    private static PhoneCodeSession codes(AuthenticationFlowContext context) {
        return new PhoneCodeSession(context.getSession(), context.getAuthenticationSession());
    }

    private static String planName(RealmModel realm) {
        String name = realm.getDisplayName();
        return name == null || name.isBlank() ? "Health Plan" : name;
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
        user.addRequiredAction(PhoneVerificationRequiredAction.ID);
    }

    @Override
    public void close() {
    }
}
