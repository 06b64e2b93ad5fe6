"""A registrant's login as the realm's user profile stores it (keycloak/realm/): which
attributes the wizard writes, and which Individual Enrollment field each comes from.

Keycloak refuses an attribute by its profile name (``ProfileRejected.fields``); the wizard
shows the refusal on the field it came from (``FIELDS``). The realm's user-profile config
declares the same names; ``tests/security/test_names_and_emails.py`` and the contract tests
hold the two to each other through the real Keycloak.
"""

from __future__ import annotations

from typing import Protocol

# Set on every login the wizard creates; the plugin's hand-off refuses logins without it
# (declared admin-only in the realm's user profile, so the registrant cannot set it).
REGISTRATION_MARKER = "registration_pending"
# Keycloak's own emails (the password reset) and pages speak this brand.
BRAND = "brand"

# Profile attribute → (the Individual Enrollment field it comes from, its label's message code).
FIELDS = {"firstName": ("first_name", "label.first_name"),
          "lastName": ("last_name", "label.last_name"),
          "email": ("email", "label.email"), "username": ("email", "label.email"),
          "work_phone": ("phone", "label.phone"), "job_title": ("job_title", "label.job_title"),
          "communications_opt_in": ("opt_in", "label.communications")}


class Registrant(Protocol):
    phone: str
    job_title: str
    opt_in: str


def registrant_attributes(person: Registrant, brand: str) -> dict[str, str]:
    """The attributes a new login gets beside its name and email."""
    return {"work_phone": person.phone, "job_title": person.job_title,
            "communications_opt_in": person.opt_in, BRAND: brand,
            REGISTRATION_MARKER: "true"}
