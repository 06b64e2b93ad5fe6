"""Organizations registered by earlier releases have keys that spell out their TIN
(``<npi>-<tin>``), in their Keycloak group's path, the portal's addresses and access logs.
Each gets the key a new registration would get (``organizations/keys.py``): its group is
renamed in place (members, roles and attributes stay) and the row follows, one organization
per unit of work, so a failure leaves that organization as it was and the next run retries.
"""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from idp_bridge import audit
from idp_bridge.approvals.decisions import decision, lock_organization
from idp_bridge.audit.actor import SYSTEM, Actor
from idp_bridge.organizations.keys import earlier_releases_key, key_for
from idp_bridge.organizations.models import Organization, OrganizationIdentifier


def keys_spelling_a_tin() -> list[int]:
    """Ids of the organizations whose key is an earlier release's ``<npi>-<tin>``."""
    organizations = Organization.query.options(selectinload(Organization.identifiers))
    return [o.id for o in organizations.order_by(Organization.id)
            if earlier_releases_key(o.key, [(i.npi, i.tin) for i in o.identifiers])]


def rekey(organization: Organization, actor: Actor = SYSTEM) -> str:
    """Give ``organization`` its TIN-free key; answers the change made."""
    with decision() as changes:
        lock_organization(organization)
        first = _first_pair(organization)
        new_key = key_for(first.npi, first.tin)
        if organization.keycloak_group_id:
            changes.rename(organization.keycloak_group_id, new_key, organization.key)
        organization.key = new_key
        audit.record("organization.rekey", actor=actor, organization_key=new_key)
    return f"renamed organization {organization.id}'s key to {new_key}: it spelled out a TIN"


def _first_pair(organization: Organization) -> OrganizationIdentifier:
    pairs = sorted(organization.identifiers, key=lambda i: (not i.is_primary, i.id))
    return pairs[0]
