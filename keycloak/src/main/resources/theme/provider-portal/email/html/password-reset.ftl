<#import "../brand.ftl" as brand>
<#assign plan = brand.brandMsg("brandName")>
<html lang="en">
<body style="margin:0;padding:0;background:#f3f5f8;font-family:Arial,Helvetica,sans-serif;color:#1d2330;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;margin:0 auto;background:#ffffff;">
  <tr><td id="logo-panel" style="background:${brand.brandMsg("brandColor")};color:#ffffff;padding:20px 24px;">
    <div style="font-size:22px;font-weight:bold;">${plan}</div>
    <div style="font-size:13px;">${brand.brandMsg("brandTagline")}</div>
  </td></tr>
  <tr><td style="padding:24px;font-size:15px;line-height:1.5;">
    <p>${msg("passwordResetIntro", plan, user.email)}</p>
    <p>${msg("passwordResetAction")}</p>
    <p><a href="${link}" style="display:inline-block;background:${brand.brandMsg("brandColor")};color:#ffffff;padding:10px 18px;text-decoration:none;border-radius:4px;">${msg("passwordResetButton")}</a></p>
    <p style="font-size:13px;word-break:break-all;"><a href="${link}">${link}</a></p>
    <p>${msg("passwordResetExpiry", linkExpirationFormatter(linkExpiration))}</p>
    <p>${msg("passwordResetIgnore")}</p>
    <p>${msg("brandClosing", plan)?replace("\n", "<br>")?no_esc}</p>
  </td></tr>
</table>
</body>
</html>
