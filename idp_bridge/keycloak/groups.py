"""The group layout in Keycloak: the one place that spells it.

An organization's access is the group ``/provider-orgs/<key>``; inside it, ``site-admins``
marks its Site Administrators and ``roles/<role>`` its portal roles. Tokens carry these full
paths (claim ``groups``); the Java claim mapper (``keycloak/``) writes the same layout and
``tests/keycloak_plugin`` pins the two together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

ORGS_GROUP = "provider-orgs"
SITE_ADMINS = "site-admins"
ROLES = "roles"
ORGS_PREFIX = f"/{ORGS_GROUP}/"


def org_path(org_key: str, *parts: str) -> str:
    """``/provider-orgs/<key>[/<part>...]``, e.g. ``org_path(key, ROLES, "claims")``."""
    return "/".join([f"{ORGS_PREFIX}{org_key}", *parts])


def site_admins_path(org_key: str) -> str:
    return org_path(org_key, SITE_ADMINS)


def role_path(org_key: str, role: str) -> str:
    return org_path(org_key, ROLES, role)


@dataclass
class OrgGrant:
    key: str
    site_admin: bool = False
    roles: set[str] = field(default_factory=set)


def paths_for(org_key: str, site_admin: bool, roles: Iterable[str]) -> list[str]:
    """The group paths a member holds: the inverse of ``grants_from_groups``."""
    paths = [org_path(org_key)]
    if site_admin:
        paths.append(site_admins_path(org_key))
    paths.extend(role_path(org_key, role) for role in roles)
    return paths


def grants_from_groups(paths: Iterable[str]) -> dict[str, OrgGrant]:
    grants: dict[str, OrgGrant] = {}
    nested: list[tuple[str, list[str]]] = []
    for path in paths:
        if not path.startswith(ORGS_PREFIX):
            continue
        key, *rest = path[len(ORGS_PREFIX):].split("/")
        if rest:
            nested.append((key, rest))
        else:
            grants[key] = OrgGrant(key)
    # A subgroup counts only together with the organization's own group: removing someone
    # from the organization removes all access even if a subgroup was left behind.
    for key, rest in nested:
        grant = grants.get(key)
        if grant is None:
            continue
        if rest == [SITE_ADMINS]:
            grant.site_admin = True
        elif len(rest) == 2 and rest[0] == ROLES:
            grant.roles.add(rest[1])
    return grants
