<#-- Sign-in: the code sent to the enrolled phone. Shipped as a theme resource. -->
<#import "template.ftl" as layout>
<@layout.registrationLayout displayMessage=true; section>
    <#if section = "header">
        ${msg("phoneCodeTitle")}
    <#elseif section = "form">
        <p id="phone-sent-to"><#if phoneMethod == "voice">${msg("phoneCallingYou", maskedPhone)}<#else>${msg("phoneTextedYou", maskedPhone)}</#if></p>
        <form id="kc-phone-code-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post" novalidate="novalidate">
            <div class="${properties.kcFormGroupClass!}">
                <label for="code" class="${properties.kcLabelClass!}">${msg("phoneSecurityCodeLabel")}</label>
                <span class="${properties.kcInputClass!}"><input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="6" pattern="[0-9]{6}" autofocus></span>
            </div>
            <div class="phone-actions">
                <button type="submit" name="action" value="verify" id="verify-code" class="${properties.kcButtonClass!} ${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!}">${msg("phoneVerifyCode")}</button>
                <button type="submit" name="action" value="resend" id="resend-code" class="${properties.kcButtonClass!} ${properties.kcButtonSecondaryClass!} ${properties.kcButtonBlockClass!}">${msg("phoneSendNewCode")}</button>
            </div>
        </form>
        <#if phoneLocked>
            <p id="phone-start-over"><a href="${url.loginRestartFlowUrl}">${msg("phoneSignInAgain")}</a></p>
        </#if>
    </#if>
</@layout.registrationLayout>
