"""Administrators per brand (issue 21 row 12), fast, with the fake Keycloak: a brand's
administrator sees and decides only its brand's organizations and mail; the central team
(plan-admin) sees every brand; the role is read from Keycloak on every request."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp_bridge.extensions import db
from idp_bridge.keycloak.access import brands_for_roles
from idp_bridge.lifecycle.models import AccessReview
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.organizations.models import Organization
from tests.support.fake_keycloak import FakeKeycloak
from tests.support.organizations import new_organization


def test_roles_name_the_brands_they_administer():
    assert brands_for_roles(["plan-admin"]) == {"dean", "wellfirst"}
    assert brands_for_roles(["plan-admin-dean"]) == {"dean"}
    assert brands_for_roles(["plan-admin-wellfirst", "offline_access"]) == {"wellfirst"}
    assert brands_for_roles(["plan-admin-prevea", "plan-admins"]) == frozenset()


@pytest.fixture
def two_brands(app: Flask, fake_keycloak: FakeKeycloak) -> dict[str, int]:
    """A pending organization of each brand, and a queued email of each."""
    ids = {}
    with app.app_context():
        for brand in ("dean", "wellfirst"):
            organization = new_organization(fake_keycloak, status="pending")
            organization.brand = brand
            organization.name = f"{brand.title()} Clinic"
            db.session.add(OutboundEmail(kind="test", to=f"{brand}@clinic.test",
                                         subject=f"{brand} mail", body="b", brand=brand,
                                         message_id=f"<{brand}-{organization.id}@test>",
                                         status="pending"))
            db.session.commit()
            ids[brand] = organization.id
    return ids


def admin(client: FlaskClient, gateway: FakeKeycloak, role: str) -> str:
    user_id = gateway.create_user(f"{role}@plan.test", "Pat", "Reviewer", {},
                                  required_actions=[])
    gateway.assign_realm_role(user_id, role)
    with client.session_transaction() as session:
        session["user"] = {"sub": user_id, "name": "Pat Reviewer", "email": f"{role}@plan.test",
                           "roles": [role]}
    return user_id


def test_a_brand_administrator_sees_and_decides_only_its_brand(
        app, client, fake_keycloak, two_brands):
    admin(client, fake_keycloak, "plan-admin-dean")
    queue = client.get("/admin/organizations").get_data(as_text=True)
    assert "Dean Clinic" in queue and "Wellfirst Clinic" not in queue
    assert 'id="brand-filter"' not in queue  # one brand: nothing to filter
    assert client.get(f"/admin/organizations/{two_brands['dean']}").status_code == 200
    # Another brand's organization, by URL: refused, and nothing changes.
    assert client.get(f"/admin/organizations/{two_brands['wellfirst']}").status_code == 403
    refused = client.post(f"/admin/organizations/{two_brands['wellfirst']}/approve",
                          data={"note": "by URL"})
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.get(Organization, two_brands["wellfirst"]).status == "pending"
    assert client.get(f"/admin/organizations/{two_brands['wellfirst']}/members.csv") \
        .status_code == 403
    # Its mail only; plan-wide actions are the central team's.
    mail = client.get("/admin/mail").get_data(as_text=True)
    assert "dean mail" in mail and "wellfirst mail" not in mail
    assert client.post("/admin/reconcile").status_code == 403


def test_the_central_team_sees_every_brand_and_can_filter(client, fake_keycloak, two_brands):
    admin(client, fake_keycloak, "plan-admin")
    queue = client.get("/admin/organizations").get_data(as_text=True)
    assert "Dean Clinic" in queue and "Wellfirst Clinic" in queue
    assert 'id="brand-filter"' in queue and "WellFirst Health" in queue
    only = client.get("/admin/organizations?brand=wellfirst").get_data(as_text=True)
    assert "Wellfirst Clinic" in only and "Dean Clinic" not in only
    assert client.get(f"/admin/organizations/{two_brands['wellfirst']}").status_code == 200
    mail = client.get("/admin/mail").get_data(as_text=True)
    assert "dean mail" in mail and "wellfirst mail" in mail


def test_a_brand_filter_never_widens_what_an_administrator_sees(client, fake_keycloak,
                                                                two_brands):
    admin(client, fake_keycloak, "plan-admin-dean")
    other = client.get("/admin/organizations?brand=wellfirst").get_data(as_text=True)
    assert "Wellfirst Clinic" not in other and "Dean Clinic" not in other


def test_the_role_is_read_live_not_from_the_sign_in(client, fake_keycloak, two_brands):
    user_id = admin(client, fake_keycloak, "plan-admin-dean")
    assert client.get("/admin/organizations").status_code == 200
    fake_keycloak.users[user_id].roles.discard("plan-admin-dean")
    fake_keycloak.users[user_id].roles.add("plan-admin-wellfirst")
    # The session still says plan-admin-dean; Keycloak now says WellFirst.
    assert client.get(f"/admin/organizations/{two_brands['dean']}").status_code == 403
    assert client.get(f"/admin/organizations/{two_brands['wellfirst']}").status_code == 200


@pytest.fixture
def requests_and_flags(app: Flask, fake_keycloak: FakeKeycloak) -> dict[str, dict[str, int]]:
    """An approved organization of each brand, each with an NPI/TIN pair waiting for review
    (issue 19 row 1) and an open registry flag (issue 23)."""
    from datetime import date

    from idp_bridge.exclusions.models import EligibilityFlag
    from idp_bridge.organizations.models import OrganizationIdentifier

    ids: dict[str, dict[str, int]] = {}
    with app.app_context():
        for n, brand in enumerate(("dean", "wellfirst")):
            organization = new_organization(fake_keycloak, status="active")
            organization.brand, organization.name = brand, f"{brand.title()} Clinic"
            primary_npi = organization.identifiers[0].npi
            pair = OrganizationIdentifier(organization=organization, npi=f"198765432{n}",
                                          tin=f"39000000{n}", status="pending",
                                          requested_by="site-admin@clinic.test")
            flag = EligibilityFlag(organization=organization, source="leie", npi=primary_npi,
                                   listed_on=date(2026, 11, 1), detail="1128a1")
            db.session.add_all([pair, flag])
            db.session.commit()
            ids[brand] = {"pair": pair.id, "flag": flag.id}
    return ids


def test_a_brand_administrator_reviews_only_its_brands_npi_requests_and_registry_flags(
        app, client, fake_keycloak, requests_and_flags):
    from idp_bridge.exclusions.models import EligibilityFlag
    from idp_bridge.organizations.models import OrganizationIdentifier

    admin(client, fake_keycloak, "plan-admin-dean")
    listed = client.get("/admin/identifiers").get_data(as_text=True)
    assert "Dean Clinic" in listed and "Wellfirst Clinic" not in listed
    flags = client.get("/admin/registry-changes").get_data(as_text=True)
    assert "Dean Clinic" in flags and "Wellfirst Clinic" not in flags
    # The other brand's request and flag, by URL: refused, and nothing changes.
    wellfirst = requests_and_flags["wellfirst"]
    assert client.post(f"/admin/identifiers/{wellfirst['pair']}/approve").status_code == 403
    assert client.post(f"/admin/registry-changes/{wellfirst['flag']}/keep",
                       data={"note": "by URL"}).status_code == 403
    with app.app_context():
        assert db.session.get(OrganizationIdentifier, wellfirst["pair"]).status == "pending"
        assert db.session.get(EligibilityFlag, wellfirst["flag"]).state == "open"


def test_a_brand_administrator_sees_only_its_brand_overdue_access_reviews(
        app, client, fake_keycloak, two_brands):
    """The overdue access reviews are scoped like the other queues (the list once showed
    every brand's organizations to a brand's administrator)."""
    with app.app_context():
        for organization_id in two_brands.values():
            db.session.get(Organization, organization_id).status = "active"
            db.session.add(AccessReview(organization_id=organization_id,
                                        due_at=datetime(2000, 1, 1)))
        db.session.commit()
    admin(client, fake_keycloak, "plan-admin-wellfirst")
    overdue = client.get("/admin/access-reviews").get_data(as_text=True)
    assert "Wellfirst Clinic" in overdue and "Dean Clinic" not in overdue
    admin(client, fake_keycloak, "plan-admin")
    overdue = client.get("/admin/access-reviews").get_data(as_text=True)
    assert "Wellfirst Clinic" in overdue and "Dean Clinic" in overdue
