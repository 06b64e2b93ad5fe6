<#-- The Log In page of the guides: email and password, LOG IN, "Need help signing in?" opening
     "Forgot Password?" (Keycloak's reset-password flow), "Don't have an account? Sign up" (the bridge's registration).
     With the realm's passkeys on, Keycloak adds "Sign in with Passkey" and offers saved
     passkeys in the email field (conditional UI); the phone code stays the default path. -->
<#import "template.ftl" as layout>
<#import "field.ftl" as field>
<#import "buttons.ftl" as buttons>
<#import "social-providers.ftl" as identityProviders>
<#import "passkeys.ftl" as passkeys>
<@layout.registrationLayout displayMessage=!messagesPerField.existsError('username','password') displayInfo=true; section>
    <#if section = "header">
        ${msg("loginAccountTitle")}
    <#elseif section = "form">
        <#-- The Dean guide's panel beside Log In: the plan's name over "A member of SSM Health". -->
        <#if msg("brandPanelTagline")?has_content && msg("brandPanelTagline") != "brandPanelTagline">
            <aside id="brand-panel" class="brand-panel" aria-label="${msg("planName")}">
                <p class="brand-panel-name">${msg("planName")}</p>
                <p class="brand-panel-tagline">${msg("brandPanelTagline")}</p>
            </aside>
        </#if>
        <div id="kc-form">
          <div id="kc-form-wrapper">
            <#if realm.password>
                <form id="kc-form-login" class="${properties.kcFormClass!}" onsubmit="login.disabled = true; return true;" action="${url.loginAction}" method="post" novalidate="novalidate">
                    <#if !usernameHidden??>
                        <@field.input name="username" label=msg("email") error=messagesPerField.getFirstError('username','password')
                            autofocus=true autocomplete="${(enableWebAuthnConditionalUI?has_content)?then('username webauthn', 'username')}" value=login.username!'' />
                    </#if>
                    <@field.password name="password" label=msg("password") error="" forgotPassword=false autofocus=usernameHidden?? autocomplete="current-password">
                        <#if realm.rememberMe && !usernameHidden??>
                            <@field.checkbox name="rememberMe" label=msg("rememberMe") value=login.rememberMe?? />
                        </#if>
                    </@field.password>
                    <input type="hidden" id="id-hidden-input" name="credentialId" <#if auth.selectedCredential?has_content>value="${auth.selectedCredential}"</#if>/>
                    <@buttons.loginButton />
                </form>
            </#if>
          </div>
        </div>
        <@passkeys.conditionalUIData />
        <#if enableWebAuthnConditionalUI?has_content>
            <p id="passkey-help" class="portal-note">${msg("passkeyHelp")}</p>
        </#if>
    <#elseif section = "socialProviders" >
        <#if realm.password && social.providers?? && social.providers?has_content>
            <@identityProviders.show social=social/>
        </#if>
    <#elseif section = "info" >
        <div id="kc-portal-links">
            <#if realm.resetPasswordAllowed>
                <#-- The guide: "Need help signing in?", then "Forgot Password?". -->
                <details id="need-help-signing-in">
                    <summary id="need-help">${msg("needHelpSigningIn")}</summary>
                    <p><a id="forgot-password" href="${url.loginResetCredentialsUrl}">${msg("doForgotPassword")}</a></p>
                </details>
            </#if>
            <p id="kc-registration">${msg("portalNoAccount")} <a id="sign-up" href="${properties.signupUrl}"><strong>${msg("portalSignUp")}</strong></a></p>
            <p id="portal-chrome" class="portal-note">${msg("chromeRecommended")}</p>
            <#if msg("portalSupport")?has_content && msg("portalSupport") != "portalSupport">
                <p id="portal-support" class="portal-note">${msg("portalSupport")}</p>
            </#if>
        </div>
    </#if>
</@layout.registrationLayout>
