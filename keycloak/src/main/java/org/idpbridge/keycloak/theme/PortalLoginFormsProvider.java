package org.idpbridge.keycloak.theme;

import jakarta.ws.rs.core.UriBuilder;
import java.util.Locale;
import java.util.Properties;
import org.idpbridge.keycloak.handoff.HandoffRules;
import org.idpbridge.keycloak.handoff.RegistrationHandoffTokenHandler;
import org.keycloak.forms.login.LoginFormsPages;
import org.keycloak.forms.login.freemarker.FreeMarkerLoginFormsProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.keycloak.theme.Theme;

/**
 * Keycloak's own FreeMarker login pages, plus one attribute every page can read:
 * {@code portalStep} = {@code {"kc_step_phone": 5, "kc_step_terms": 6, "kc_steps": 7}} while a
 * registration is under way (from the bridge's authorization request or hand-off), so the phone
 * and Terms pages continue the bridge's "Step N of M". Templates cannot read an authentication
 * session's notes themselves; Keycloak's own Terms action renders through this provider too.
 */
public class PortalLoginFormsProvider extends FreeMarkerLoginFormsProvider {
    public PortalLoginFormsProvider(KeycloakSession session) {
        super(session);
    }

    @Override
    protected void createCommonAttributes(Theme theme, Locale locale, Properties messages,
                                          UriBuilder baseUriBuilder, LoginFormsPages page) {
        super.createCommonAttributes(theme, locale, messages, baseUriBuilder, page);
        AuthenticationSessionModel auth = authenticationSession;
        if (auth != null) {
            HandoffRules.steps(name -> auth.getClientNote(
                            RegistrationHandoffTokenHandler.REQUEST_PARAM_NOTE + name))
                    .ifPresent(numbers -> attributes.put("portalStep", numbers));
        }
    }
}
