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


# Keycloak's admin API words a refusal in its own English ("Invalid password: must contain
# at least 1 lower case characters."); these fragments say which rule of the policy it was.
_REFUSALS = (
    ("minimum length", "length"),
    ("maximum length", "maxLength"),
    ("lower case", "lowerCase"),
    ("upper case", "upperCase"),
    ("numerical digits", "digits"),
    ("special characters", "specialChars"),
    ("username", "notUsername"),
    ("email", "notEmail"),
    ("recently used", "passwordHistory"),
)


def _policy_rules(policy: str) -> dict[str, str]:
    return {name: arg for name, arg in re.findall(r"(\w+)\(([^)]*)\)", policy)}


def _worded(name: str, arg: str) -> str | None:
    template = _RULES.get(name)
    if template is None:
        return None
    n = arg if arg.isdigit() else "1"
    return template.format(n={"1": "one"}.get(n, n), s="" if n == "1" else "s")


def describe_policy(policy: str) -> list[str]:
    return [rule for name, arg in _policy_rules(policy).items()
            if (rule := _worded(name, arg)) is not None]


def rule_broken(refusal: str, policy: str) -> str | None:
    """The guide's wording of the rule Keycloak's ``refusal`` names, or None if unknown."""
    lowered = refusal.lower()
    for fragment, name in _REFUSALS:
        if fragment in lowered:
            return _worded(name, _policy_rules(policy).get(name, "1"))
    return None
