<#-- Terms & Conditions, the last step of registration: the whole text on the page, read by
     scrolling to the bottom, where "Accept Terms & Conditions" is. -->
<#import "template.ftl" as layout>
<#import "buttons.ftl" as buttons>
<@layout.registrationLayout displayMessage=false; section>
    <#if section = "header">
        ${msg("termsTitle")}
    <#elseif section = "form">
        <#if portalStep??>
            <p id="portal-step" class="portal-step">${msg("portalStep", portalStep.kc_step_terms, portalStep.kc_steps)}</p>
        </#if>
        <p id="terms-instructions" class="portal-note">${msg("termsInstructions")}</p>
        <article id="kc-terms-text" class="portal-terms" aria-labelledby="kc-page-title">
            ${kcSanitize(msg("termsText"))?no_esc}
        </article>
        <form id="kc-terms-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="POST">
            <@buttons.actionGroup horizontal=true>
                <@buttons.button name="accept" id="kc-accept" label="doAccept"/>
                <@buttons.button name="cancel" id="kc-decline" label="doDecline" type="secondary"/>
            </@buttons.actionGroup>
        </form>
    </#if>
</@layout.registrationLayout>
