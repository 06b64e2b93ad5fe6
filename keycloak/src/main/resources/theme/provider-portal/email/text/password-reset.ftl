<#ftl output_format="plainText">
<#import "../brand.ftl" as brand>
<#assign plan = brand.brandMsg("brandName")>
${plan} Provider Portal

${msg("passwordResetIntro", plan, user.email)}

${msg("passwordResetAction")}
${link}

${msg("passwordResetExpiry", linkExpirationFormatter(linkExpiration))}

${msg("passwordResetIgnore")}

${msg("brandClosing", plan)}
