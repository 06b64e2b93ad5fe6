"""An organization's Keycloak group as stored: the one place that builds and reads its
attributes.

The group ``/provider-orgs/<key>`` (its path: ``idp_bridge.keycloak.groups``) carries the
organization's ``name`` and its *approved* NPIs and TINs (``npi``, ``tin``), plus
``registered_at`` while a registration creates it. The plugin's claim mapper
(``keycloak/src/main/java/org/idpbridge/keycloak/tokens/OrganizationsClaim.java``) reads the
same names into the ``organizations`` claim, TINs only for a client that asks for the
``organization-tins`` scope; ``OrganizationsClaimMapperTest`` pins this shape from the Java
side and ``tests/unit/test_group_shape.py`` from this one. A pair waiting for review is never
here: what is in the group is in every member's next token.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from idp_bridge.organizations.models import Organization

NAME = "name"
NPI = "npi"
TIN = "tin"
REGISTERED_AT = "registered_at"  # seconds since the epoch; reconcile spares a young group
CLAIMED = (NAME, NPI, TIN)  # what the claim mapper reads

Attributes = dict[str, list[str]]


def attributes(organization: Organization) -> Attributes:
    """What the organization's group should carry now."""
    pairs = organization.approved_identifiers
    return {NAME: [organization.name],
            NPI: sorted({i.npi for i in pairs}),
            TIN: sorted({i.tin for i in pairs})}


def at_registration(organization: Organization, now: float) -> Attributes:
    """The attributes of a group a registration creates."""
    return {**attributes(organization), REGISTERED_AT: [str(int(now))]}


def differs(actual: Mapping[str, Sequence[str]], organization: Organization) -> bool:
    """Whether the stored group says something other than the organization's rows."""
    wanted = attributes(organization)
    return any(sorted(actual.get(name) or []) != value for name, value in wanted.items())


def merged(actual: Mapping[str, Sequence[str]], organization: Organization) -> Attributes:
    """The stored attributes with the claimed ones replaced (others, e.g. registered_at, kept)."""
    return {**{k: list(v) for k, v in actual.items()}, **attributes(organization)}


def registered_at(actual: Mapping[str, Sequence[str]]) -> float:
    """When a registration created the group; 0 when it does not say (an old group)."""
    try:
        return float((actual.get(REGISTERED_AT) or ["0"])[0])
    except ValueError:
        return 0.0
