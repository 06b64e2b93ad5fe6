"""The yearly access review in a real browser, on each brand: a Site Administrator whose
organization's review is overdue signs in, lands on the review (with its help), is refused
until each person has a choice, keeps one suspended colleague (restored with their roles) and
revokes another."""

from __future__ import annotations

import uuid
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
from tests.support.waiting import wait_until

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


# Invitations ------------------------------------------------------------------------------


def active_organization_with_admin(live_app, keycloak, brand: str) -> dict:
    with live_app.app_context():
        org = new_organization(keycloak.gateway)
        org.brand = brand
        admin = add_person(keycloak.gateway, org, site_admin=True, first_name="Ada")
        admin.brand = brand
        keycloak.gateway.set_password(admin.user_id, PASSWORD)
        db.session.commit()
        found = {"key": org.key, "name": org.name, "id": org.id, "admin": admin.email,
                 "npi": org.identifiers[0].npi}
        db.session.remove()
    return found


def sign_in_here(page, email: str) -> None:
    """Keycloak's Log In page, wherever it was reached from (no phone enrolled: none asked)."""
    page.locator("#username").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#kc-login").click()


def invite(journey, site, org: dict, email: str, outbox) -> str:
    """The Site Administrator invites ``email`` with the Claims role; the link in the mail."""
    page = journey.page
    page.goto(f"{site}/login")
    sign_in_here(page, org["admin"])
    page.goto(f"{site}/org/{org['key']}/members")
    page.get_by_role("link", name="Invite a colleague").click()
    page.get_by_label("Colleague's work email").fill(email)
    page.get_by_label("Claims").check()
    journey.step("invite")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text(f"Invitation sent to {email}.")).to_be_visible()
    expect(page.locator(f'#invitations tr[data-email="{email}"]')).to_contain_text("Pending")
    body = outbox.latest(email, channel="email").body
    return next(word for word in body.split() if "/invitations/" in word)


def joined(live_app, keycloak, org: dict, email: str) -> tuple[str, list[str]]:
    with live_app.app_context():
        membership = Membership.query.filter_by(organization_id=org["id"], email=email).one()
        status, roles, user_id = membership.status, membership.roles, membership.user_id
        db.session.remove()
    assert role_path(org["key"], "claims") in keycloak.gateway.user_group_paths(user_id)
    return status, roles


def test_invitation_journey_new_person(journey, site, brand, live_app, keycloak, outbox):
    from tests.browser import steps

    org = active_organization_with_admin(live_app, keycloak, brand)
    email = f"invited-{uuid.uuid4().hex[:8]}@clinic.test"
    link = invite(journey, site, org, email, outbox)
    assert link.startswith(site)  # the organization's brand

    page = journey.new_person()
    page.goto(link)
    expect(page.get_by_role("heading", name=f"You are invited to {org['name']}")).to_be_visible()
    journey.step("invitation")
    page.get_by_role("button", name="Create my login").click()
    expect(page.get_by_role("heading", name="Individual Enrollment")).to_be_visible()
    expect(page.locator("#npi")).to_have_value(org["npi"])
    expect(page.locator("#npi")).to_have_attribute("readonly", "")
    expect(page.get_by_label("Email Address - Login ID")).to_have_value(email)
    expect(page.locator("#email-validated")).to_be_visible()  # verified by the link
    page.get_by_label("First Name").fill("Ivy")
    page.get_by_label("Last Name").fill("Invited")
    page.get_by_label("Phone", exact=True).fill("608-555-0143")
    page.get_by_label("Job Title").fill("Biller")
    page.get_by_label("Opt In/Out for Electronic Communications").select_option("in")
    journey.step("invited-individual")
    page.get_by_role("button", name="Continue").click()
    steps.password(journey)
    steps.keycloak_tail(journey, email, outbox)
    expect(page.locator("#confirmation")).to_be_visible()
    # Approved at once: the page and the mail say so, never "awaits approval".
    expect(page.locator("#access-approved")).to_have_text(
        f"Welcome to {org['name']}: your access is approved.")
    expect(page.get_by_text("not an approval of access")).to_have_count(0)
    journey.step("invited-complete")
    assert joined(live_app, keycloak, org, email) == ("approved", ["claims"])
    subjects = welcome_mail_subjects(outbox, email)
    assert not [s for s in subjects if "registration received" in s.lower()], subjects


def welcome_mail_subjects(outbox, email: str) -> list[str]:
    """The subjects mailed to ``email`` once the invitation's welcome has arrived (the
    deliverer sends in the order mails were written, so an earlier one would be there)."""
    def subjects() -> list[str]:
        found = [m.subject or "" for m in outbox.messages(to=email, channel="email")]
        return found if any("welcome to" in s.lower() for s in found) else []

    return wait_until(subjects, 30, what=f"a welcome mail to {email}")


def test_invitation_journey_existing_login(journey, site, brand, live_app, keycloak, outbox):
    org = active_organization_with_admin(live_app, keycloak, brand)
    other = active_organization_with_admin(live_app, keycloak, brand)  # their first home
    email = other["admin"]
    link = invite(journey, site, org, email, outbox)

    page = journey.new_person()
    page.goto(link)
    page.get_by_role("button", name="Sign in to accept").click()
    sign_in_here(page, email)
    expect(page.get_by_role("button", name="Accept the invitation")).to_be_visible()
    journey.step("invitation-signed-in")
    page.get_by_role("button", name="Accept the invitation").click()
    expect(page.get_by_text(f"Welcome to {org['name']}: your access is approved.")) \
        .to_be_visible()
    journey.step("invitation-accepted")
    assert joined(live_app, keycloak, org, email) == ("approved", ["claims"])
    page.goto(link)
    expect(page.locator("#invitation-closed")).to_be_visible()  # works once
