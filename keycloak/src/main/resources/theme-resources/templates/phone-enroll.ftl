<#-- Multi Factor Authentication Enrollment (the guides' Phone Verification screens).
     Shipped as a theme resource so every login theme has it; a brand theme may override it. -->
<#import "template.ftl" as layout>
<@layout.registrationLayout displayMessage=true; section>
    <#if section = "header">
        ${msg("phoneEnrollTitle")}
    <#elseif section = "form">
        <#if portalStep??>
            <p id="portal-step" class="portal-step">${msg("portalStep", portalStep.kc_step_phone, portalStep.kc_steps)}</p>
        </#if>
        <p id="phone-explanation">${msg("phoneEnrollExplanation")}</p>
        <form id="kc-phone-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post" novalidate="novalidate">
            <fieldset id="phone-methods" class="phone-methods">
                <legend class="phone-legend">${msg("phoneMethodLegend")}</legend>
                <div class="phone-method">
                    <input type="radio" id="method-sms" name="method" value="sms" <#if phoneMethod == "sms">checked</#if>>
                    <label for="method-sms">${msg("phoneMethodSms")}</label>
                </div>
                <div class="phone-method">
                    <input type="radio" id="method-voice" name="method" value="voice" <#if phoneMethod == "voice">checked</#if>>
                    <label for="method-voice">${msg("phoneMethodVoice")}</label>
                </div>
            </fieldset>
            <#-- The guides: choose Text or Voice first, then the number. With script the number
                 appears once a method is chosen; without, it shows and Request Code without a
                 method is refused (PhoneVerificationRequiredAction). -->
            <div id="phone-number-step"<#if !phoneMethod?has_content> data-wait-for-method</#if>>
            <h2 id="phone-heading" class="phone-heading" data-sms="${msg("phoneHeadingSms")}" data-voice="${msg("phoneHeadingVoice")}"><#if phoneMethod == "voice">${msg("phoneHeadingVoice")}<#elseif phoneMethod == "sms">${msg("phoneHeadingSms")}<#else>${msg("phoneHeadingChoose")}</#if></h2>
            <div class="phone-row">
                <label for="phone">${msg("phoneNumberLabel")}</label>
                <span class="${properties.kcInputClass!} phone-input"><input id="phone" name="phone" type="tel" autocomplete="tel" inputmode="tel" value="${phoneTyped!''}" placeholder="608-555-1234"></span>
                <button type="submit" name="action" value="request" id="request-code" class="${properties.kcButtonClass!} ${properties.kcButtonSecondaryClass!}">${msg("phoneRequestCode")}</button>
            </div>
            <div class="phone-row">
                <label for="code">${msg("phoneCodeLabel")}</label>
                <span class="${properties.kcInputClass!} phone-input"><input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="6" pattern="[0-9]{6}"></span>
                <button type="submit" name="action" value="verify" id="verify-code" class="${properties.kcButtonClass!} ${properties.kcButtonSecondaryClass!}">${msg("phoneVerifyCode")}</button>
            </div>
            <p class="phone-tip">${msg("phoneRequestOnce")}</p>
            </div>
            <div class="phone-actions">
                <button type="submit" name="action" value="continue" id="phone-continue" class="${properties.kcButtonClass!} ${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!}">${msg("phoneContinue")}</button>
                <#if isAppInitiatedAction??>
                    <button type="submit" name="cancel-aia" value="true" id="phone-cancel" class="${properties.kcButtonClass!} ${properties.kcButtonSecondaryClass!} ${properties.kcButtonBlockClass!}" formnovalidate>${msg("doCancel")}</button>
                </#if>
            </div>
        </form>
        <#if phoneLocked>
            <p id="phone-start-over"><a href="${url.loginRestartFlowUrl}">${msg("phoneStartOver")}</a></p>
        </#if>
        <script>
            (function () {
                var heading = document.getElementById("phone-heading");
                var numberStep = document.getElementById("phone-number-step");
                if (numberStep.hasAttribute("data-wait-for-method")) {
                    numberStep.hidden = true;  // the number comes after Text or Voice
                }
                document.querySelectorAll("#phone-methods input[name=method]").forEach(function (radio) {
                    radio.addEventListener("change", function () {
                        heading.textContent = heading.dataset[radio.value] || heading.textContent;
                        numberStep.hidden = false;
                    });
                });
                // Enter in a field presses that field's own button (not the form's first one).
                [["phone", "request-code"], ["code", "verify-code"]].forEach(function (pair) {
                    var field = document.getElementById(pair[0]);
                    field.addEventListener("keydown", function (event) {
                        if (event.key === "Enter") {
                            event.preventDefault();
                            document.getElementById(pair[1]).click();
                        }
                    });
                });
            })();
        </script>
    </#if>
</@layout.registrationLayout>
