"""Who may do what, read from a token's claims: the contract other health-plan apps use too.

Tokens carry full group paths (claim ``groups``, laid out as ``groups.py`` says) and realm
roles (claim ``realm_roles``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from idp_bridge.brand import BRANDS
from idp_bridge.keycloak.groups import OrgGrant, grants_from_groups

PLAN_ADMIN_ROLE = "plan-admin"  # the plan's central team: every brand
# A brand's own administrators ("Dean Health Plan Administrator", the WellFirst guide's
# "Prevea360 Health Plan Administrator"): plan-admin-<brand key>, that brand only.
BRAND_ADMIN_ROLE_PREFIX = "plan-admin-"


def brand_admin_role(brand_key: str) -> str:
    return BRAND_ADMIN_ROLE_PREFIX + brand_key


def is_plan_admin_role(role: str) -> bool:
    return role == PLAN_ADMIN_ROLE or role.startswith(BRAND_ADMIN_ROLE_PREFIX)


def brands_for_roles(roles: Iterable[str]) -> frozenset[str]:
    """The brands these realm roles administer: all of them for the central team's role,
    else each brand whose own role is held (a role naming no brand counts for none)."""
    held = set(roles)
    if PLAN_ADMIN_ROLE in held:
        return frozenset(BRANDS)
    return frozenset(key for key in BRANDS if brand_admin_role(key) in held)



@dataclass
class Access:
    subject: str
    organizations: dict[str, OrgGrant]
    realm_roles: set[str]

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Access:
        # Claims of an unexpected shape grant nothing rather than raising (a 500 in an app).
        return cls(subject=str(claims.get("sub", "")),
                   organizations=grants_from_groups(_strings(claims.get("groups"))),
                   realm_roles=set(_strings(claims.get("realm_roles"))))

    @property
    def is_plan_admin(self) -> bool:
        """Of some brand or of all (display only: the console asks Keycloak each request)."""
        return bool(brands_for_roles(self.realm_roles))

    def is_member(self, org_key: str) -> bool:
        return org_key in self.organizations

    def is_site_admin(self, org_key: str) -> bool:
        grant = self.organizations.get(org_key)
        return bool(grant and grant.site_admin)

    def has_role(self, org_key: str, role: str) -> bool:
        grant = self.organizations.get(org_key)
        return bool(grant and role in grant.roles)

    def allows(self, org_key: str, role: str | None = None) -> bool:
        """Is this user approved in ``org_key`` (and, if given, holding ``role``)?"""
        return self.is_member(org_key) and (role is None or self.has_role(org_key, role))


def _strings(value: object) -> list[str]:
    """A claim that should be a list of strings, with anything else dropped."""
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []
