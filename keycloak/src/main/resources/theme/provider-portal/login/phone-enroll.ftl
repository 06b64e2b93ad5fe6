<#import "template.ftl" as layout>
<@layout.registrationLayout displayMessage=true; section>
    <#if section = "header">
        Multi Factor Authentication Enrollment
    <#elseif section = "form">
        <p id="phone-explanation">In order to sign in to your account, we use multi-factor authentication, which requires you to provide a cell phone number and/or a number to be able to receive phone calls with a security code from our identity provider.</p>
        <form id="kc-phone-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post" novalidate="novalidate">
            <fieldset class="phone-methods">
                <label><input type="radio" name="method" value="sms" <#if phoneMethod == "sms">checked</#if>> Enroll SMS (Text) Verification</label>
                <label><input type="radio" name="method" value="voice" <#if phoneMethod == "voice">checked</#if>> Enroll Voice (Call) Verification</label>
            </fieldset>
            <h2 class="phone-heading"><#if phoneMethod == "voice">Enroll In Voice (Call) Verification<#else>Enroll In Text(SMS) Verification</#if></h2>
            <div class="phone-row">
                <label for="phone">Phone Number</label>
                <input id="phone" name="phone" type="tel" autocomplete="tel" value="${phoneTyped!''}" class="${properties.kcInputClass!}">
                <button type="submit" name="action" value="request" id="request-code" class="${properties.kcButtonClass!} ${properties.kcButtonSecondaryClass!}">Request Code</button>
            </div>
            <div class="phone-row">
                <label for="code">Verification Code</label>
                <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" class="${properties.kcInputClass!}">
                <button type="submit" name="action" value="verify" id="verify-code" class="${properties.kcButtonClass!} ${properties.kcButtonSecondaryClass!}">Verify Code</button>
            </div>
            <p class="phone-tip">Please only click Request Code once. If it is clicked multiple times, multiple codes will be sent and only the last code will be valid.</p>
            <button type="submit" name="action" value="continue" id="phone-continue" class="${properties.kcButtonClass!} ${properties.kcButtonPrimaryClass!}">Continue</button>
        </form>
    </#if>
</@layout.registrationLayout>
