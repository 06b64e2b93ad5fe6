"""Security tests: people and organizations set up directly (fast), then attacked through the
running bridge and the real Keycloak, as an attacker holding a browser would."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from idp_bridge.approvals.org_groups import SITE_ADMINS, ensure_structure, group_id
from idp_bridge.extensions import db
from idp_bridge.organizations.models import Membership, Organization, OrganizationIdentifier
from tests.support.people import Org, new_login


@pytest.fixture
def make_org(keycloak: Any, live_app: Flask) -> Callable[..., Org]:
    """An active organization whose first ``admins`` people are approved Site Administrators
    (in the bridge's rows and in Keycloak's groups) and the next ``pending`` are waiting."""

    def make(admins: int = 2, pending: int = 0) -> Org:
        gateway = keycloak.gateway
        key = f"sec-{uuid.uuid4().hex[:10]}"
        people = [new_login(keycloak, "admin") for _ in range(admins)]
        people += [new_login(keycloak, "pending") for _ in range(pending)]
        with live_app.app_context():
            org = Organization(key=key, name=f"Security Clinic {key[-4:]}", address_line1="1 Main",
                               city="Madison", state="WI", zip="53715",
                               business_phone="+16085550100", email="office@clinic.test",
                               status="active")
            org.keycloak_group_id = gateway.create_subgroup(gateway.orgs_group_id(), key)
            org.identifiers.append(OrganizationIdentifier(
                npi=str(uuid.uuid4().int)[:10], tin=str(uuid.uuid4().int)[:9],
                is_primary=True))
            ensure_structure(gateway, org)
            for index, person in enumerate(people):
                admin = index < admins
                membership = Membership(user_id=person.user_id, email=person.email,
                                        first_name="Sam", last_name="Person",
                                        status="approved" if admin else "pending",
                                        is_site_admin=admin, roles=[])
                org.memberships.append(membership)
                if admin:
                    gateway.add_to_group(person.user_id, group_id(gateway, org))
                    gateway.add_to_group(person.user_id, group_id(gateway, org, SITE_ADMINS))
            db.session.add(org)
            db.session.commit()
            for person, membership in zip(people, org.memberships, strict=True):
                person.membership_id = membership.id
        return Org(key, people)

    return make
