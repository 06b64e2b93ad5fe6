"""The yearly access review in a real browser, on each brand: a Site Administrator whose
organization's review is overdue signs in, lands on the review (with its help), is refused
until each person has a choice, keeps one suspended colleague (restored with their roles) and
revokes another."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.keycloak.groups import org_path, role_path
from idp_bridge.lifecycle.models import AccessReview
from idp_bridge.lifecycle.scheduler import run_due
from idp_bridge.organizations.models import Membership
from tests.support.organizations import add_person, new_organization
from tests.support.people import PASSWORD

pytestmark = [pytest.mark.keycloak, pytest.mark.browser]


def overdue_organization(live_app, keycloak, brand: str) -> dict:
    """Approved a year and a grace period ago, reminded twice, its staff suspended."""
    with live_app.app_context():
        org = new_organization(keycloak.gateway)
        org.brand = brand
        people = {name: add_person(keycloak.gateway, org, site_admin=(name == "Ada"),
                                   roles=roles, first_name=name)
                  for name, roles in (("Ada", []), ("Mel", ["claims", "remittance"]),
                                      ("Lee", ["eligibility"]))}
        for person in people.values():
            person.brand = brand
            keycloak.gateway.set_password(person.user_id, PASSWORD)
        due = utcnow() - timedelta(days=31)
        db.session.add(AccessReview(organization_id=org.id, due_at=due))
        db.session.commit()
        for when in (due - timedelta(days=30), due - timedelta(days=7),
                     due + timedelta(days=30)):
            run_due(when, force=True, only="access-reviews")
        found = {name: (p.id, p.email, p.user_id) for name, p in people.items()}
        assert db.session.get(Membership, found["Mel"][0]).status == "suspended"
        key, name = org.key, org.name
        db.session.remove()
    return {"key": key, "name": name, **found}


def test_access_review_journey(journey, site, brand, live_app, keycloak):
    org = overdue_organization(live_app, keycloak, brand)
    page = journey.page
    page.goto(f"{site}/login")
    page.locator("#username").fill(org["Ada"][1])
    page.locator("#password").fill(PASSWORD)
    page.locator("#kc-login").click()
    # the next portal page is the review
    expect(page.get_by_role("heading", name=f"Yearly access review: {org['name']}")) \
        .to_be_visible()
    expect(page.locator("#review-help")).to_contain_text("At least one Site Administrator")
    mel = page.locator(f'tr[data-email="{org["Mel"][1]}"]')
    expect(mel).to_contain_text("Suspended until this review is completed")
    expect(mel).to_contain_text("Claims, Remittance")
    journey.step("access-review")

    page.get_by_role("button", name="Complete review").click()
    expect(page.locator("#review-problem")).to_have_text(
        "Choose Keep or Revoke for each person.")
    journey.step("access-review-refused")

    for name, choice in (("Ada", "Keep"), ("Mel", "Keep"), ("Lee", "Revoke")):
        page.get_by_role("group", name=f"Decision for {name} Person").get_by_label(choice) \
            .check()
    page.get_by_role("button", name="Complete review").click()
    expect(page.get_by_text("Thank you: the access review is complete.")).to_be_visible()
    journey.step("access-review-complete")

    assert keycloak.gateway.user_group_paths(org["Mel"][2]) == sorted([
        org_path(org["key"]), role_path(org["key"], "claims"),
        role_path(org["key"], "remittance")])
    assert keycloak.gateway.user_group_paths(org["Lee"][2]) == []
    with live_app.app_context():
        assert db.session.get(Membership, org["Lee"][0]).status == "removed"
        db.session.remove()
