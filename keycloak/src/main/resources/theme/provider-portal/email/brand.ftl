<#-- The user's brand (their `brand` attribute, Dean when absent or unknown) and its words. -->
<#function brandKey>
    <#local key = ((user.attributes.brand)!"dean")?lower_case>
    <#return (key == "wellfirst")?then("wellfirst", "dean")>
</#function>
<#function brandMsg name>
    <#return msg(name + "." + brandKey())>
</#function>
