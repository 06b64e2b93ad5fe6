<#import "template.ftl" as layout>
<@layout.registrationLayout displayMessage=true; section>
    <#if section = "header">
        Security code
    <#elseif section = "form">
        <p id="phone-sent-to"><#if phoneMethod == "voice">We are calling ${maskedPhone} with your security code.<#else>We sent a text message with your security code to ${maskedPhone}.</#if></p>
        <form id="kc-phone-code-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post" novalidate="novalidate">
            <label for="code">Security code</label>
            <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" autofocus class="${properties.kcInputClass!}">
            <button type="submit" name="action" value="verify" id="verify-code" class="${properties.kcButtonClass!} ${properties.kcButtonPrimaryClass!}">Verify Code</button>
            <button type="submit" name="action" value="resend" id="resend-code" class="${properties.kcButtonClass!} ${properties.kcButtonSecondaryClass!}">Send a new code</button>
        </form>
    </#if>
</@layout.registrationLayout>
