"""Turn Keycloak's password policy string into the guide's list of requirements."""

from __future__ import annotations

import re

_RULES = {
    "length": "Must be at least {n} characters",
    "lowerCase": "Must contain at least {n} Lower case letter{s}",
    "upperCase": "Must contain at least {n} Upper case letter{s}",
    "digits": "Must contain at least {n} Number{s} (0-9)",
    "specialChars": "Must contain at least {n} Symbol{s} (e.g. !@#$%()+_=)",
    "maxLength": "Must be at most {n} characters",
    "notUsername": "Must not be the same as your email address",
    "notEmail": "Must not be the same as your email address",
    "passwordHistory": "Must not be one of your last {n} passwords",
}


def describe_policy(policy: str) -> list[str]:
    rules = []
    for name, arg in re.findall(r"(\w+)\(([^)]*)\)", policy):
        template = _RULES.get(name)
        if template is None:
            continue
        n = arg if arg.isdigit() else "1"
        words = {"1": "one"}
        rules.append(template.format(n=words.get(n, n), s="" if n == "1" else "s"))
    return rules
