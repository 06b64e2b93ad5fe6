<#-- Keycloak's "Update password" (the reset link's page), with the password rules listed as
     Password Setup lists them (the guides: rules shown where a password is set). The rules
     come from the realm's password policy (passwordPolicies); the words are the theme's
     invalidPassword*Message texts, the same the page's own checks show. -->
<#import "template.ftl" as layout>
<#import "password-commons.ftl" as passwordCommons>
<#import "field.ftl" as field>
<#import "buttons.ftl" as buttons>
<#import "password-validation.ftl" as validator>
<@layout.registrationLayout displayMessage=!messagesPerField.existsError('password','password-confirm'); section>
    <#if section = "header">
        ${msg("updatePasswordTitle")}
    <#elseif section = "form">
        <#if passwordPolicies??>
            <div id="password-rules-block" class="portal-password-rules">
                <p id="password-rules-title">${msg("passwordRulesTitle")}</p>
                <ul id="password-rules">
                    <#if passwordPolicies.length??><li>${msg("invalidPasswordMinLengthMessage", passwordPolicies.length)}</li></#if>
                    <#if passwordPolicies.lowerCase??><li>${msg("invalidPasswordMinLowerCaseCharsMessage", passwordPolicies.lowerCase)}</li></#if>
                    <#if passwordPolicies.upperCase??><li>${msg("invalidPasswordMinUpperCaseCharsMessage", passwordPolicies.upperCase)}</li></#if>
                    <#if passwordPolicies.digits??><li>${msg("invalidPasswordMinDigitsMessage", passwordPolicies.digits)}</li></#if>
                    <#if passwordPolicies.specialChars??><li>${msg("invalidPasswordMinSpecialCharsMessage", passwordPolicies.specialChars)}</li></#if>
                </ul>
            </div>
        </#if>
        <form id="kc-passwd-update-form" class="${properties.kcFormClass!}" onsubmit="login.disabled = true; return true;" action="${url.loginAction}" method="post" novalidate="novalidate">
            <@field.password name="password-new" label=msg("passwordNew") fieldName="password" autocomplete="new-password" autofocus=true />
            <@field.password name="password-confirm" label=msg("passwordConfirm") autocomplete="new-password" />

            <div class="${properties.kcFormGroupClass!}">
                <@passwordCommons.logoutOtherSessions/>
            </div>

            <@buttons.actionGroup horizontal=true>
                <#if isAppInitiatedAction??>
                    <@buttons.button id="kc-submit" name="login" label="doSubmit"/>
                    <@buttons.button id="kc-cancel" label="doCancel" name="cancel-aia" type="secondary"/>
                <#else>
                    <@buttons.button id="kc-submit" name="login" label="doSubmit"/>
                </#if>
            </@buttons.actionGroup>
        </form>

        <@validator.templates/>
        <@validator.script field="password-new"/>
    </#if>
</@layout.registrationLayout>
