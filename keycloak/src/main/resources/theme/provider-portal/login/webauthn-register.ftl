<#-- Adding a passkey (Keycloak's required actions webauthn-register and
     webauthn-register-passwordless; the portal starts the latter as an application-initiated
     action). Keycloak's own script runs the WebAuthn ceremony and fills the hidden fields.
     Ours because Keycloak 26.7.3 hands the policy's resident-key setting to that script
     capitalised ("Required"), which browsers ignore as an unknown value: the passkey would be
     created non-discoverable and "Sign in with Passkey" (no email typed) could not find it.
     WebAuthn's values are lower case. -->
<#import "template.ftl" as layout>
<#import "password-commons.ftl" as passwordCommons>
<#import "buttons.ftl" as buttons>
<@layout.registrationLayout; section>
    <#if section = "header">
        ${msg("webauthn-registration-title")}
    <#elseif section = "form">
    <div class="${properties.kcFormClass!}">
        <p id="passkey-register-help">${msg("passkeyRegisterHelp")}</p>
        <form id="register" action="${url.loginAction}" method="post">
            <input type="hidden" id="clientDataJSON" name="clientDataJSON"/>
            <input type="hidden" id="attestationObject" name="attestationObject"/>
            <input type="hidden" id="publicKeyCredentialId" name="publicKeyCredentialId"/>
            <input type="hidden" id="authenticatorLabel" name="authenticatorLabel"/>
            <input type="hidden" id="transports" name="transports"/>
            <input type="hidden" id="authenticatorAttachment" name="authenticatorAttachment"/>
            <input type="hidden" id="error" name="error"/>
            <@passwordCommons.logoutOtherSessions/>
        </form>
        <script type="module">
            <#outputformat "JavaScript">
            import { registerByWebAuthn } from "${url.resourcesPath}/js/webauthnRegister.js";
            document.getElementById("registerWebAuthn").addEventListener("click", () => {
                registerByWebAuthn({
                    challenge: ${challenge?c},
                    userid: ${userid?c},
                    username: ${username?c},
                    signatureAlgorithms: [<#list signatureAlgorithms as sigAlg>${sigAlg?c},</#list>],
                    rpEntityName: ${rpEntityName?c},
                    rpId: ${rpId?c},
                    attestationConveyancePreference: ${attestationConveyancePreference?c},
                    authenticatorAttachment: ${authenticatorAttachment?c},
                    requireResidentKey: ${requireResidentKey?c},
                    residentKey: ${residentKey?lower_case?c},
                    userVerificationRequirement: ${userVerificationRequirement?c},
                    createTimeout: ${createTimeout?c},
                    excludeCredentialIds: ${excludeCredentialIds?c},
                    initLabel: ${msg("webauthn-registration-init-label")?c},
                    initLabelPrompt: ${msg("webauthn-registration-init-label-prompt")?c},
                    errmsg: ${msg("webauthn-unsupported-browser-text")?c}
                });
            }, { once: true });
            </#outputformat>
        </script>
        <@buttons.actionGroup horizontal=true>
            <@buttons.button id="registerWebAuthn" label="doRegisterSecurityKey"/>
            <#if !isSetRetry?has_content && isAppInitiatedAction?has_content>
                <form class="${properties.kcFormClass!}" action="${url.loginAction}" id="kc-webauthn-settings-form" method="post">
                    <@buttons.button id="cancelWebAuthnAIA" name="cancel-aia" label="doCancel" type="secondary"/>
                </form>
            </#if>
        </@buttons.actionGroup>
    </div>
    </#if>
</@layout.registrationLayout>
