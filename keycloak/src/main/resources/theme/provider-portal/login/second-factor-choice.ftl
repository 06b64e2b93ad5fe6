<#-- factors: when the plan has turned off new text/call enrollments, a new registrant (or
     anyone who must set up a second factor again) chooses an authenticator app or a passkey. -->
<#import "template.ftl" as layout>
<#import "buttons.ftl" as buttons>
<@layout.registrationLayout displayMessage=true; section>
    <#if section = "header">
        ${msg("secondFactorChoiceTitle")}
    <#elseif section = "form">
        <#if portalStep??>
            <p id="portal-step" class="portal-step">${msg("portalStep", portalStep.kc_step_phone, portalStep.kc_steps)}</p>
        </#if>
        <p id="second-factor-explanation">${msg("secondFactorChoiceExplanation")}</p>
        <form id="kc-second-factor-choice-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post">
            <fieldset class="phone-methods">
                <legend class="phone-legend">${msg("secondFactorChoiceLegend")}</legend>
                <div class="phone-method">
                    <input type="radio" id="choice-app" name="choice" value="app" checked>
                    <label for="choice-app">${msg("secondFactorChoiceApp")}</label>
                </div>
                <div class="phone-method">
                    <input type="radio" id="choice-passkey" name="choice" value="passkey">
                    <label for="choice-passkey">${msg("secondFactorChoicePasskey")}</label>
                </div>
            </fieldset>
            <@buttons.actionGroup>
                <@buttons.button name="continue" id="kc-continue" label="doContinue"/>
            </@buttons.actionGroup>
        </form>
    </#if>
</@layout.registrationLayout>
