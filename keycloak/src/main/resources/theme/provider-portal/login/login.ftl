<#import "template.ftl" as layout>
<#import "field.ftl" as field>
<#import "buttons.ftl" as buttons>
<@layout.registrationLayout displayMessage=!messagesPerField.existsError('username','password') displayInfo=true; section>
    <#if section = "header">
        ${msg("loginAccountTitle")}
    <#elseif section = "form">
        <form id="kc-form-login" class="${properties.kcFormClass!}" onsubmit="login.disabled = true; return true;" action="${url.loginAction}" method="post" novalidate="novalidate">
            <@field.input name="username" label=msg("email") error=messagesPerField.getFirstError('username','password') autofocus=true autocomplete="username" value=login.username!'' />
            <@field.password name="password" label=msg("password") error="" forgotPassword=false autocomplete="current-password">
                <#if realm.rememberMe>
                    <@field.checkbox name="rememberMe" label=msg("rememberMe") value=login.rememberMe?? />
                </#if>
            </@field.password>
            <input type="hidden" id="id-hidden-input" name="credentialId" <#if auth.selectedCredential?has_content>value="${auth.selectedCredential}"</#if>/>
            <@buttons.loginButton />
        </form>
    <#elseif section = "info">
        <div id="kc-portal-links">
            <#if realm.resetPasswordAllowed>
                <p><a id="need-help" href="${url.loginResetCredentialsUrl}">${msg("needHelpSigningIn")}</a></p>
            </#if>
            <p id="kc-registration">${msg("noAccount")} <a id="sign-up" href="${properties.signupUrl}">${msg("doRegister")}</a></p>
            <p class="portal-chrome">${msg("chromeRecommended")}</p>
        </div>
    </#if>
</@layout.registrationLayout>
