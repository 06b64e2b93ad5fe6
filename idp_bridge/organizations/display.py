"""How organizations and their people are written on screen and in exports: one formatter
each, registered as template filters by ``organizations.init_app``."""

from __future__ import annotations

from collections.abc import Iterable

import phonenumbers

from idp_bridge.npi.identifiers import format_tin
from idp_bridge.organizations.addresses import format_address
from idp_bridge.organizations.models import PORTAL_ROLES, Organization

__all__ = ["format_address", "format_phone", "format_tin", "organization_address",
           "opt_in_label", "role_names"]


def organization_address(organization: Organization) -> str:
    return format_address(organization.address_line1, organization.address_line2,
                          organization.city, organization.state, organization.zip)


def format_phone(stored: str) -> str:
    """E.164 as a person dials it in the US (``(608) 555-0122``); anything else as stored."""
    if not stored:
        return ""
    try:
        number = phonenumbers.parse(stored, "US")
    except phonenumbers.NumberParseException:
        return stored
    style = (phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 1
             else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, style)


def opt_in_label(choice: bool | None) -> str:
    """The guide's words for the Electronic Communications choice."""
    if choice is None:
        return "Not recorded"
    return "Opt In" if choice else "Opt Out"


def role_names(roles: Iterable[str]) -> list[str]:
    """Portal role keys as people read them, in the portal's own order."""
    wanted = set(roles)
    return [name for key, name in PORTAL_ROLES.items() if key in wanted]
