<#-- The user's brand: their `brand` attribute when this theme has words for it (a
     `brandName.<brand>` message), else Dean. Adding a brand is adding its messages. -->
<#function brandKey>
    <#local key = ((user.attributes.brand)!"dean")?lower_case>
    <#return (msg("brandName." + key) != "brandName." + key)?then(key, "dean")>
</#function>
<#function brandMsg name>
    <#return msg(name + "." + brandKey())>
</#function>
