"""Organizations and people set up directly, in the bridge's tables and in a gateway's groups,
as registration and earlier decisions would have left them, so a decision's test starts from
the state it acts on. Works with the fake and the real gateway alike; needs an app context."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from idp_bridge.approvals.org_groups import ensure_structure, group_id
from idp_bridge.extensions import db
from idp_bridge.keycloak.groups import ROLES, SITE_ADMINS
from idp_bridge.keycloak.protocol import Gateway
from idp_bridge.organizations.models import Membership, Organization, OrganizationIdentifier


def new_organization(gateway: Gateway, status: str = "active") -> Organization:
    """An organization with its Keycloak group (as registration's completion creates it);
    an active one also has its ``site-admins`` and ``roles/<role>`` subgroups."""
    key = f"org-{uuid.uuid4().hex[:10]}"
    organization = Organization(
        key=key, name=f"Clinic {key[-4:]}", address_line1="1 Main St", city="Madison",
        state="WI", zip="53715", business_phone="+16085550100", email="office@clinic.test",
        status=status, keycloak_group_id=gateway.create_subgroup(gateway.orgs_group_id(), key))
    organization.identifiers.append(OrganizationIdentifier(
        npi=str(uuid.uuid4().int)[:10], tin=str(uuid.uuid4().int)[:9], is_primary=True))
    if status == "active":
        ensure_structure(gateway, organization)
    db.session.add(organization)
    db.session.commit()
    return organization


def add_person(gateway: Gateway, organization: Organization, status: str = "approved",
               site_admin: bool = False, roles: Iterable[str] = (),
               first_name: str = "Sam") -> Membership:
    """A login and its membership; an approved one is in the groups its grants name."""
    email = f"{first_name.lower()}-{uuid.uuid4().hex[:8]}@clinic.test"
    user_id = gateway.create_user(email, first_name, "Person", {}, required_actions=[])
    membership = Membership(user_id=user_id, email=email, first_name=first_name,
                            last_name="Person", status=status, is_site_admin=site_admin,
                            roles=sorted(roles))
    organization.memberships.append(membership)
    if status == "approved":
        gateway.add_to_group(user_id, group_id(gateway, organization))
        if site_admin:
            gateway.add_to_group(user_id, group_id(gateway, organization, SITE_ADMINS))
        for role in membership.roles:
            gateway.add_to_group(user_id, group_id(gateway, organization, ROLES, role))
    db.session.commit()
    return membership
