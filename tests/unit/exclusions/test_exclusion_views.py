"""The plan administrator's screens, fast: "Registry changes" and the review's exclusion
section. Who may see and decide; what the reviewer reads; the override enforced server-side."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp_bridge.exclusions import screening, synthetic
from idp_bridge.exclusions.files import LeieReader
from idp_bridge.exclusions.models import EligibilityFlag
from idp_bridge.exclusions.store import load_exclusions
from idp_bridge.extensions import db
from idp_bridge.npi.bulk_file import Refusals
from idp_bridge.npi.models import NpiRecord
from idp_bridge.organizations.models import Organization
from tests.support.fake_keycloak import FakeKeycloak
from tests.support.organizations import add_person, new_organization


def signed_in(app: Flask, fake: FakeKeycloak, plan_admin: bool) -> FlaskClient:
    email = f"{'pat' if plan_admin else 'sam'}@plan.test"
    user = fake.create_user(email, "Pat", "Reviewer", {}, required_actions=[])
    if plan_admin:
        fake.assign_realm_role(user, "plan-admin")
    client = app.test_client()
    with client.session_transaction() as session:
        session["user"] = {"sub": user, "email": email}
    return client


@pytest.fixture
def flagged(app: Flask, fake_keycloak: FakeKeycloak) -> int:
    with app.app_context():
        organization = new_organization(fake_keycloak)
        number = organization.identifiers[0].npi = "1588000087"
        add_person(fake_keycloak, organization, site_admin=True)
        db.session.add(NpiRecord(
            npi=number, entity_type=0, active=False, name="", location_line1="",
            location_line2="", location_city="", location_state="", location_postal_code="",
            mailing_line1="", mailing_line2="", mailing_city="", mailing_state="",
            mailing_postal_code="", taxonomy_codes="", primary_taxonomy="",
            deactivated_on=date(2023, 8, 1)))
        db.session.commit()
        screening.sweep_deactivations()
        return int(EligibilityFlag.query.one().id)


def test_exclusion_queue_only_for_plan_administrators(app: Flask, fake_keycloak: FakeKeycloak,
                                                      flagged: int) -> None:
    assert app.test_client().get("/admin/registry-changes").status_code == 302  # to sign-in
    other = signed_in(app, fake_keycloak, plan_admin=False)
    assert other.get("/admin/registry-changes").status_code == 403
    assert other.post(f"/admin/registry-changes/{flagged}/keep",
                      data={"note": "mine"}).status_code == 403
    with app.app_context():
        assert db.session.get(EligibilityFlag, flagged).state == "open"


def test_deactivation_queue_shows_date_and_registry_link_and_decides(
        app: Flask, fake_keycloak: FakeKeycloak, flagged: int) -> None:
    client = signed_in(app, fake_keycloak, plan_admin=True)
    page = client.get("/admin/registry-changes").get_data(as_text=True)
    assert "NPPES" in page and "08/01/2023" in page
    assert 'class="flag-state">Open<' in page  # words, not the stored state code
    assert 'href="https://npiregistry.cms.hhs.gov/provider-view/1588000087"' in page

    refused = client.post(f"/admin/registry-changes/{flagged}/keep", data={"note": ""})
    assert refused.status_code == 409
    assert "a note is required" in refused.get_data(as_text=True)
    done = client.post(f"/admin/registry-changes/{flagged}/keep",
                       data={"note": "NPI replaced"})
    assert done.status_code == 302
    with app.app_context():
        flag = db.session.get(EligibilityFlag, flagged)
        assert (flag.state, flag.decided_by, flag.note) == ("kept", "pat@plan.test",
                                                            "NPI replaced")
    assert client.post(f"/admin/registry-changes/{flagged}/delete",
                       data={"note": "x"}).status_code == 404


def test_exclusion_review_page_shows_matches_and_refuses_approval_without_override(
        app: Flask, fake_keycloak: FakeKeycloak, tmp_path: Path) -> None:
    with app.app_context():
        load_exclusions("leie", LeieReader(synthetic.write_leie(tmp_path / "UPDATED.csv"),
                                           Refusals()), "LEIE")
        organization = new_organization(fake_keycloak, status="pending")
        organization.identifiers[0].npi = synthetic.LEIE_BUSINESS_NPI
        add_person(fake_keycloak, organization, status="pending", site_admin=True)
        db.session.commit()
        org_id = organization.id
    client = signed_in(app, fake_keycloak, plan_admin=True)
    page = client.get(f"/admin/organizations/{org_id}").get_data(as_text=True)
    assert "OIG LEIE" in page and "1128b7" in page and "04/20/2023" in page
    assert "Match: approval needs an override note" in page and 'name="override_note"' in page

    refused = client.post(f"/admin/organizations/{org_id}/approve",
                          data={"note": "Called the office"})
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "write an override note" in text and 'value="Called the office"' in text
    done = client.post(f"/admin/organizations/{org_id}/approve",
                       data={"note": "Called", "override_note": "Owner changed in 2024"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Organization, org_id).status == "active"
    approved = client.get(f"/admin/organizations/{org_id}").get_data(as_text=True)
    assert "OIG LEIE · NPI " + synthetic.LEIE_BUSINESS_NPI in approved
    assert "kept" in approved and "Owner changed in 2024" in approved
